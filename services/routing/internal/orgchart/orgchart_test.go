package orgchart_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/docflow/docflow/services/routing/internal/orgchart"
	"github.com/docflow/docflow/services/routing/internal/routingtest"
)

var devChart = routingtest.Dev(filepath.Join("agencies", routingtest.DevAgency, "orgchart.yaml"))

func TestDevChart(t *testing.T) {
	t.Parallel()
	c, err := orgchart.Load(devChart)
	if err != nil {
		t.Fatal(err)
	}
	if h, err := c.Holder("chuyen-vien-tong-hop"); err != nil || h != "chuyenvien1" {
		t.Fatalf("holder of the specialist post: %q, %v", h, err)
	}
	sup, ok := c.Supervisor("chuyen-vien-tong-hop")
	if !ok || sup.ID != "truong-phong-tong-hop" || sup.Title != "Trưởng phòng" {
		t.Fatalf("supervisor of the specialist: %+v, %v", sup, ok)
	}
	if _, ok := c.Supervisor("chanh-van-phong"); ok {
		t.Fatal("the head of the office answers to nobody in the chart")
	}
	var ids []string
	for _, p := range c.PositionsOf("lanhdao") {
		ids = append(ids, p.ID)
	}
	if !slices.Equal(ids, []string{"chanh-van-phong", "chanh-van-phong-hc"}) {
		t.Fatalf("lanhdao holds %v", ids)
	}
	if _, err := c.Holder("nobody"); err == nil {
		t.Fatal("an unknown position has a holder")
	}
}

// Each development agency's chart lists exactly its development logins: a
// holder who cannot sign in could never act on a task, and a login of one
// agency on another's chart would see that agency's work.
func TestDevChartPeopleCanSignIn(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(routingtest.Dev("users.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var users struct {
		Users []struct {
			Username string `yaml:"username"`
			Agency   string `yaml:"agency"`
		} `yaml:"users"`
	}
	if err := yaml.Unmarshal(raw, &users); err != nil {
		t.Fatal(err)
	}
	logins := map[string][]string{}
	for _, u := range users.Users {
		logins[u.Agency] = append(logins[u.Agency], u.Username)
	}
	dirs, err := os.ReadDir(routingtest.Dev("agencies"))
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) < 2 {
		t.Fatalf("deploy/dev/agencies holds %d agencies; the development installation hosts two", len(dirs))
	}
	for _, d := range dirs {
		c, err := orgchart.Load(routingtest.Dev(filepath.Join("agencies", d.Name(), "orgchart.yaml")))
		if err != nil {
			t.Fatal(err)
		}
		want := slices.Sorted(slices.Values(logins[c.Agency]))
		people := slices.Sorted(slices.Values(c.People))
		if c.Agency != d.Name() || !slices.Equal(people, want) {
			t.Errorf("%s: org chart of %s has people %v, development logins of that agency %v", d.Name(), c.Agency, people, want)
		}
	}
}

func TestParseRefusesBrokenCharts(t *testing.T) {
	t.Parallel()
	const head = "agency: A\npeople: [a, b]\nunits:\n  - {id: u, name: U, head: p1}\n"
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown unit", head + "positions:\n  - {id: p1, title: T, unit: u, holder: a}\n  - {id: p2, title: T, unit: x, holder: b}\n", `position "p2": unknown unit "x"`},
		{"unknown holder", head + "positions:\n  - {id: p1, title: T, unit: u, holder: zed}\n", `holder "zed" is not one of the agency's people`},
		{"supervisor cycle", head + "positions:\n  - {id: p1, title: T, unit: u, holder: a, supervisor: p2}\n  - {id: p2, title: T, unit: u, holder: b, supervisor: p1}\n", "supervisors loop back"},
		{"self supervisor", head + "positions:\n  - {id: p1, title: T, unit: u, holder: a, supervisor: p1}\n", "supervisors loop back"},
		{"unknown supervisor", head + "positions:\n  - {id: p1, title: T, unit: u, holder: a, supervisor: boss}\n", `unknown supervisor position "boss"`},
		{"head elsewhere", "agency: A\npeople: [a]\nunits:\n  - {id: u, name: U, head: p1}\n  - {id: v, name: V, head: p1}\npositions:\n  - {id: p1, title: T, unit: u, holder: a}\n", `head "p1" belongs to unit "u"`},
		{"typo in a field", head + "positions:\n  - {id: p1, title: T, unit: u, holder: a, supervsor: p1}\n", "supervsor"},
		{"lower-case abbreviation", "agency: A\npeople: [a]\nunits:\n  - {id: u, name: U, head: p1, abbreviation: th}\npositions:\n  - {id: p1, title: T, unit: u, holder: a}\n", `unit "u": abbreviation "th" must be`},
		{"abbreviation with a dot", "agency: A\npeople: [a]\nunits:\n  - {id: u, name: U, head: p1, abbreviation: T.H}\npositions:\n  - {id: p1, title: T, unit: u, holder: a}\n", `abbreviation "T.H"`},
		{"abbreviation with a space", "agency: A\npeople: [a]\nunits:\n  - {id: u, name: U, head: p1, abbreviation: \"T H\"}\npositions:\n  - {id: p1, title: T, unit: u, holder: a}\n", `abbreviation "T H"`},
		{"abbreviation too long", "agency: A\npeople: [a]\nunits:\n  - {id: u, name: U, head: p1, abbreviation: ABCDEFGHIJK}\npositions:\n  - {id: p1, title: T, unit: u, holder: a}\n", `abbreviation "ABCDEFGHIJK"`},
		{"abbreviation with a lower-case đ", "agency: A\npeople: [a]\nunits:\n  - {id: u, name: U, head: p1, abbreviation: TTđT}\npositions:\n  - {id: p1, title: T, unit: u, holder: a}\n", `abbreviation "TTđT"`},
		{"unknown parent", "agency: A\npeople: [a]\nunits:\n  - {id: u, name: U, head: p1, parent: nope}\npositions:\n  - {id: p1, title: T, unit: u, holder: a}\n", `unknown parent unit "nope"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := orgchart.Parse([]byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
}

// A unit's abbreviation is printed in the symbol as written: upper-case
// letters and digits, with Đ counted as one letter.
func TestAbbreviations(t *testing.T) {
	t.Parallel()
	c, err := orgchart.Load(devChart)
	if err != nil {
		t.Fatal(err)
	}
	for unit, want := range map[string]string{"van-phong": "VP", "tong-hop": "TH", "hanh-chinh": "HC"} {
		if u, err := c.Unit(unit); err != nil || u.Abbreviation != want {
			t.Errorf("unit %s: abbreviation %q, %v; want %q", unit, u.Abbreviation, err, want)
		}
	}
	for _, a := range []string{"", "TTĐT", "ĐĐĐĐĐĐĐĐĐĐ", "VP2", "X"} {
		raw := "agency: A\npeople: [a]\nunits:\n  - {id: u, name: U, head: p1, abbreviation: \"" + a + "\"}\npositions:\n  - {id: p1, title: T, unit: u, holder: a}\n"
		if _, err := orgchart.Parse([]byte(raw)); err != nil {
			t.Errorf("abbreviation %q: %v", a, err)
		}
	}
}
