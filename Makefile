# docflow: build, test and check every module of the Go workspace.
# `make` lists the targets; the README's test command is `make test`.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules --no-print-directory

# Every go.mod asks for go1.27.4; with auto, an older local Go fetches it through the module proxy.
export GOTOOLCHAIN := auto

ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
BIN := $(ROOT)/bin
TOOLS_BIN := $(BIN)/tools

# go.work is the one list of modules every target walks (tools/ stays outside it, see tools/scripts/gowork.sh).
MODULES := $(shell cd '$(ROOT)' && source tools/scripts/lib.sh && workspace_modules)
PKGS := $(MODULES:%=./%/...)

# Pinned in tools/go.mod with `tool` directives; built outside the workspace so the versions are exactly those.
TOOLS := golangci-lint oapi-codegen workflowcheck pdfcpu
TOOL_BINS := $(addprefix $(TOOLS_BIN)/,$(TOOLS))
GOLANGCI_LINT := $(TOOLS_BIN)/golangci-lint
WORKFLOWCHECK := $(TOOLS_BIN)/workflowcheck

# Main packages: the CLI and one per service.
MAIN_PKGS = $(sort $(patsubst %/,./%,$(dir $(wildcard cmd/*/*.go services/*/cmd/*/*.go))))

DEBIAN_PACKAGES := poppler-utils qpdf softhsm2 opensc libnss3-tools
export DOCFLOW_TEST_POSTGRES_DSN ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable

## Variables (override as `make <target> VAR=value`):
##   TEST_PKGS     packages to test, e.g. ./services/signing/... (default: every module)
##   TEST_FLAGS    go test flags (default: -race -shuffle=on -count=1 -timeout 20m)
##   CHECKS        verify checks to run (default: work tidy isolation generate vet lint workflowcheck)
##   BENCH         benchmark regexp (default: .)
##   BENCH_COUNT   runs per benchmark, for benchstat (default: 1)
##   BENCH_PKGS    packages to benchmark (default: every module)
##   FUZZ          fuzz target regexp (default: .)
##   FUZZTIME      time per fuzz target (default: 30s)
##   FORCE=1       clean without asking
##   DOCFLOW_TEST_POSTGRES_DSN  PostgreSQL for tests (default: postgres://postgres@127.0.0.1:5432/test?sslmode=disable)
TEST_PKGS ?=
TEST_FLAGS ?= -race -shuffle=on -count=1 -timeout 20m
CHECKS ?=
BENCH ?= .
BENCH_COUNT ?= 1
BENCH_PKGS ?=
FUZZ ?= .
FUZZTIME ?= 30s

.PHONY: help
help: ## list targets and variables
	@printf 'Usage: make <target> [VAR=value]\n\nTargets:\n'
	@awk 'BEGIN { FS = ":.*## " } /^[a-zA-Z0-9_.-]+:.*## / { printf "  %-10s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)
	@printf '\n'
	@sed -n 's/^## \{0,1\}//p' $(MAKEFILE_LIST)

.PHONY: run
run: ## run the whole stack locally (NATS, Temporal, S3, every service) with `docflow dev`
	@mkdir -p '$(BIN)'
	go build -o '$(BIN)/docflow' ./cmd/docflow
	exec '$(BIN)/docflow' dev

.PHONY: build
build: ## build every binary (cmd/docflow, services/*/cmd/*) into ./bin
	@[[ -n "$(MAIN_PKGS)" ]] || { echo 'error: no main packages found under cmd/ or services/*/cmd/' >&2; exit 1; }
	@mkdir -p '$(BIN)'
	go build -o '$(BIN)/' $(MAIN_PKGS)
	@printf 'built into %s: %s\n' '$(BIN)' "$(notdir $(MAIN_PKGS))"

.PHONY: test
test: test-deps servers $(TOOL_BINS) ## run every module's tests (-race -shuffle=on) against real servers, with a summary
	tools/scripts/gotest.sh $(TEST_FLAGS) -- $(TEST_PKGS)

.PHONY: test-deps
test-deps: ## install the Debian packages the tests use (pdfsig, qpdf, SoftHSM2, OpenSC, certutil) when missing
	tools/scripts/debian-packages.sh $(DEBIAN_PACKAGES)

.PHONY: servers
servers: ## install the pinned server binaries (Temporal dev server, versitygw) into ./bin
	go run ./cmd/docflow tools install

.PHONY: bench
bench: ## run benchmarks across modules (BENCH, BENCH_COUNT, BENCH_PKGS)
	tools/scripts/gotest.sh -run '^$$' -bench '$(BENCH)' -benchmem -count '$(BENCH_COUNT)' -timeout 60m -- $(BENCH_PKGS)

.PHONY: fuzz
fuzz: ## run each fuzz target for FUZZTIME (FUZZ selects targets)
	FUZZ='$(FUZZ)' FUZZTIME='$(FUZZTIME)' tools/scripts/fuzz.sh

.PHONY: verify
verify: $(TOOL_BINS) ## run the checks CI runs: go.work sync, tidy, api isolation, generate diff, vet, lint, workflowcheck
	GOLANGCI_LINT='$(GOLANGCI_LINT)' WORKFLOWCHECK='$(WORKFLOWCHECK)' tools/scripts/verify.sh $(CHECKS)

.PHONY: fix
fix: $(TOOL_BINS) ## apply the automatic fixes for verify: make work, go mod tidy, go generate, golangci-lint fmt/--fix
	GOLANGCI_LINT='$(GOLANGCI_LINT)' tools/scripts/fix.sh

.PHONY: lint
lint: $(TOOL_BINS) ## run golangci-lint on every module (same as `make verify CHECKS=lint`)
	GOLANGCI_LINT='$(GOLANGCI_LINT)' tools/scripts/verify.sh lint

.PHONY: work
work: ## regenerate go.work from every go.mod in the tree
	tools/scripts/gowork.sh > go.work.new
	mv go.work.new go.work

.PHONY: tools
tools: $(TOOL_BINS) ## build the developer tools pinned in tools/go.mod into ./bin/tools

# One build produces all tool binaries; it reruns only when the pins change.
$(TOOL_BINS) &: tools/go.mod tools/go.sum
	@mkdir -p '$(TOOLS_BIN)'
	GOWORK=off go -C tools build -o '$(TOOLS_BIN)/' tool
	@touch $(TOOL_BINS)

.PHONY: clean
clean: ## remove ./bin and ./var (var holds the local stack's data; asks first when interactive, FORCE=1 skips)
	@if [[ -d var ]]; then \
		echo "warning: ./var holds the local stack's data (documents, registers, databases, workflow history)"; \
		if [[ -t 0 && -z "$${CI:-}" && "$(FORCE)" != 1 ]]; then \
			read -r -p 'delete ./bin and ./var? type yes: ' answer; \
			[[ $$answer == yes ]] || { echo 'kept ./bin and ./var'; exit 0; }; \
		fi; \
	fi; \
	rm -rf bin var; \
	echo 'removed ./bin and ./var'
