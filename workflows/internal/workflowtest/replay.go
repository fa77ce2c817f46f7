package workflowtest

import (
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/worker"

	"github.com/docflow/docflow/workflows/internal/kit"
)

// Replay replays every history recorded in testdata/*.json against the
// workflow register puts on a replayer, and fails the test when there are
// fewer than least of them or one does not replay. Histories recorded from
// real runs on the Temporal dev server stand for workflows still running in
// deployed systems: a change that breaks one must be guarded with
// workflow.GetVersion, and a new history recorded beside the old ones.
func Replay(t *testing.T, least int, register func(kit.Registrar)) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < least {
		t.Fatalf("expected at least %d recorded histories in testdata, found %v", least, files)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			r := worker.NewWorkflowReplayer()
			register(r)
			if err := r.ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
				t.Fatalf("replay %s: %v", f, err)
			}
		})
	}
}
