package counter

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/docflow/docflow/api/ids"
	"github.com/docflow/docflow/api/vntime"
)

// Mode is how an agency splits its outgoing numbers into registers; the
// agency chooses (DOMAIN.md §2).
type Mode string

// The modes.
const (
	// Shared: one register for every kind and unit.
	Shared Mode = "shared"
	// PerKind: one register per document kind.
	PerKind Mode = "per_kind"
	// PerUnit: one register per issuing unit.
	PerUnit Mode = "per_unit"
)

var modes = []Mode{Shared, PerKind, PerUnit}

// Direction tells incoming from outgoing documents.
type Direction string

// The directions.
const (
	Incoming Direction = "incoming" // received: numbered with số đến
	Outgoing Direction = "outgoing" // issued: numbered with số, ký hiệu
)

// Register ids. The per-kind, per-unit and legal-normative registers add the
// kind or unit after a slash, e.g. "outgoing/kind/QUYET_DINH".
const (
	IncomingRegister       = "incoming"
	IncomingSecretRegister = "incoming/secret"
	OutgoingRegister       = "outgoing"
	OutgoingSecretRegister = "outgoing/secret"
	OutgoingCopyRegister   = "outgoing/copy"
)

// copyKinds are the kinds of copy (bản sao y, trích sao, sao lục), which ND30
// numbers in a series of their own.
var copyKinds = []string{"SAO_Y", "TRICH_SAO", "SAO_LUC"}

// Document is what decides a document's series.
type Document struct {
	Agency    string
	Direction Direction
	// Kind and Unit are compared exactly, as codes: pass them in NFC.
	Kind string // kind enum, e.g. QUYET_DINH
	Unit string // issuing unit's code, for agencies numbering per unit
	// Confidential is set for MẬT, TỐI MẬT and TUYỆT MẬT documents.
	Confidential bool
	// Copy is set for copies; the copy kinds set it by themselves.
	Copy bool
	// Legal is set for legal normative documents, numbered per kind.
	Legal bool
}

// Config is how each agency's registers are split. The zero Config numbers
// every agency in one shared register.
//
// Whatever the mode, some series are always separate (ND30 Art. 15): secret
// documents, copies and each legal normative kind. Incoming documents have
// one continuous series per agency and year (plus one for secret ones).
//
// It is read from a registers file, for example:
//
//	version: "2026-01"
//	mode: shared              # for agencies not listed below
//	agencies:
//	  "000.00.00.G22":
//	    mode: per_kind
//	  "H49.64.33":
//	    mode: per_unit
type Config struct {
	Version  string            `json:"version,omitempty" yaml:"version,omitempty"`
	Mode     Mode              `json:"mode,omitempty" yaml:"mode,omitempty"`
	Agencies map[string]Agency `json:"agencies,omitempty" yaml:"agencies,omitempty"`
}

// Agency is one agency's choice of registers.
type Agency struct {
	// Mode overrides the file's mode; empty keeps it.
	Mode Mode `json:"mode,omitempty" yaml:"mode,omitempty"`
}

// DefaultConfig is the configuration without a registers file: every agency
// has one shared register.
func DefaultConfig() Config { return Config{Mode: Shared} }

// ParseConfig reads a registers file with unmarshal: yaml.Unmarshal for the
// YAML files operators write (json.Unmarshal reads the JSON form). Taking
// the decoder keeps the clerical rules free of a YAML library. A key the
// file format does not know is refused, so a misspelt setting is not
// silently ignored.
func ParseConfig(data []byte, unmarshal func([]byte, any) error) (Config, error) {
	const op = "counter.ParseConfig"
	var raw map[string]any
	if err := unmarshal(data, &raw); err != nil {
		return Config{}, fmt.Errorf("%s: the registers file is not readable: %w", op, err)
	}
	if err := unknownKeys(raw); err != nil {
		return Config{}, fmt.Errorf("%s: %w", op, err)
	}
	var c Config
	if err := unmarshal(data, &c); err != nil {
		return Config{}, fmt.Errorf("%s: the registers file is not readable: %w", op, err)
	}
	if err := c.Validate(); err != nil {
		return Config{}, fmt.Errorf("%s: %w", op, err)
	}
	return c, nil
}

func unknownKeys(raw map[string]any) error {
	var problems []error
	for _, k := range slices.Sorted(maps.Keys(raw)) {
		if !slices.Contains([]string{"version", "mode", "agencies"}, k) {
			problems = append(problems, fmt.Errorf("unknown setting %q: use version, mode or agencies", k))
		}
	}
	agencies, _ := raw["agencies"].(map[string]any)
	for _, id := range slices.Sorted(maps.Keys(agencies)) {
		settings, ok := agencies[id].(map[string]any)
		if !ok {
			if agencies[id] != nil {
				problems = append(problems, fmt.Errorf("agency %s: give its settings as a mapping, e.g. mode: per_kind", id))
			}
			continue
		}
		for _, k := range slices.Sorted(maps.Keys(settings)) {
			if k != "mode" {
				problems = append(problems, fmt.Errorf("agency %s: unknown setting %q: use mode", id, k))
			}
		}
	}
	return errors.Join(problems...)
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	var problems []error
	if why := checkMode(c.Mode); why != "" {
		problems = append(problems, fmt.Errorf("mode: %s", why))
	}
	for _, id := range slices.Sorted(maps.Keys(c.Agencies)) {
		if e := (*ids.Error)(nil); errors.As(ids.CheckAgency(id), &e) {
			problems = append(problems, fmt.Errorf("agency %q: %s", id, e.Reason))
		}
		if why := checkMode(c.Agencies[id].Mode); why != "" {
			problems = append(problems, fmt.Errorf("agency %s: mode: %s", id, why))
		}
	}
	return errors.Join(problems...)
}

func checkMode(m Mode) string {
	if m == "" || slices.Contains(modes, m) {
		return ""
	}
	return fmt.Sprintf("unknown mode %q: use shared, per_kind or per_unit", m)
}

// ModeOf is the mode of an agency's outgoing registers.
func (c Config) ModeOf(agency string) Mode {
	if a, ok := c.Agencies[agency]; ok && a.Mode != "" {
		return a.Mode
	}
	if c.Mode != "" {
		return c.Mode
	}
	return Shared
}

// SeriesFor is the series that numbers d when it is numbered at the given
// instant. A document whose direction is neither Incoming nor Outgoing gets
// a series without a register, which Store refuses.
func (c Config) SeriesFor(d Document, at time.Time) Series {
	return Series{Agency: d.Agency, Register: c.register(d), Year: vntime.Year(at)}
}

func (c Config) register(d Document) string {
	switch d.Direction {
	case Incoming:
		// Số đến is one continuous series, whatever the agency's outgoing
		// registers (DOMAIN.md §2); only secret documents leave it.
		if d.Confidential {
			return IncomingSecretRegister
		}
		return IncomingRegister
	case Outgoing:
		// A secret copy or a secret legal document is numbered among the
		// secret documents: their register is the one kept apart.
		switch {
		case d.Confidential:
			return OutgoingSecretRegister
		case d.Copy || slices.Contains(copyKinds, d.Kind):
			return OutgoingCopyRegister
		case d.Legal && d.Kind != "":
			return OutgoingRegister + "/legal/" + d.Kind
		case d.Legal:
			return OutgoingRegister + "/legal"
		}
		switch c.ModeOf(d.Agency) {
		case PerKind:
			if d.Kind != "" {
				return OutgoingRegister + "/kind/" + d.Kind
			}
		case PerUnit:
			// A document issued in the agency's own name, not a unit's, is
			// numbered in the agency's register.
			if unit := strings.TrimSpace(d.Unit); unit != "" {
				return OutgoingRegister + "/unit/" + unit
			}
		}
		return OutgoingRegister
	}
	return ""
}
