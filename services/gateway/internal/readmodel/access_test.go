package readmodel_test

import (
	"testing"

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
