package register

import (
	"errors"
	"fmt"
	"slices"

	"github.com/docflow/docflow/services/internal/clerical/kinds"
)

// Kind is one document kind of the clerical rules (DOMAIN.md §1).
type Kind = kinds.Info

// Kinds is the list of document kinds a register accepts: the shared table
// of services/internal/clerical/kinds.
type Kinds struct {
	Version string
	byEnum  map[string]Kind
	enums   []string // in the data file's order, for messages
}

// LoadKinds reads the shared kinds table.
func LoadKinds() (*Kinds, error) {
	version, err := kinds.Version()
	if err != nil {
		return nil, fmt.Errorf("register.LoadKinds: %w", err)
	}
	all := kinds.All()
	if len(all) == 0 {
		return nil, errors.New("register.LoadKinds: the kinds table lists no kinds")
	}
	k := &Kinds{Version: version, byEnum: make(map[string]Kind, len(all))}
	for _, kind := range all {
		k.byEnum[string(kind.Kind)] = kind
		k.enums = append(k.enums, string(kind.Kind))
	}
	return k, nil
}

// Lookup returns the kind with the given enum value. Values are compared
// exactly: clients send the enum, not a name.
func (k *Kinds) Lookup(enum string) (Kind, bool) {
	kind, ok := k.byEnum[enum]
	return kind, ok
}

// Enums lists every enum value in the data file's order.
func (k *Kinds) Enums() []string { return slices.Clone(k.enums) }
