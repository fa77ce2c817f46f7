module github.com/docflow/docflow/tests

go 1.27.0

toolchain go1.27.4

require (
	github.com/docflow/docflow/api v0.0.0-00010101000000-000000000000
	github.com/docflow/docflow/services/archive v0.0.0-00010101000000-000000000000
	github.com/docflow/docflow/services/gateway v0.0.0-00010101000000-000000000000
	github.com/docflow/docflow/services/intake v0.0.0-00010101000000-000000000000
	github.com/docflow/docflow/services/internal v0.0.0-00010101000000-000000000000
	github.com/docflow/docflow/services/routing v0.0.0-00010101000000-000000000000
	github.com/docflow/docflow/services/signing v0.0.0-00010101000000-000000000000
	github.com/docflow/docflow/services/stack v0.0.0-00010101000000-000000000000
	github.com/docflow/docflow/workflows v0.0.0-00010101000000-000000000000
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/dustin/go-humanize v1.1.0 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/klauspost/compress v1.20.3 // indirect
	github.com/klauspost/cpuid/v2 v2.4.0 // indirect
	github.com/klauspost/crc32 v1.3.0 // indirect
	github.com/minio/crc64nvme v1.1.1 // indirect
	github.com/minio/md5-simd v1.1.2 // indirect
	github.com/minio/minio-go/v7 v7.4.1 // indirect
	github.com/philhofer/fwd v1.2.0 // indirect
	github.com/rs/xid v1.6.0 // indirect
	github.com/tinylib/msgp v1.6.4 // indirect
	github.com/zeebo/xxh3 v1.1.0 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/crypto v0.58.0 // indirect
	golang.org/x/net v0.60.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/text v0.43.0 // indirect
	gopkg.in/ini.v1 v1.67.3 // indirect
)

replace (
	github.com/docflow/docflow/api => ../api
	github.com/docflow/docflow/services/archive => ../services/archive
	github.com/docflow/docflow/services/gateway => ../services/gateway
	github.com/docflow/docflow/services/intake => ../services/intake
	github.com/docflow/docflow/services/internal => ../services/internal
	github.com/docflow/docflow/services/routing => ../services/routing
	github.com/docflow/docflow/services/signing => ../services/signing
	github.com/docflow/docflow/services/stack => ../services/stack
	github.com/docflow/docflow/workflows => ../workflows
)
