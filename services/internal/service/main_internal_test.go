package service

import (
	"errors"
	"strings"
	"testing"
)

func TestExitStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		err    error
		status int
		says   string
	}{
		{"success", nil, 0, ""},
		{"failure", errors.New("archive: nats: no servers available"), 1, "archive: nats: no servers available\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stderr strings.Builder
			if got := exitStatus(&stderr, tt.err); got != tt.status {
				t.Errorf("exit status %d, want %d", got, tt.status)
			}
			if stderr.String() != tt.says {
				t.Errorf("stderr %q, want %q", stderr.String(), tt.says)
			}
		})
	}
}
