package events_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	events "github.com/docflow/docflow/api/events/v1"
)

type asyncAPI struct {
	AsyncAPI string `yaml:"asyncapi"`
	Info     struct {
		Description string `yaml:"description"`
	} `yaml:"info"`
	Channels map[string]struct {
		Address  *string                   `yaml:"address"`
		Messages map[string]map[string]any `yaml:"messages"`
	} `yaml:"channels"`
	Components struct {
		Messages map[string]struct {
			Name    string `yaml:"name"`
			Payload struct {
				AllOf []struct {
					Ref        string `yaml:"$ref"`
					Properties struct {
						Type       map[string]string `yaml:"type"`
						DataSchema map[string]string `yaml:"dataschema"`
						Data       map[string]string `yaml:"data"`
					} `yaml:"properties"`
				} `yaml:"allOf"`
			} `yaml:"payload"`
		} `yaml:"messages"`
	} `yaml:"components"`
}

func loadAsyncAPI(t *testing.T) asyncAPI {
	t.Helper()
	b, err := os.ReadFile("asyncapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc asyncAPI
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("asyncapi.yaml: %v", err)
	}
	if !strings.HasPrefix(doc.AsyncAPI, "3.0") {
		t.Fatalf("asyncapi version %q, want 3.0.x", doc.AsyncAPI)
	}
	return doc
}

// Integrators subscribe to what the document says; it must name every
// event type on the subject it is really published on, with its schema.
func TestAsyncAPIDescribesEveryEvent(t *testing.T) {
	t.Parallel()
	doc := loadAsyncAPI(t)
	for _, typ := range events.Types {
		t.Run(string(typ), func(t *testing.T) {
			t.Parallel()
			wantAddress := strings.Replace(events.EventSubject("AGENCY", typ), "AGENCY", "{agency}", 1)
			var found bool
			for name, ch := range doc.Channels {
				if ch.Address == nil || *ch.Address != wantAddress {
					continue
				}
				found = true
				msg, ok := doc.Components.Messages[name]
				if !ok {
					t.Fatalf("channel %s has no message %s in components", name, name)
				}
				if msg.Name != string(typ) {
					t.Errorf("message %s is named %q, want %q", name, msg.Name, typ)
				}
				if len(msg.Payload.AllOf) != 2 || msg.Payload.AllOf[0].Ref != "./schemas/"+events.EnvelopeSchemaName {
					t.Fatalf("message %s payload is not the envelope plus its data", name)
				}
				props := msg.Payload.AllOf[1].Properties
				if props.Type["const"] != string(typ) {
					t.Errorf("message %s: type const %q, want %q", name, props.Type["const"], typ)
				}
				if props.DataSchema["const"] != events.SchemaURI(typ) {
					t.Errorf("message %s: dataschema const %q, want %q", name, props.DataSchema["const"], events.SchemaURI(typ))
				}
				if props.Data["$ref"] != "./schemas/"+typ.SchemaName() {
					t.Errorf("message %s: data refers to %q, want ./schemas/%s", name, props.Data["$ref"], typ.SchemaName())
				}
			}
			if !found {
				t.Errorf("no channel with address %s", wantAddress)
			}
		})
	}
	for _, s := range events.Streams {
		if !strings.Contains(doc.Info.Description, "`"+s.Name+"`") {
			t.Errorf("the description does not mention the stream %s", s.Name)
		}
	}
}

func TestAsyncAPIDescribesEveryServiceEndpoint(t *testing.T) {
	t.Parallel()
	doc := loadAsyncAPI(t)
	addresses := map[string]bool{}
	for _, ch := range doc.Channels {
		if ch.Address != nil {
			addresses[*ch.Address] = true
		}
	}
	subjects := serviceSubjects(t)
	for _, s := range subjects {
		if !addresses[s] {
			t.Errorf("no channel for the endpoint %s", s)
		}
	}
	for a := range addresses {
		if strings.HasPrefix(a, events.ServicePrefix+".") && !slices.Contains(subjects, a) {
			t.Errorf("channel %s is not an endpoint declared in api/svc/v1", a)
		}
	}
}

// serviceSubjects reads the endpoint subjects declared in api/svc/v1 from
// its source, so a new endpoint without documentation is caught.
func serviceSubjects(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../../svc/v1/*.go")
	if err != nil {
		t.Fatal(err)
	}
	var subjects []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(token.NewFileSet(), name, nil, 0)
		if err != nil {
			t.Fatalf("parse %s: %v", name, err)
		}
		subjects = append(subjects, stringsWithPrefix(file, events.ServicePrefix+".")...)
	}
	if len(subjects) == 0 {
		t.Fatal("found no endpoint subjects in api/svc/v1")
	}
	return subjects
}

// stringsWithPrefix lists the string literals of file that start with prefix.
func stringsWithPrefix(file *ast.File, prefix string) []string {
	var found []string
	ast.Inspect(file, func(n ast.Node) bool {
		lit, ok := n.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return true
		}
		s, err := strconv.Unquote(lit.Value)
		if err == nil && strings.HasPrefix(s, prefix) {
			found = append(found, s)
		}
		return true
	})
	return found
}
