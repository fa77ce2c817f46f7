package readmodel_test

import (
	"slices"
	"testing"
	"time"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/gateway/internal/auth"
	"github.com/docflow/docflow/services/gateway/internal/readmodel"
)

// A document whose registration carried no confidentiality mark is read as
// the most secret: a faulty event does not open it to the whole agency.
// (The rest of the rule is tested through the API, in the server package.)
func TestUnmarkedDocumentIsReadAsTheMostSecret(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, s *readmodel.Store) {
		applier(t, s)(event(t, events.DocumentReceived, "unmarked", at, events.DocumentReceivedData{
			DocumentID: "unmarked", Agency: agency, ArrivalNumber: 1, Kind: "CONG_VAN", Subject: "Không đánh dấu độ mật",
		}))
		for clearance, want := range map[string]bool{"": false, "MAT": false, "TOI_MAT": false, "TUYET_MAT": true} {
			r := readmodel.Reader{Username: "lanhdao", Role: auth.RoleLeader, Agency: agency, Clearance: clearance}
			readable, err := s.Readable(t.Context(), r, []string{"unmarked"})
			if err != nil {
				t.Fatal(err)
			}
			if readable["unmarked"] != want {
				t.Errorf("a leader cleared for %q reads it: %v, want %v", clearance, readable["unmarked"], want)
			}
		}
	})
}

// An official's list holds the documents they drafted and no other of the
// agency's: the list draws its candidates through the drafter's index, and
// this is the branch no task leads to.
func TestOfficialListsWhatTheyDrafted(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, s *readmodel.Store) {
		apply := applier(t, s)
		for i, drafter := range []string{"chuyenvien1", "vanthu", "chuyenvien1"} {
			doc := "d" + string(rune('1'+i))
			apply(event(t, events.DocumentReceived, doc, at.Add(time.Duration(i)*time.Minute), events.DocumentReceivedData{
				DocumentID: doc, Agency: agency, ArrivalNumber: int64(i + 1), Kind: "CONG_VAN", Subject: doc, Confidentiality: "NONE",
				By: events.Actor{Username: drafter, Role: auth.RoleOfficial, Agency: agency},
			}))
		}
		for user, want := range map[string][]string{"chuyenvien1": {"d3", "d1"}, "chuyenvien2": nil} {
			docs, _, err := s.Documents(t.Context(), readmodel.DocumentQuery{
				Reader: readmodel.Reader{Username: user, Role: auth.RoleOfficial, Agency: agency, Now: at}, PageSize: 10,
			})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range docs {
				got = append(got, d.ID)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s lists %v, want %v", user, got, want)
			}
		}
	})
}
