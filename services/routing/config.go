package routing

import (
	"errors"

	"github.com/docflow/docflow/services/internal/config"
	"github.com/docflow/docflow/services/internal/service"
)

// Config is the routing service's configuration.
type Config struct {
	service.Common
	Rules    string `env:"DOCFLOW_ROUTING_RULES" default:"deploy/dev/routing.yaml" required:"the routing rules file"`
	OrgChart string `env:"DOCFLOW_ROUTING_ORGCHART" default:"deploy/dev/orgchart.yaml" required:"the organisation chart file"`
	DB       string `env:"DOCFLOW_ROUTING_DB" default:"sqlite:var/routing.db" required:"sqlite:<file> or a postgres:// address"`
	HTTPAddr string `env:"DOCFLOW_ROUTING_HTTP_ADDR" default:"127.0.0.1:8082"`
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	return errors.Join(append(config.Missing(c), c.Common.Validate())...)
}
