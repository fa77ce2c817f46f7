package directory_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docflow/docflow/services/internal/testkit"
	"github.com/docflow/docflow/services/routing/internal/directory"
	"github.com/docflow/docflow/services/routing/internal/orgchart"
	"github.com/docflow/docflow/services/routing/internal/routingtest"
	"github.com/docflow/docflow/services/routing/internal/rules"
)

func dir(t *testing.T) *directory.Directory {
	t.Helper()
	chart := routingtest.Chart(t)
	set := routingtest.Rules(t, chart)
	store := routingtest.Delegations(t, testkit.SQLite(t), chart, time.Now)
	planner := &rules.Planner{Rules: func() *rules.Set { return set }, Chart: func() *orgchart.Chart { return chart }, Substitutes: store}
	return &directory.Directory{Rules: planner.Rules, Chart: planner.Chart, Planner: planner, Delegations: store, Now: time.Now}
}

// People reading the rules see which documents each rule plans and who
// signs: the signing step is served with its default deadline filled in.
func TestRulesShowDirectionAndSigning(t *testing.T) {
	t.Parallel()
	set := dir(t).RuleSet()
	for _, r := range set.Rules {
		switch {
		case r.ID == "van-ban-den" && (r.Direction != "incoming" || r.Signing != nil):
			t.Errorf("rule %s: %+v", r.ID, r)
		case r.ID != "van-ban-den" && (r.Direction != "outgoing" || r.Signing == nil || r.Signing.Position != "chanh-van-phong" || r.Signing.DeadlineDays != 1):
			t.Errorf("rule %s: direction %q, signing %+v", r.ID, r.Direction, r.Signing)
		}
	}
	raw, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), `"signing":{"id":"ky","name":"Chánh Văn phòng ký","position":"chanh-van-phong","deadline_days":1}`) {
		t.Fatalf("served rules %s", raw)
	}
}

func TestOrgChartShowsAbbreviations(t *testing.T) {
	t.Parallel()
	chart, err := dir(t).OrgChart(t.Context(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, u := range chart.Units {
		got = append(got, u.ID+"="+u.Abbreviation)
	}
	if !slices.Equal(got, []string{"van-phong=VP", "tong-hop=TH", "hanh-chinh=HC"}) {
		t.Fatalf("units %v", got)
	}
}
