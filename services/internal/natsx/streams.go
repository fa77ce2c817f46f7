package natsx

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats.go/jetstream"

	events "github.com/docflow/docflow/api/events/v1"
)

// streamWait bounds each JetStream API request of the start-up: a request
// the server refuses for want of permission is never answered.
const streamWait = 10 * time.Second

// PrepareStreams readies the streams a service uses. A service whose user
// may manage streams (no restriction known, as in tests and single-user
// setups) creates or updates them (EnsureStreams); one whose .creds deny it
// only checks that they exist (CheckStreams): on an installation with
// least-privilege users, creating them is the provisioning step's job.
func PrepareStreams(ctx context.Context, js jetstream.JetStream, cfg Config, streams []events.Stream) error {
	manage, err := cfg.mayManageStreams(streams)
	if err != nil {
		return fmt.Errorf("natsx.PrepareStreams: %w", err)
	}
	if manage {
		return EnsureStreams(ctx, js, streams)
	}
	return CheckStreams(ctx, js, streams)
}

// EnsureStreams creates each stream, or updates it to the declaration.
func EnsureStreams(ctx context.Context, js jetstream.JetStream, streams []events.Stream) error {
	for _, s := range streams {
		rctx, cancel := context.WithTimeout(ctx, streamWait)
		_, err := js.CreateOrUpdateStream(rctx, streamConfig(s))
		cancel()
		if err != nil {
			return fmt.Errorf("natsx.EnsureStreams %s: %w", s.Name, err)
		}
	}
	return nil
}

// CheckStreams checks that each stream exists and captures the subjects
// its declaration names. The error names the stream and how to provision
// it.
func CheckStreams(ctx context.Context, js jetstream.JetStream, streams []events.Stream) error {
	var problems []error
	for _, s := range streams {
		rctx, cancel := context.WithTimeout(ctx, streamWait)
		stream, err := js.Stream(rctx, s.Name)
		cancel()
		switch {
		case errors.Is(err, jetstream.ErrStreamNotFound):
			problems = append(problems, fmt.Errorf("stream %s does not exist, and this service's NATS user may not create it: %s", s.Name, provisionHint))
		case err != nil:
			problems = append(problems, fmt.Errorf("stream %s: %w", s.Name, err))
		default:
			got := stream.CachedInfo().Config.Subjects
			if !sameSet(got, s.Subjects) {
				problems = append(problems, fmt.Errorf("stream %s captures %v, not %v as declared, and this service's NATS user may not update it: %s",
					s.Name, got, s.Subjects, provisionHint))
			}
		}
	}
	if err := errors.Join(problems...); err != nil {
		return fmt.Errorf("natsx.CheckStreams: %w", err)
	}
	return nil
}

// provisionHint says how streams come to exist on a least-privilege
// installation.
const provisionHint = "provision the streams with the installation's admin user " +
	"(`docflow dev` does it at start; elsewhere start the service once with DOCFLOW_NATS_CREDS set to the admin user's .creds file)"

func streamConfig(s events.Stream) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        s.Name,
		Description: s.Description,
		Subjects:    s.Subjects,
		Retention:   jetstream.LimitsPolicy,
		Storage:     jetstream.FileStorage,
		MaxAge:      s.MaxAge,
		Duplicates:  s.Duplicates,
		Replicas:    max(s.Replicas, 1),
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// mayManageStreams tells whether the configured user may create and update
// each stream. Only a .creds file says what its user may do; without one
// the service is taken to have every right, as it had before users were
// restricted.
func (c Config) mayManageStreams(streams []events.Stream) (bool, error) {
	if c.Creds == "" {
		return true, nil
	}
	uc, err := readCreds(c.Creds)
	if err != nil {
		return false, fmt.Errorf("DOCFLOW_NATS_CREDS: %w", err)
	}
	for _, s := range streams {
		for _, api := range []string{"$JS.API.STREAM.CREATE.", "$JS.API.STREAM.UPDATE."} {
			if !mayPublish(uc.Pub, api+s.Name) {
				return false, nil
			}
		}
	}
	return true, nil
}

// readCreds reads the user claims of a .creds file.
func readCreds(path string) (*jwt.UserClaims, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	// ParseDecoratedJWT hands back undecorated input as it is, for the
	// decoding to refuse.
	token, err := jwt.ParseDecoratedJWT(raw)
	if err == nil {
		var uc *jwt.UserClaims
		if uc, err = jwt.DecodeUserClaims(token); err == nil {
			return uc, nil
		}
	}
	return nil, fmt.Errorf("%s is not a NATS .creds file (a user JWT and its key): %w", path, err)
}

// mayPublish applies a user's publish permission to subject as the server
// does: allowed when no allow list restricts it or one entry matches, and
// no deny entry matches.
func mayPublish(p jwt.Permission, subject string) bool {
	matches := func(list jwt.StringList) bool {
		return slices.ContainsFunc(list, func(filter string) bool { return subjectMatches(filter, subject) })
	}
	return (len(p.Allow) == 0 || matches(p.Allow)) && !matches(p.Deny)
}

// subjectMatches tells whether the literal subject matches filter, with
// its * (one token) and > (the rest) wildcards.
func subjectMatches(filter, subject string) bool {
	f, s := strings.Split(filter, "."), strings.Split(subject, ".")
	for i, tok := range f {
		if tok == ">" {
			return len(s) > i
		}
		if i >= len(s) || (tok != "*" && tok != s[i]) {
			return false
		}
	}
	return len(f) == len(s)
}
