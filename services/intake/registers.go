package intake

import (
	"context"
	"fmt"
	"os"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/docflow/docflow/services/intake/internal/outgoing"
	"github.com/docflow/docflow/services/intake/internal/register"
	"github.com/docflow/docflow/services/internal/clerical/agencies"
	"github.com/docflow/docflow/services/internal/clerical/counter"
	"github.com/docflow/docflow/services/internal/clerical/hosted"
	"github.com/docflow/docflow/services/internal/service"
)

// loadReference reads the embedded reference data before anything is
// opened: the kinds of document and the agency directory.
func loadReference() (*register.Kinds, *agencies.Directory, error) {
	kinds, err := register.LoadKinds()
	if err != nil {
		return nil, nil, err
	}
	directory, err := agencies.Load()
	if err != nil {
		return nil, nil, err
	}
	return kinds, directory, nil
}

// loadRegisters reads the registers file that splits the agencies'
// outgoing numbers; none means one shared register per agency.
func loadRegisters(path string) (counter.Config, error) {
	if path == "" {
		return counter.DefaultConfig(), nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return counter.Config{}, fmt.Errorf("DOCFLOW_INTAKE_REGISTERS: %w", err)
	}
	c, err := counter.ParseConfig(data, yaml.Unmarshal)
	if err != nil {
		return counter.Config{}, fmt.Errorf("DOCFLOW_INTAKE_REGISTERS=%s: %w", path, err)
	}
	return c, nil
}

// openRegisters opens the incoming register and the numbering of the
// outgoing one, which share the database and its counters. Số đến is one
// series per agency and year (and one for secret documents) whatever the
// agency's outgoing registers; series splits the outgoing numbers.
func openRegisters(ctx context.Context, env *service.Env, directory *agencies.Directory, places map[string]string, series counter.Config) (*register.Register, *outgoing.Register, error) {
	reg, err := register.Open(ctx, env.DB, counter.DefaultConfig())
	if err != nil {
		return nil, nil, err
	}
	numbering, err := outgoing.Open(ctx, env.DB, series, reg, directory, time.Now, env.Log)
	if err != nil {
		return nil, nil, err
	}
	numbering.Places = places
	return reg, numbering, nil
}

// loadPlaces reads the place name of each hosted agency's date lines; no
// directory configured gives none.
func loadPlaces(dir string) (map[string]string, error) {
	places := map[string]string{}
	if dir == "" {
		return places, nil
	}
	all, err := hosted.Load(dir)
	if err != nil {
		return nil, err
	}
	for _, a := range all {
		places[a.ID] = a.Place
	}
	return places, nil
}
