package config_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/docflow/docflow/services/internal/config"
)

type inner struct {
	URL string `env:"DOCFLOW_T_URL" default:"nats://127.0.0.1:4233"`
}

type sample struct {
	inner
	Addr    string        `env:"DOCFLOW_T_ADDR" default:"127.0.0.1:8080"`
	Max     int64         `env:"DOCFLOW_T_MAX" default:"10"`
	Debug   bool          `env:"DOCFLOW_T_DEBUG" default:"false"`
	Timeout time.Duration `env:"DOCFLOW_T_TIMEOUT" default:"5s"`
	Hosts   []string      `env:"DOCFLOW_T_HOSTS" default:"a,b"`
}

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadDefaultsAndOverrides(t *testing.T) {
	t.Parallel()
	var c sample
	if err := config.Load(env(map[string]string{"DOCFLOW_T_MAX": "42", "DOCFLOW_T_HOSTS": " x , y ,"}), &c); err != nil {
		t.Fatal(err)
	}
	want := sample{inner: inner{URL: "nats://127.0.0.1:4233"}, Addr: "127.0.0.1:8080", Max: 42, Timeout: 5 * time.Second, Hosts: []string{"x", "y"}}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("got %+v, want %+v", c, want)
	}
}

func TestLoadReportsEveryProblem(t *testing.T) {
	t.Parallel()
	var c sample
	err := config.Load(env(map[string]string{"DOCFLOW_T_MAX": "ten", "DOCFLOW_T_TIMEOUT": "soon", "DOCFLOW_T_DEBUG": "maybe"}), &c)
	if err == nil {
		t.Fatal("want an error")
	}
	for _, key := range []string{"DOCFLOW_T_MAX", "DOCFLOW_T_TIMEOUT", "DOCFLOW_T_DEBUG"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("error does not name %s: %v", key, err)
		}
	}
}

func TestDuplicates(t *testing.T) {
	t.Parallel()
	type dup struct {
		inner
		Other string `env:"DOCFLOW_T_URL"`
	}
	if got := config.Duplicates(&dup{}); !reflect.DeepEqual(got, []string{"DOCFLOW_T_URL"}) {
		t.Fatalf("Duplicates = %v", got)
	}
	if got := config.Duplicates(&sample{}); len(got) != 0 {
		t.Fatalf("Duplicates = %v, want none", got)
	}
}

// selfChecked is a part of a configuration that validates itself.
type selfChecked struct {
	URL string `env:"DOCFLOW_T_URL" default:"" required:""`
}

func (selfChecked) Validate() error { return nil }

// Missing names each empty required setting with what to set it to, looks
// into embedded structs except those that validate themselves, and leaves
// optional and filled settings alone.
func TestMissing(t *testing.T) {
	t.Parallel()
	type db struct {
		DSN string `env:"DOCFLOW_T_DB" default:"" required:"sqlite:<file> or a postgres:// address"`
	}
	type settings struct {
		db
		Server   selfChecked
		Bucket   string   `env:"DOCFLOW_T_BUCKET" default:"" required:""`
		Hosts    []string `env:"DOCFLOW_T_HOSTS" default:"" required:"a comma-separated list"`
		Addr     string   `env:"DOCFLOW_T_ADDR" default:"" required:"host:port"`
		Optional string   `env:"DOCFLOW_T_OPTIONAL" default:""`
	}
	got := config.Missing(settings{Addr: "127.0.0.1:8080"})
	var msgs []string
	for _, err := range got {
		msgs = append(msgs, err.Error())
	}
	want := []string{
		"DOCFLOW_T_DB is empty: set it to sqlite:<file> or a postgres:// address",
		"DOCFLOW_T_BUCKET is empty",
		"DOCFLOW_T_HOSTS is empty: set it to a comma-separated list",
	}
	if !reflect.DeepEqual(msgs, want) {
		t.Errorf("Missing =\n%q\nwant\n%q", msgs, want)
	}
	if got := config.Missing(&settings{db: db{DSN: "sqlite:x.db"}, Bucket: "b", Hosts: []string{"h"}, Addr: "a"}); len(got) != 0 {
		t.Errorf("Missing of a complete configuration = %v, want none", got)
	}
}
