package routing

import (
	"errors"

	"github.com/docflow/docflow/services/internal/config"
	"github.com/docflow/docflow/services/internal/service"
)

// Config is the routing service's configuration.
type Config struct {
	service.Common
	// Agencies is the directory of the hosted agencies: one subdirectory
	// per agency with its org chart and routing rules.
	Agencies string `env:"DOCFLOW_AGENCIES_DIR" default:"deploy/dev/agencies" required:"the hosted agencies directory"`
	DB       string `env:"DOCFLOW_ROUTING_DB" default:"sqlite:var/routing.db" required:"sqlite:<file> or a postgres:// address"`
	HTTPAddr string `env:"DOCFLOW_ROUTING_HTTP_ADDR" default:"127.0.0.1:8082"`
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	return errors.Join(append(config.Missing(c), c.Common.Validate())...)
}
