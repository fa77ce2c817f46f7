// Package config loads a service's configuration from DOCFLOW_* environment
// variables into a struct. Fields carry their key and default in tags:
//
//	Addr string `env:"DOCFLOW_GATEWAY_ADDR" default:"127.0.0.1:8080"`
//
// Nested and embedded structs are walked, so shared parts (NATS, object
// storage, logging) are declared once and reused. A setting that must not
// be empty says so, and what to set it to, in a third tag, which Missing
// reads:
//
//	DB string `env:"DOCFLOW_ARCHIVE_DB" default:"sqlite:var/archive.db" required:"sqlite:<file> or a postgres:// address"`
package config

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Load fills dst, a pointer to a struct, from getenv. An unset or empty
// variable takes the field's default. Every malformed value is reported, all
// at once.
func Load(getenv func(string) string, dst any) error {
	v := reflect.ValueOf(dst)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("config.Load: want a pointer to a struct, got %T", dst)
	}
	var problems []error
	walk(v.Elem(), func(f reflect.Value, key, def string) {
		raw := getenv(key)
		if raw == "" {
			raw = def
		}
		if err := set(f, raw); err != nil {
			problems = append(problems, fmt.Errorf("%s=%q: %w", key, raw, err))
		}
	})
	return errors.Join(problems...)
}

// Validator is a configuration that checks itself, reporting every problem.
type Validator interface {
	Validate() error
}

// LoadValid loads a configuration of type T and validates it; the malformed
// values and the invalid settings are reported together, so an operator
// fixes them in one go.
func LoadValid[T any, PT interface {
	*T
	Validator
}](service string, getenv func(string) string) (T, error) {
	var cfg T
	err := Load(getenv, &cfg)
	if err == nil {
		err = PT(&cfg).Validate()
	}
	if err != nil {
		var zero T
		return zero, fmt.Errorf("%s: configuration: %w", service, err)
	}
	return cfg, nil
}

// Missing reports every setting of cfg (a struct or a pointer to one)
// tagged required that is empty, each naming its key and what the tag says
// to set it to. A configuration's Validate starts with it. Nested structs
// that are Validators are left to their own Validate, which the enclosing
// one calls, so that no empty setting is reported twice.
func Missing(cfg any) []error {
	var problems []error
	validates := func(t reflect.Type) bool {
		v := reflect.TypeFor[Validator]()
		return t.Implements(v) || reflect.PointerTo(t).Implements(v)
	}
	walkTags(reflect.Indirect(reflect.ValueOf(cfg)), validates, func(f reflect.Value, sf reflect.StructField) {
		hint, required := sf.Tag.Lookup("required")
		if !required || !f.IsZero() {
			return
		}
		key := sf.Tag.Get("env")
		if hint == "" {
			problems = append(problems, fmt.Errorf("%s is empty", key))
		} else {
			problems = append(problems, fmt.Errorf("%s is empty: set it to %s", key, hint))
		}
	})
	return problems
}

// Keys lists the environment keys of dst's fields, in declaration order.
func Keys(dst any) []string {
	var keys []string
	v := reflect.ValueOf(dst)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	walk(v, func(_ reflect.Value, key, _ string) { keys = append(keys, key) })
	return keys
}

// Duplicates reports keys used by more than one field of dst; a test of each
// service asserts there are none, so two settings never share a variable.
func Duplicates(dst any) []string {
	seen := map[string]int{}
	var dup []string
	for _, k := range Keys(dst) {
		seen[k]++
		if seen[k] == 2 {
			dup = append(dup, k)
		}
	}
	return dup
}

// Field describes one setting, for documentation.
type Field struct {
	Key, Default, Type string
}

// Fields lists every setting of dst with its default.
func Fields(dst any) []Field {
	var out []Field
	v := reflect.ValueOf(dst)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	walk(v, func(f reflect.Value, key, def string) {
		out = append(out, Field{Key: key, Default: def, Type: f.Type().String()})
	})
	return out
}

func walk(v reflect.Value, visit func(f reflect.Value, key, def string)) {
	walkTags(v, func(reflect.Type) bool { return false }, func(f reflect.Value, sf reflect.StructField) {
		visit(f, sf.Tag.Get("env"), sf.Tag.Get("default"))
	})
}

// walkTags visits every setting of the struct v: each field with an env
// tag, in nested and embedded structs too, except in those whose type skip
// reports.
func walkTags(v reflect.Value, skip func(reflect.Type) bool, visit func(f reflect.Value, sf reflect.StructField)) {
	t := v.Type()
	for i := range t.NumField() {
		sf := t.Field(i)
		f := v.Field(i)
		// Embedded structs share their fields even when their type is
		// unexported; other unexported fields are not settings.
		if !sf.IsExported() && !sf.Anonymous {
			continue
		}
		if _, ok := sf.Tag.Lookup("env"); !ok {
			if f.Kind() == reflect.Struct && f.Type() != reflect.TypeFor[time.Time]() && !skip(f.Type()) {
				walkTags(f, skip, visit)
			}
			continue
		}
		visit(f, sf)
	}
}

func set(f reflect.Value, raw string) error {
	if f.Type() == reflect.TypeFor[time.Duration]() {
		if raw == "" {
			f.SetInt(0)
			return nil
		}
		d, err := time.ParseDuration(raw)
		if err != nil {
			return errors.New("not a duration (examples: 30s, 5m, 2h)")
		}
		f.SetInt(int64(d))
		return nil
	}
	switch f.Kind() {
	case reflect.String:
		f.SetString(raw)
	case reflect.Bool:
		if raw == "" {
			f.SetBool(false)
			return nil
		}
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return errors.New("not a boolean (true or false)")
		}
		f.SetBool(b)
	case reflect.Int, reflect.Int64, reflect.Int32:
		if raw == "" {
			f.SetInt(0)
			return nil
		}
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return errors.New("not a whole number")
		}
		f.SetInt(n)
	case reflect.Slice:
		if f.Type().Elem().Kind() != reflect.String {
			return fmt.Errorf("unsupported list type %s", f.Type())
		}
		var items []string
		for item := range strings.SplitSeq(raw, ",") {
			if item = strings.TrimSpace(item); item != "" {
				items = append(items, item)
			}
		}
		f.Set(reflect.ValueOf(items))
	default:
		return fmt.Errorf("unsupported field type %s", f.Type())
	}
	return nil
}
