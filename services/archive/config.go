package archive

import (
	"errors"
	"fmt"

	"github.com/docflow/docflow/services/internal/config"
	"github.com/docflow/docflow/services/internal/service"
)

// maxRetentionYears bounds DOCFLOW_ARCHIVE_RETENTION_YEARS: a compliance
// lock cannot be shortened, so a typo like 1000 must not reach the store.
const maxRetentionYears = 100

// Config is the archive service's configuration, from DOCFLOW_* variables.
type Config struct {
	service.Common
	// Documents is where signed PDFs are taken from.
	service.Documents

	// DB is the catalog database: sqlite:<file> or postgres://….
	DB string `env:"DOCFLOW_ARCHIVE_DB" default:"sqlite:var/archive.db" required:"sqlite:<file> or a postgres:// address"`
	// ArchiveBucket keeps the records; it is created with object lock.
	ArchiveBucket string `env:"DOCFLOW_ARCHIVE_BUCKET" default:"docflow-archive" required:""`
	// RetentionYears is how long after archiving a record is locked.
	RetentionYears int `env:"DOCFLOW_ARCHIVE_RETENTION_YEARS" default:"10"`
	// HTTPAddr serves /healthz and /readyz.
	HTTPAddr string `env:"DOCFLOW_ARCHIVE_HTTP_ADDR" default:"127.0.0.1:8084" required:"host:port for the health endpoints"`
}

// Validate reports every problem with the configuration at once.
func (c Config) Validate() error {
	problems := append(config.Missing(c), c.Common.Validate(), c.Documents.Validate())
	if c.ArchiveBucket != "" && c.ArchiveBucket == c.DocumentsBucket {
		problems = append(problems, errors.New("DOCFLOW_ARCHIVE_BUCKET must differ from DOCFLOW_DOCUMENTS_BUCKET: records need their own object-lock bucket"))
	}
	if c.RetentionYears < 1 || c.RetentionYears > maxRetentionYears {
		problems = append(problems, fmt.Errorf("DOCFLOW_ARCHIVE_RETENTION_YEARS is %d: use a number of years from 1 to %d", c.RetentionYears, maxRetentionYears))
	}
	return errors.Join(problems...)
}

// LoadConfig reads and validates the configuration.
func LoadConfig(getenv func(string) string) (Config, error) {
	return config.LoadValid[Config]("archive", getenv)
}
