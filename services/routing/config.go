package routing

import (
	"errors"

	"github.com/docflow/docflow/services/internal/service"
)

// Config is the routing service's configuration.
type Config struct {
	service.Common
	Rules    string `env:"DOCFLOW_ROUTING_RULES" default:"deploy/dev/routing.yaml"`
	OrgChart string `env:"DOCFLOW_ROUTING_ORGCHART" default:"deploy/dev/orgchart.yaml"`
	DB       string `env:"DOCFLOW_ROUTING_DB" default:"sqlite:var/routing.db"`
	HTTPAddr string `env:"DOCFLOW_ROUTING_HTTP_ADDR" default:"127.0.0.1:8082"`
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	problems := []error{c.Common.Validate()}
	if c.Rules == "" {
		problems = append(problems, errors.New("DOCFLOW_ROUTING_RULES is required"))
	}
	if c.OrgChart == "" {
		problems = append(problems, errors.New("DOCFLOW_ROUTING_ORGCHART is required"))
	}
	if c.DB == "" {
		problems = append(problems, errors.New("DOCFLOW_ROUTING_DB is required: sqlite:<file> or a postgres:// address"))
	}
	return errors.Join(problems...)
}
