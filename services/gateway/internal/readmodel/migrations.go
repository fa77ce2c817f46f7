package readmodel

// migrations build the read model's tables. They are append-only: a
// database keeps the steps it applied and runs only those after them, so a
// step once released is never edited; a change is a new step at the end
// (upgrade_test.go shows a database of the first release upgraded).
var migrations = []string{
	`CREATE TABLE documents (
		id TEXT PRIMARY KEY,
		agency TEXT NOT NULL,
		kind TEXT NOT NULL,
		subject TEXT NOT NULL,
		urgency TEXT NOT NULL,
		confidentiality TEXT NOT NULL,
		arrival_number BIGINT NOT NULL,
		arrival_year INTEGER NOT NULL,
		status TEXT NOT NULL,
		bucket TEXT NOT NULL,
		object_key TEXT NOT NULL,
		sha256 TEXT NOT NULL,
		size BIGINT NOT NULL,
		waiting_for TEXT NOT NULL DEFAULT '',
		record_id TEXT NOT NULL DEFAULT '',
		created_at TEXT NOT NULL,
		updated_at TEXT NOT NULL)`,
	`CREATE TABLE document_history (
		event_id TEXT PRIMARY KEY,
		document_id TEXT NOT NULL,
		at TEXT NOT NULL,
		type TEXT NOT NULL,
		actor TEXT NOT NULL,
		summary TEXT NOT NULL)`,
	`CREATE INDEX document_history_by_document ON document_history (document_id, at)`,
	`CREATE TABLE tasks (
		id TEXT PRIMARY KEY,
		document_id TEXT NOT NULL,
		workflow_id TEXT NOT NULL,
		agency TEXT NOT NULL,
		assignee TEXT NOT NULL,
		subject TEXT NOT NULL,
		kind TEXT NOT NULL,
		urgency TEXT NOT NULL,
		assigned_at TEXT NOT NULL,
		deadline TEXT NOT NULL,
		status TEXT NOT NULL,
		decision TEXT NOT NULL DEFAULT '',
		decided_at TEXT NOT NULL DEFAULT '')`,
	`CREATE INDEX tasks_inbox ON tasks (assignee, status, deadline, id)`,
	// What the document says of itself, for the registers (DOMAIN.md §10).
	`ALTER TABLE documents ADD COLUMN issuer TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE documents ADD COLUMN issuer_id TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE documents ADD COLUMN symbol TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE documents ADD COLUMN issued_on TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE documents ADD COLUMN description TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE documents ADD COLUMN received_at TEXT NOT NULL DEFAULT ''`,
	// Documents projected before received_at existed were stamped with the
	// received event's time, which is when intake registered them.
	`UPDATE documents SET received_at = created_at WHERE received_at = ''`,
	`CREATE INDEX documents_by_arrival ON documents (agency, arrival_year, arrival_number)`,
	`CREATE INDEX tasks_by_document ON tasks (document_id, assigned_at, id)`,
	// The inbox filters by the issuing agency and sorts by urgency; both are
	// copied onto the task so that a user's page is read from one index.
	`ALTER TABLE tasks ADD COLUMN issuer_id TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE tasks ADD COLUMN urgency_order INTEGER NOT NULL DEFAULT 3`,
	`UPDATE tasks SET issuer_id = COALESCE((SELECT d.issuer_id FROM documents d WHERE d.id = tasks.document_id), '')`,
	`UPDATE tasks SET urgency_order = CASE urgency WHEN 'HOA_TOC' THEN 0 WHEN 'THUONG_KHAN' THEN 1 WHEN 'KHAN' THEN 2 ELSE 3 END`,
	// One index per inbox sort, each led by the person whose inbox it is.
	`CREATE INDEX tasks_inbox_by_deadline ON tasks (assignee, status, agency, deadline, id)`,
	`CREATE INDEX tasks_inbox_by_assignment ON tasks (assignee, status, agency, assigned_at, id)`,
	`CREATE INDEX tasks_inbox_by_urgency ON tasks (assignee, status, agency, urgency_order, deadline, id)`,
	`DROP INDEX tasks_inbox`,
	// In-app notifications, one row per event and recipient; delivered_at
	// is set once the notifier (e-mail, SMS) has taken it.
	`CREATE TABLE notifications (
		id TEXT PRIMARY KEY,
		recipient TEXT NOT NULL,
		agency TEXT NOT NULL,
		kind TEXT NOT NULL,
		task_id TEXT NOT NULL,
		document_id TEXT NOT NULL,
		subject TEXT NOT NULL,
		at TEXT NOT NULL,
		deadline TEXT NOT NULL DEFAULT '',
		message TEXT NOT NULL,
		delivered_at TEXT NOT NULL DEFAULT '')`,
	`CREATE INDEX notifications_by_recipient ON notifications (agency, recipient, at, id)`,
	`CREATE INDEX notifications_undelivered ON notifications (delivered_at, at)`,
	// What a task asks (events.TaskKind*); earlier tasks were approvals.
	`ALTER TABLE tasks ADD COLUMN task_kind TEXT NOT NULL DEFAULT 'approve'`,
	// Who may act on an open task for its assignee, and when: the inbox
	// shows the task to them too. Only substitutes whose scope covers the
	// document's kind are kept.
	`CREATE TABLE task_substitutes (
		task_id TEXT NOT NULL,
		username TEXT NOT NULL,
		valid_from TEXT NOT NULL,
		valid_until TEXT NOT NULL,
		PRIMARY KEY (task_id, username))`,
	`CREATE INDEX task_substitutes_by_user ON task_substitutes (username, valid_until)`,
	// The outgoing register, from document.numbered (outgoing.go).
	outgoingMigration,
	outgoingIndex,
	// The agency's documents by status, most recently changed first.
	`CREATE INDEX documents_by_status ON documents (agency, status, updated_at, id)`,
	`CREATE INDEX documents_by_update ON documents (agency, updated_at, id)`,
	// Every PDF of a document the events name, whole: the original's
	// version, the signed PDF (document.signed) and the archived record's
	// copy (document.archived); the sealed one is in the outgoing register.
	`ALTER TABLE documents ADD COLUMN object_version TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE documents ADD COLUMN signed_bucket TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE documents ADD COLUMN signed_key TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE documents ADD COLUMN signed_version TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE documents ADD COLUMN signed_sha256 TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE documents ADD COLUMN signed_size BIGINT NOT NULL DEFAULT 0`,
	`ALTER TABLE documents ADD COLUMN archived_bucket TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE documents ADD COLUMN archived_key TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE documents ADD COLUMN archived_version TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE documents ADD COLUMN archived_sha256 TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE documents ADD COLUMN archived_size BIGINT NOT NULL DEFAULT 0`,
	// Documents signed before the signed PDF was kept: the signing service
	// wrote it into the documents bucket, which holds the original too,
	// under signed/<document id>.pdf. Its digest was never projected.
	`UPDATE documents SET signed_bucket = bucket, signed_key = 'signed/' || id || '.pdf' WHERE status IN ('signed', 'archived')`,
	// Who drafted (uploaded) a document names them on it (access.go);
	// documents projected before were registered by the actor of their
	// document.received line.
	`ALTER TABLE documents ADD COLUMN drafter TEXT NOT NULL DEFAULT ''`,
	`UPDATE documents SET drafter = COALESCE((SELECT h.actor FROM document_history h
		WHERE h.document_id = documents.id AND h.type = 'vn.docflow.document.received.v1' LIMIT 1), '')`,
	// A list for an official starts from the documents they drafted
	// (access.go, candidates).
	`CREATE INDEX documents_by_drafter ON documents (agency, drafter)`,
	// The two flows (DOMAIN.md §4–§5): outgoing drafts beside incoming
	// documents, with their drafting unit and recipients; every document
	// projected before was registered as incoming.
	`ALTER TABLE documents ADD COLUMN direction TEXT NOT NULL DEFAULT 'incoming'`,
	`ALTER TABLE documents ADD COLUMN unit TEXT NOT NULL DEFAULT ''`,
	`CREATE TABLE document_recipients (
		document_id TEXT NOT NULL,
		seq         INTEGER NOT NULL,
		unit        TEXT NOT NULL,
		agency      TEXT NOT NULL,
		status      TEXT NOT NULL,
		status_at   TEXT NOT NULL,
		PRIMARY KEY (document_id, seq))`,
	// The inter-agency exchange (exchange.go): the packages that arrived
	// for a clerk to register, and each recipient agency's latest status
	// receipt on the sender's document.
	`CREATE TABLE exchange_arrivals (
		id TEXT PRIMARY KEY,
		agency TEXT NOT NULL,
		from_agency TEXT NOT NULL,
		from_name TEXT NOT NULL,
		edxml_document_id TEXT NOT NULL,
		number TEXT NOT NULL,
		notation TEXT NOT NULL,
		promulgated_on TEXT NOT NULL,
		kind TEXT NOT NULL,
		type_name TEXT NOT NULL,
		subject TEXT NOT NULL,
		urgency TEXT NOT NULL,
		due_on TEXT NOT NULL,
		attachments TEXT NOT NULL,
		received_at TEXT NOT NULL,
		document_id TEXT NOT NULL DEFAULT '',
		registered_at TEXT NOT NULL DEFAULT '')`,
	`CREATE INDEX exchange_arrivals_by_agency ON exchange_arrivals (agency, received_at, id)`,
	`ALTER TABLE document_recipients ADD COLUMN receipt TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE document_recipients ADD COLUMN receipt_description TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE document_recipients ADD COLUMN receipt_at TEXT NOT NULL DEFAULT ''`,
}
