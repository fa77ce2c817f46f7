package incoming

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/docflow/docflow/workflows"
	"github.com/docflow/docflow/workflows/internal/kit"
)

// The rules of what the handling is given: the start input routing hands
// it, and a leader's assignment, each checked whole so every problem is
// reported at once.

// validate lists every problem of the start input at once.
func (in Input) validate() error {
	problems := kit.DocumentProblems(in.Document)
	if in.ArrivalNumber < 1 {
		problems = append(problems, errors.New("arrival_number is required: a document without an incoming number cannot be assigned"))
	}
	if len(in.Leaders) == 0 {
		problems = append(problems, errors.New("leaders are required: the document is presented to them for assignment"))
	}
	everyoneOnce(in.leaderNames(), nil,
		func(i int) {
			problems = append(problems, fmt.Errorf("leader %d (position %q) is not held by anyone", i+1, in.Leaders[i].Position))
		},
		func(u string) { problems = append(problems, fmt.Errorf("leader %s is listed twice", u)) })
	if in.AssignWorkingDays < 1 {
		problems = append(problems, fmt.Errorf("assign_working_days must be 1 or more, got %d", in.AssignWorkingDays))
	}
	return errors.Join(problems...)
}

// check refuses an assignment that cannot be carried out as given at now:
// a lead without unit or person, a cooperator without a person or named
// twice, a deadline missing, given twice over or already passed.
func (a Assignment) check(now time.Time) error {
	var problems []string
	if strings.TrimSpace(a.Lead.Unit) == "" {
		problems = append(problems, "the lead unit is required")
	}
	if a.Lead.Username == "" {
		problems = append(problems, "the lead person's username is required")
	}
	everyoneOnce(usernames(a.Cooperators), []string{a.Lead.Username},
		func(i int) {
			problems = append(problems, fmt.Sprintf("cooperator %d (unit %q) needs the username of the person who contributes", i+1, a.Cooperators[i].Unit))
		},
		func(u string) { problems = append(problems, fmt.Sprintf("%s is named twice (lead or cooperator)", u)) })
	switch {
	case a.DeadlineWorkingDays > 0 && !a.Deadline.IsZero():
		problems = append(problems, "give the deadline either in working days or as a date, not both")
	case a.DeadlineWorkingDays < 0:
		problems = append(problems, fmt.Sprintf("deadline_working_days must be 1 or more, got %d", a.DeadlineWorkingDays))
	case a.DeadlineWorkingDays == 0 && a.Deadline.IsZero():
		problems = append(problems, "a handling deadline is required: working days or a date")
	case !a.Deadline.IsZero() && !a.Deadline.After(now):
		problems = append(problems, fmt.Sprintf("the deadline %s has already passed", a.Deadline.Format(time.RFC3339)))
	}
	if len(problems) > 0 {
		return kit.Refuse(workflows.ErrInvalidDecision, "assignment refused: %s", strings.Join(problems, "; "))
	}
	return nil
}

// everyoneOnce goes through the usernames of the people named for a part of
// the handling, in order, after those named before them: it calls nobody(i)
// for the i-th (from 0) without a username, and twice(u) for one named
// already.
func everyoneOnce(names, before []string, nobody func(i int), twice func(u string)) {
	seen := slices.Clone(before)
	for i, u := range names {
		switch {
		case u == "":
			nobody(i)
		case slices.Contains(seen, u):
			twice(u)
		}
		seen = append(seen, u)
	}
}

// leaderNames are the usernames of the leaders the document is presented to.
func (in Input) leaderNames() []string {
	names := make([]string, len(in.Leaders))
	for i, l := range in.Leaders {
		names[i] = l.Username
	}
	return names
}

// usernames are the handlers' usernames; nil when there are none.
func usernames(hs []Handler) []string {
	var names []string
	for _, h := range hs {
		names = append(names, h.Username)
	}
	return names
}

// people lists usernames for messages.
func people(names []string) string { return strings.Join(names, ", ") }
