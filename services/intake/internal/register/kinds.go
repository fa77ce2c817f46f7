package register

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// kindsJSON is reference data (DOMAIN.md §1), versioned with the code but
// kept out of it, so amending the list is a data change.
//
//go:embed kinds.json
var kindsJSON []byte

// Kind is one document kind of the clerical rules.
type Kind struct {
	Enum         string `json:"enum"`         // the value clients send, e.g. QUYET_DINH
	Name         string `json:"name"`         // Vietnamese name, e.g. Quyết định
	Abbreviation string `json:"abbreviation"` // ND30 abbreviation, case-sensitive; empty for Công văn and Thư công
	ArchiveCode  string `json:"archive_code"` // TT05 code; empty for copies
}

// Kinds is the list of document kinds a register accepts.
type Kinds struct {
	Version string
	byEnum  map[string]Kind
	enums   []string // in the order of the data file, for messages
}

// LoadKinds reads the kinds shipped with the service.
func LoadKinds() (*Kinds, error) {
	return parseKinds(kindsJSON)
}

func parseKinds(data []byte) (*Kinds, error) {
	var file struct {
		Version string `json:"version"`
		Kinds   []Kind `json:"kinds"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		return nil, fmt.Errorf("register.LoadKinds: %w", err)
	}
	if len(file.Kinds) == 0 {
		return nil, errors.New("register.LoadKinds: the kinds file lists no kinds")
	}
	k := &Kinds{Version: file.Version, byEnum: make(map[string]Kind, len(file.Kinds))}
	for _, kind := range file.Kinds {
		if kind.Enum == "" || kind.Name == "" {
			return nil, fmt.Errorf("register.LoadKinds: kind %+v needs an enum and a name", kind)
		}
		if _, dup := k.byEnum[kind.Enum]; dup {
			return nil, fmt.Errorf("register.LoadKinds: kind %s is listed twice", kind.Enum)
		}
		k.byEnum[kind.Enum] = kind
		k.enums = append(k.enums, kind.Enum)
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
