package intake

import (
	"errors"
	"fmt"
	"time"

	"github.com/docflow/docflow/services/internal/config"
	"github.com/docflow/docflow/services/internal/service"
)

// Config is the intake service's configuration, from DOCFLOW_* variables.
type Config struct {
	// Common.Temporal runs the AssignNumber activity: a clerk's issue
	// numbers an outgoing document from the counters intake keeps.
	service.Common
	service.Documents

	// DB holds the incoming register: sqlite:<file> or postgres://….
	DB string `env:"DOCFLOW_INTAKE_DB" default:"sqlite:var/intake.db" required:"sqlite:<file> or a postgres:// URL"`
	// MaxBytes is the largest PDF accepted (50 MiB by default).
	MaxBytes int64  `env:"DOCFLOW_INTAKE_MAX_BYTES" default:"52428800"`
	HTTPAddr string `env:"DOCFLOW_INTAKE_HTTP_ADDR" default:"127.0.0.1:8081" required:"the host:port of the health endpoints"`
	// MaxConcurrent bounds the uploads checked at once; each is held in
	// memory (up to MaxBytes) while it is parsed.
	MaxConcurrent int `env:"DOCFLOW_INTAKE_MAX_CONCURRENT" default:"4"`
	// AnnounceInterval is how often registered documents whose event did
	// not reach the stream are announced again.
	AnnounceInterval time.Duration `env:"DOCFLOW_INTAKE_ANNOUNCE_INTERVAL" default:"30s"`
	// Agencies is the hosted agencies directory (one subdirectory per
	// agency); each agency's place name (địa danh) heads its date lines,
	// "Hà Nội" in "Hà Nội, ngày 07 tháng 12 năm 2026". Empty: every date
	// line is the date alone.
	Agencies string `env:"DOCFLOW_AGENCIES_DIR"`
	// Registers is the registers file: how each agency splits its outgoing
	// numbers (shared, per kind or per unit; counter.Config). Empty numbers
	// every agency in one shared register.
	Registers string `env:"DOCFLOW_INTAKE_REGISTERS"`
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	problems := append(config.Missing(c), c.Common.Validate(), c.Documents.Validate())
	if c.MaxBytes < 1 {
		problems = append(problems, fmt.Errorf("DOCFLOW_INTAKE_MAX_BYTES=%d: give the largest accepted PDF in bytes, e.g. 52428800 for 50 MiB", c.MaxBytes))
	}
	if c.MaxConcurrent < 1 {
		problems = append(problems, fmt.Errorf("DOCFLOW_INTAKE_MAX_CONCURRENT=%d: must be at least 1", c.MaxConcurrent))
	}
	if c.AnnounceInterval < time.Second {
		problems = append(problems, fmt.Errorf("DOCFLOW_INTAKE_ANNOUNCE_INTERVAL=%s: must be at least 1s", c.AnnounceInterval))
	}
	return errors.Join(problems...)
}

// LoadConfig reads and validates the configuration.
func LoadConfig(getenv func(string) string) (Config, error) {
	return config.LoadValid[Config](Name, getenv)
}
