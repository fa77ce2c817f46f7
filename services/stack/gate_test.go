package stack

import (
	"bytes"
	"testing"
)

// After Stop the stack writes nothing more to Options.Logs: a late line
// is dropped, not written to a file its owner has closed.
func TestGatedWriterDropsWritesOnceClosed(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	g := &gatedWriter{w: &out}
	if n, err := g.Write([]byte("before\n")); n != 7 || err != nil {
		t.Fatalf("Write before close = %d, %v", n, err)
	}
	g.close()
	if n, err := g.Write([]byte("after\n")); n != 6 || err != nil {
		t.Fatalf("Write after close = %d, %v; want the line taken and dropped", n, err)
	}
	if out.String() != "before\n" {
		t.Errorf("written %q, want only the line before close", out.String())
	}
}
