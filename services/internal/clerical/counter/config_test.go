package counter_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/docflow/docflow/services/internal/clerical/counter"
)

func TestSeriesFor(t *testing.T) {
	t.Parallel()
	cfg := counter.Config{Mode: counter.Shared, Agencies: map[string]counter.Agency{
		"000.00.00.G22": {Mode: counter.PerKind},
		"H49.64.33":     {Mode: counter.PerUnit},
		"000.00.00.G09": {}, // listed without a mode: the file's mode
	}}
	const (
		g22 = "000.00.00.G22"
		h49 = "H49.64.33"
		g12 = "000.00.00.G12" // not listed
	)
	at := time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC)
	in := func(agency string) counter.Document {
		return counter.Document{Agency: agency, Direction: counter.Incoming, Kind: "QUYET_DINH", Unit: "VP"}
	}
	out := func(agency, kind, unit string) counter.Document {
		return counter.Document{Agency: agency, Direction: counter.Outgoing, Kind: kind, Unit: unit}
	}
	with := func(d counter.Document, change func(*counter.Document)) counter.Document {
		change(&d)
		return d
	}
	tests := []struct {
		name     string
		doc      counter.Document
		register string
	}{
		{"incoming is one series whatever the mode", in(g22), "incoming"},
		{"incoming of a per-unit agency", in(h49), "incoming"},
		{"incoming secret", with(in(g12), func(d *counter.Document) { d.Confidential = true }), "incoming/secret"},
		{"shared by default", out(g12, "QUYET_DINH", "VP"), "outgoing"},
		{"listed without a mode keeps the file's", out("000.00.00.G09", "QUYET_DINH", ""), "outgoing"},
		{"per kind", out(g22, "QUYET_DINH", "VP"), "outgoing/kind/QUYET_DINH"},
		{"per kind, công văn", out(g22, "CONG_VAN", "VP"), "outgoing/kind/CONG_VAN"},
		{"per kind without a kind", out(g22, "", "VP"), "outgoing"},
		{"per unit", out(h49, "CONG_VAN", "VP"), "outgoing/unit/VP"},
		{"per unit, units kept apart exactly", out(h49, "CONG_VAN", "TCCB"), "outgoing/unit/TCCB"},
		{"per unit, issued by the agency itself", out(h49, "CONG_VAN", " "), "outgoing"},
		{"secret, whatever the mode", with(out(g22, "QUYET_DINH", ""), func(d *counter.Document) { d.Confidential = true }), "outgoing/secret"},
		{"secret copy stays with the secret ones", with(out(h49, "SAO_Y", "VP"), func(d *counter.Document) { d.Confidential = true }), "outgoing/secret"},
		{"copy kinds: sao y", out(g22, "SAO_Y", ""), "outgoing/copy"},
		{"copy kinds: trích sao", out(h49, "TRICH_SAO", "VP"), "outgoing/copy"},
		{"copy kinds: sao lục", out(g12, "SAO_LUC", ""), "outgoing/copy"},
		{"marked as a copy", with(out(g12, "QUYET_DINH", ""), func(d *counter.Document) { d.Copy = true }), "outgoing/copy"},
		{"legal normative, per kind", with(out(g12, "QUYET_DINH", ""), func(d *counter.Document) { d.Legal = true }), "outgoing/legal/QUYET_DINH"},
		{"legal normative of another kind", with(out(g22, "NGHI_QUYET", "VP"), func(d *counter.Document) { d.Legal = true }), "outgoing/legal/NGHI_QUYET"},
		{"no direction", counter.Document{Agency: g22}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := cfg.SeriesFor(tt.doc, at)
			want := counter.Series{Agency: tt.doc.Agency, Register: tt.register, Year: 2026}
			if s != want {
				t.Errorf("SeriesFor(%+v) = %+v, want %+v", tt.doc, s, want)
			}
		})
	}
}

func TestParseConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		file   string
		modeOf map[string]counter.Mode // agency → mode, when accepted
		errs   []string                // fragments of the error, when refused
	}{
		{
			name:   "empty file is the default",
			file:   `{}`,
			modeOf: map[string]counter.Mode{"000.00.00.G22": counter.Shared},
		},
		{
			name: "per agency",
			file: `{"version": "2026-01", "mode": "shared", "agencies": {
				"000.00.00.G22": {"mode": "per_kind"}, "H49.64.33": {"mode": "per_unit"}, "G09": {}}}`,
			modeOf: map[string]counter.Mode{
				"000.00.00.G22": counter.PerKind, "H49.64.33": counter.PerUnit, "G09": counter.Shared, "G12": counter.Shared,
			},
		},
		{
			name:   "the file's mode for agencies not listed",
			file:   `{"mode": "per_unit", "agencies": {"G22": {"mode": "shared"}}}`,
			modeOf: map[string]counter.Mode{"G22": counter.Shared, "G12": counter.PerUnit},
		},
		{
			name: "every problem at once",
			file: `{"mode": "per-kind", "agencies": {"g22": {"mode": "per_kind"}, "H49": {"mode": "per_unti"}}}`,
			errs: []string{`mode: unknown mode "per-kind"`, `agency "g22": not an agency identifier`, `agency H49: mode: unknown mode "per_unti"`},
		},
		{
			name: "misspelt settings",
			file: `{"mdoe": "shared", "agencies": {"G22": {"mode": "shared", "unit": "VP"}}}`,
			errs: []string{`unknown setting "mdoe"`, `agency G22: unknown setting "unit"`},
		},
		{
			name: "agency settings not a mapping",
			file: `{"agencies": {"G22": "per_kind"}}`,
			errs: []string{"agency G22: give its settings as a mapping"},
		},
		{
			name: "not a registers file",
			file: `mode: shared`,
			errs: []string{"the registers file is not readable"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := counter.ParseConfig([]byte(tt.file), json.Unmarshal)
			if tt.errs != nil {
				if err == nil {
					t.Fatalf("accepted: %+v", cfg)
				}
				for _, frag := range tt.errs {
					if !strings.Contains(err.Error(), frag) {
						t.Errorf("error %q does not say %q", err, frag)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for agency, want := range tt.modeOf {
				if got := cfg.ModeOf(agency); got != want {
					t.Errorf("ModeOf(%s) = %s, want %s", agency, got, want)
				}
			}
		})
	}
}

func TestDefaultConfig(t *testing.T) {
	t.Parallel()
	for _, cfg := range []counter.Config{counter.DefaultConfig(), {}} {
		if err := cfg.Validate(); err != nil {
			t.Errorf("%+v: %v", cfg, err)
		}
		if m := cfg.ModeOf("000.00.00.G22"); m != counter.Shared {
			t.Errorf("%+v: mode %s, want shared", cfg, m)
		}
	}
}
