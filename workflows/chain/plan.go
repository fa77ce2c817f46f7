package chain

import (
	"errors"
	"fmt"
	"slices"

	"go.temporal.io/sdk/workflow"

	"github.com/docflow/docflow/workflows/internal/kit"
)

// The rules of a plan: what routing may hand the workflow, and how many
// approvals complete a step.

// runnable refuses, for good, a start input this run cannot take: one that
// breaks the rules below, or a plan with an external step in a run that
// began before external steps existed (it refused such a plan, and
// replaying it must refuse it again).
func (in Input) runnable(ctx workflow.Context) error {
	if err := in.validate(); err != nil {
		return kit.Invalid(err, ErrInvalidPlan)
	}
	if in.Plan.external() && workflow.GetVersion(ctx, changeExternalSteps, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return kit.Invalid(errors.New("the plan has an external step, which this workflow run cannot take"), ErrInvalidPlan)
	}
	return nil
}

// validate lists every problem of the start input at once.
func (in Input) validate() error {
	problems := kit.DocumentProblems(in.Document)
	if in.Drafter.Username == "" {
		problems = append(problems, errors.New("drafter is required: a returned document goes back to them"))
	}
	if len(in.Plan.Steps) == 0 {
		problems = append(problems, errors.New("the plan has no steps"))
	}
	if len(in.Plan.Steps) > 0 && !slices.ContainsFunc(in.Plan.Steps, func(s Step) bool { return s.Mode != ModeExternal }) {
		problems = append(problems, errors.New("the plan has only external steps: someone of the agency must approve the document to sign it"))
	}
	for i, s := range in.Plan.Steps {
		problems = append(problems, s.validate(i))
	}
	if in.Plan.Signing != nil {
		problems = append(problems, in.Plan.Signing.validate())
	}
	return errors.Join(problems...)
}

func (s Step) validate(i int) error {
	var problems []error
	name := fmt.Sprintf("step %d (%s)", i+1, s.ID)
	if s.ID == "" {
		problems = append(problems, fmt.Errorf("step %d has no id", i+1))
	}
	for _, a := range s.Assignees {
		if a.Username == "" {
			problems = append(problems, fmt.Errorf("%s: position %q is not held by anyone", name, a.Position))
		}
	}
	n := len(s.Assignees)
	if s.Agency != "" && s.Mode != ModeExternal {
		problems = append(problems, fmt.Errorf("%s: only an external step is addressed to an agency, this one is %s", name, s.Mode))
	}
	switch s.Mode {
	case ModeSingle:
		if n != 1 {
			problems = append(problems, fmt.Errorf("%s: mode single needs exactly one assignee, has %d", name, n))
		}
	case ModeAll, ModeAny:
		if n == 0 {
			problems = append(problems, fmt.Errorf("%s: mode %s needs assignees", name, s.Mode))
		}
	case ModeNOfM:
		if s.Required < 1 || s.Required > n {
			problems = append(problems, fmt.Errorf("%s: n_of_m needs 1 ≤ required ≤ %d assignees, has required %d", name, n, s.Required))
		}
	case ModeExternal:
		if s.Agency == "" {
			problems = append(problems, fmt.Errorf("%s: an external step needs the identifier of the agency it is sent to", name))
		}
		if n > 0 {
			problems = append(problems, fmt.Errorf("%s: an external step is taken by an agency, not by assignees (has %d)", name, n))
		}
	default:
		problems = append(problems, fmt.Errorf("%s: mode %q is not one of single, all, any, n_of_m, external", name, s.Mode))
	}
	return errors.Join(problems...)
}

// external says the plan has a step another agency takes.
func (p Plan) external() bool {
	return slices.ContainsFunc(p.Steps, func(s Step) bool { return s.Mode == ModeExternal })
}

// required is how many approvals complete the step.
func required(s Step) int {
	switch s.Mode {
	case ModeAny:
		return 1
	case ModeNOfM:
		return s.Required
	}
	return len(s.Assignees)
}
