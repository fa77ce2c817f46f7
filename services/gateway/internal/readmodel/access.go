package readmodel

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/docflow/docflow/services/gateway/internal/auth"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/sqlstore"
)

// Who may read a document (need-to-know, DOMAIN.md §3) is decided here and
// nowhere else: every read of one document and every list is filtered by
// the same SQL condition, so a page holds as many readable documents as
// asked for and a single read agrees with the lists.
//
// A document is readable by the people named on it: its drafter (who
// uploaded it), everyone who holds or held a task on it, the people it was
// delivered to (a read item in their inbox is a task of theirs too,
// dispatch.go; a secret document delivered to a unit stays inside the
// agency), and the substitutes of those tasks while their substitution is
// in force. Beyond
// them, a role reads the agency's documents that are not secret: clerks and
// leaders all of them, records officers the archived ones, officials none.
// A secret document (MẬT and above) is readable by those the role rule
// admits only if the agency cleared them for its level; nobody is cleared
// by their role alone.

// Reader is the person a read is for.
type Reader struct {
	Username, Role, Agency string
	// Clearance is the highest secret level the agency cleared the person
	// for (MAT, TOI_MAT, TUYET_MAT); empty when none.
	Clearance string
	// Now decides which substitutions are in force.
	Now time.Time
}

// ErrNeedToKnow is the cause of the NotFound a reader gets for a document
// that exists but is not theirs to read; the caller is told only that it
// is not found, the audit trail that it was refused.
var ErrNeedToKnow = errors.New("the document exists but the reader has no need to know it")

// levels are the confidentiality marks from the least secret.
var levels = []string{"NONE", "MAT", "TOI_MAT", "TUYET_MAT"}

// cleared is the marks r may read through their role: those that are not
// secret, and the secret ones up to r's clearance. A document without a
// mark (intake refuses one, so only a faulty event makes it) is read as the
// most secret: a mistake must not open a document to the whole agency.
func (r Reader) cleared() []string {
	i := max(slices.Index(levels, r.Clearance), 0)
	marks := slices.Clone(levels[:i+1])
	if i == len(levels)-1 {
		marks = append(marks, "")
	}
	return marks
}

// byRole is the condition under which r's role reads a document of the
// agency (alias d) without being named on it; empty when it never does.
func (r Reader) byRole() string {
	switch {
	case r.seesAll():
		return "1 = 1"
	case r.Role == auth.RoleRecordsOfficer:
		return "d.status = '" + StatusArchived + "'"
	}
	return ""
}

// readable is the SQL condition that r may read the document aliased d of
// r's agency; arg binds a value and returns its placeholder.
func (r Reader) readable(arg func(any) string) string {
	user, now := arg(r.Username), arg(sqlstore.Time(r.Now))
	named := []string{
		"d.drafter = " + user,
		"EXISTS (SELECT 1 FROM tasks nt WHERE nt.document_id = d.id AND nt.assignee = " + user + ")",
		"EXISTS (SELECT 1 FROM tasks nt JOIN task_substitutes ns ON ns.task_id = nt.id WHERE nt.document_id = d.id AND ns.username = " +
			user + " AND ns.valid_from <= " + now + " AND ns.valid_until > " + now + ")",
	}
	if role := r.byRole(); role != "" {
		marks := make([]string, 0, len(levels))
		for _, l := range r.cleared() {
			marks = append(marks, arg(l))
		}
		named = append(named, "("+role+" AND d.confidentiality IN ("+strings.Join(marks, ", ")+"))")
	}
	return "(" + strings.Join(named, " OR ") + ")"
}

// seesAll reports whether r's role reads every document of the agency that
// is not secret, so that a list of them is best read in its own order.
func (r Reader) seesAll() bool { return r.Role == auth.RoleClerk || r.Role == auth.RoleLeader }

// candidates is a subquery of the ids of the agency's documents r might
// read, each branch served by an index: those r drafted, holds or held a
// task on, or stands in for a task holder on, and those r's role reads.
// A list for someone who reads few documents of many draws from it
// instead of testing the readable condition on every document in order;
// the condition still decides. agency is the placeholder of r's agency.
func (r Reader) candidates(agency string, arg func(any) string) string {
	user, now := arg(r.Username), arg(sqlstore.Time(r.Now))
	branches := []string{
		"SELECT cd.id FROM documents cd WHERE cd.agency = " + agency + " AND cd.drafter = " + user,
		"SELECT ct.document_id FROM tasks ct WHERE ct.assignee = " + user,
		"SELECT ct.document_id FROM task_substitutes cs JOIN tasks ct ON ct.id = cs.task_id WHERE cs.username = " + user +
			" AND cs.valid_until > " + now + " AND cs.valid_from <= " + now,
	}
	if r.Role == auth.RoleRecordsOfficer {
		branches = append(branches, "SELECT cd.id FROM documents cd WHERE cd.agency = "+agency+" AND cd.status = '"+StatusArchived+"'")
	}
	return strings.Join(branches, " UNION ")
}

// binder collects the arguments of a query after those already in args.
func binder(args *[]any) func(any) string {
	return func(v any) string {
		*args = append(*args, v)
		return "$" + strconv.Itoa(len(*args))
	}
}

// Readable says which of ids, documents of r's agency, r may read.
func (s *Store) Readable(ctx context.Context, r Reader, ids []string) (map[string]bool, error) {
	const op = "readmodel.Readable"
	out := make(map[string]bool, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args := []any{r.Agency}
	arg := binder(&args)
	marks := make([]string, len(ids))
	for i, id := range ids {
		marks[i] = arg(id)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT d.id FROM documents d WHERE d.agency = $1 AND d.id IN (`+strings.Join(marks, ", ")+`) AND `+r.readable(arg), args...)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	found, err := collect(rows, func(row scanner) (string, error) {
		var id string
		return id, row.Scan(&id)
	})
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	for _, id := range found {
		out[id] = true
	}
	return out, nil
}
