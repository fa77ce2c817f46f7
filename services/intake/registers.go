package intake

import (
	"context"
	"time"

	"github.com/docflow/docflow/services/intake/internal/outgoing"
	"github.com/docflow/docflow/services/intake/internal/register"
	"github.com/docflow/docflow/services/internal/clerical/agencies"
	"github.com/docflow/docflow/services/internal/clerical/counter"
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

// openRegisters opens the incoming register and the numbering of the
// outgoing one, which share the database and its counters. Số đến is one
// series per agency and year (and one for secret documents) whatever the
// agency's outgoing registers, so intake needs no registers file.
func openRegisters(ctx context.Context, env *service.Env, directory *agencies.Directory, place string) (*register.Register, *outgoing.Register, error) {
	reg, err := register.Open(ctx, env.DB, counter.DefaultConfig())
	if err != nil {
		return nil, nil, err
	}
	numbering, err := outgoing.Open(ctx, env.DB, counter.DefaultConfig(), reg, directory, time.Now, env.Log)
	if err != nil {
		return nil, nil, err
	}
	numbering.Place = place
	return reg, numbering, nil
}
