package edxml

import (
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"

	"github.com/docflow/docflow/api/vntime"
)

// reader decodes the edXML elements under one path, remembering the first
// problem so the decoding code reads as a list of fields.
type reader struct {
	err error
}

func (r *reader) fail(reason error, format string, args ...any) {
	if r.err == nil {
		r.err = refuse(reason, format, args...)
	}
}

// el is the first child named local in the edXML namespace.
func (r *reader) el(parent *etree.Element, local string) *etree.Element {
	if parent == nil {
		return nil
	}
	return child(parent, Namespace, local)
}

func (r *reader) need(parent *etree.Element, local, where string) *etree.Element {
	el := r.el(parent, local)
	if el == nil && parent != nil {
		r.fail(ErrMalformed, "the edXML %s has no %s", where, local)
	}
	return el
}

// text is the trimmed text of a child; "" when absent.
func (r *reader) text(parent *etree.Element, local string) string {
	if el := r.el(parent, local); el != nil {
		return strings.TrimSpace(textOf(el))
	}
	return ""
}

func (r *reader) required(parent *etree.Element, local, where string) string {
	v := r.text(parent, local)
	if v == "" && parent != nil {
		r.fail(ErrMalformed, "the edXML %s has no %s", where, local)
	}
	return v
}

func (r *reader) date(parent *etree.Element, local, where string, optional bool) time.Time {
	v := r.text(parent, local)
	if v == "" {
		if !optional && parent != nil {
			r.fail(ErrMalformed, "the edXML %s has no %s", where, local)
		}
		return time.Time{}
	}
	t, err := time.ParseInLocation(dateLayout, v, vntime.Zone)
	if err != nil {
		r.fail(ErrMalformed, "%s %s is %q, not a date written yyyy/MM/dd", where, local, clip(v, 40))
	}
	return t
}

func (r *reader) timestamp(parent *etree.Element, local, where string) time.Time {
	v := r.text(parent, local)
	t, err := time.ParseInLocation(timestampLayout, v, vntime.Zone)
	if err != nil && parent != nil {
		r.fail(ErrMalformed, "%s %s is %q, not a time written yyyy/MM/dd HH:mm:ss", where, local, clip(v, 40))
	}
	return t
}

// code reads a small non-negative number within [lo, hi]; absent is def.
func (r *reader) code(parent *etree.Element, local, what string, lo, hi, def int) int {
	v := r.text(parent, local)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		r.fail(ErrUnknownCode, "%s %q is not one of the values %d to %d of the standard", what, clip(v, 20), lo, hi)
		return def
	}
	return n
}

func (r *reader) amount(parent *etree.Element, local, what string) int {
	return r.code(parent, local, what, 0, 1_000_000, 0)
}

func (r *reader) organ(el *etree.Element, where string) Organ {
	return Organ{
		OrganID:              r.required(el, "OrganId", where),
		OrganizationInCharge: r.text(el, "OrganizationInCharge"),
		OrganName:            r.text(el, "OrganName"),
		OrganAdd:             r.text(el, "OrganAdd"),
		Email:                r.text(el, "Email"),
		Telephone:            r.text(el, "Telephone"),
		Fax:                  r.text(el, "Fax"),
		Website:              r.text(el, "Website"),
	}
}

func (r *reader) responseFor(el *etree.Element) ResponseFor {
	return ResponseFor{
		OrganID:          r.required(el, "OrganId", "ResponseFor"),
		Code:             r.text(el, "Code"),
		PromulgationDate: r.date(el, "PromulgationDate", "ResponseFor", true),
		DocumentID:       r.text(el, "DocumentId"),
	}
}

func (r *reader) staff(el *etree.Element) StaffInfo {
	return StaffInfo{
		Department: r.text(el, "Department"),
		Staff:      r.text(el, "Staff"),
		Mobile:     r.text(el, "Mobile"),
		Email:      r.text(el, "Email"),
	}
}

func (r *reader) texts(parent *etree.Element, local string) []string {
	var out []string
	if parent == nil {
		return nil
	}
	for _, el := range children(parent, Namespace, local) {
		out = append(out, strings.TrimSpace(textOf(el)))
	}
	return out
}

// header finds edXMLEnvelope/edXMLHeader/MessageHeader.
func header(doc *etree.Document) (root, hdr, mh *etree.Element, err error) {
	root = doc.Root()
	if root == nil || root.Tag != envelopeLocal || root.NamespaceURI() != Namespace {
		return nil, nil, nil, refuse(ErrMalformed, "the XML is not an edXML package: its root must be edXMLEnvelope in the namespace %s", Namespace)
	}
	hdr = child(root, Namespace, headerLocal)
	if hdr == nil {
		return nil, nil, nil, refuse(ErrMalformed, "the edXML package has no edXMLHeader")
	}
	mh = child(hdr, Namespace, "MessageHeader")
	if mh == nil {
		return nil, nil, nil, refuse(ErrMalformed, "the edXML package has no MessageHeader")
	}
	return root, hdr, mh, nil
}

// decodeMessage reads a document package's header and manifest. The
// attachments' bytes are added by the caller from the container.
func decodeMessage(root, hdr, mh *etree.Element) (*Message, error) {
	var r reader
	if r.el(mh, "StatusCode") != nil {
		return nil, refuse(ErrMalformed, "this is a status package, not a document package")
	}
	m := &Message{From: r.organ(r.need(mh, "From", "header"), "From")}
	for _, to := range children(mh, Namespace, "To") {
		m.To = append(m.To, r.organ(to, "To"))
	}
	code := r.need(mh, "Code", "header")
	m.Code = Code{Number: r.required(code, "CodeNumber", "Code"), Notation: r.text(code, "CodeNotation")}
	pi := r.need(mh, "PromulgationInfo", "header")
	m.Promulgation = Promulgation{Place: r.text(pi, "Place"), Date: r.date(pi, "PromulgationDate", "PromulgationInfo", false)}
	dt := r.need(mh, "DocumentType", "header")
	m.DocumentType = DocumentType{
		Type:       r.text(dt, "Type"),
		TypeDetail: r.text(dt, "TypeDetail"),
		TypeName:   r.required(dt, "TypeName", "DocumentType"),
	}
	m.Subject = r.required(mh, "Subject", "header")
	m.Content = r.text(mh, "Content")
	si := r.el(mh, "SignerInfo")
	m.Signer = SignerInfo{Competence: r.text(si, "Competence"), Position: r.text(si, "Position"), FullName: r.text(si, "FullName")}
	m.DueDate = r.date(mh, "DueDate", "header", true)
	m.ToPlaces = r.texts(r.el(mh, "ToPlaces"), "Place")
	oi := r.el(mh, "OtherInfo")
	m.Other = OtherInfo{
		Priority:             Priority(r.code(oi, "Priority", "the priority (OtherInfo/Priority)", 0, 4, 0)),
		SphereOfPromulgation: r.text(oi, "SphereOfPromulgation"),
		TyperNotation:        r.text(oi, "TyperNotation"),
		PromulgationAmount:   r.amount(oi, "PromulgationAmount", "the number of copies (PromulgationAmount)"),
		PageAmount:           r.amount(oi, "PageAmount", "the page count (PageAmount)"),
		Appendixes:           r.texts(r.el(oi, "Appendixes"), "Appendix"),
	}
	for _, rf := range children(mh, Namespace, "ResponseFor") {
		m.ResponseFor = append(m.ResponseFor, r.responseFor(rf))
	}
	st := r.code(mh, "SteeringType", "the steering type (SteeringType)", 0, 3, 0)
	if st == 3 {
		st = int(SteeringReport) // the 1/2/3 numbering's "report"
	}
	m.SteeringType = SteeringType(st)
	m.DocumentID = r.text(mh, "DocumentId")

	thl := r.el(hdr, "TraceHeaderList")
	for _, th := range children(thlOrEmpty(thl), Namespace, "TraceHeader") {
		m.Trace = append(m.Trace, TraceHeader{OrganID: r.text(th, "OrganId"), Timestamp: r.timestamp(th, "Timestamp", "TraceHeader")})
	}
	m.Business = r.business(r.el(thl, businessTag))
	m.Attachments = r.manifest(root)
	if len(m.To) == 0 {
		r.fail(ErrMalformed, "the edXML header names no recipient (To)")
	}
	if r.err != nil {
		return nil, r.err
	}
	return m, nil
}

func thlOrEmpty(el *etree.Element) *etree.Element {
	if el == nil {
		return etree.NewElement("none")
	}
	return el
}

func (r *reader) business(b *etree.Element) Business {
	if b == nil {
		return Business{}
	}
	out := Business{
		DocType:    BusinessDocType(r.code(b, "BussinessDocType", "the business type (BussinessDocType)", 0, 3, 0)),
		Reason:     r.text(b, "BussinessDocReason"),
		DocumentID: r.text(b, "DocumentId"),
		Staff:      r.staff(r.el(b, "StaffInfo")),
		Paper:      r.amount(b, "Paper", "the paper flag (Paper)") > 0,
	}
	if bi := r.el(b, "BussinessDocumentInfo"); bi != nil {
		info := &BusinessDocumentInfo{
			DocumentInfo:     r.code(bi, "DocumentInfo", "BussinessDocumentInfo/DocumentInfo", 0, 1, 0) == 1,
			DocumentReceiver: r.code(bi, "DocumentReceiver", "BussinessDocumentInfo/DocumentReceiver", 0, 1, 0) == 1,
		}
		if rl := r.el(bi, "ReceiverList"); rl != nil {
			for _, re := range children(rl, Namespace, "Receiver") {
				info.Receivers = append(info.Receivers, ReceiverChange{
					Added:   r.code(re, "ReceiverType", "the receiver change (ReceiverType)", 0, 1, 0) == 1,
					OrganID: r.required(re, "OrganId", "Receiver"),
				})
			}
		}
		out.DocumentInfo = info
	}
	if rl := r.el(b, "ReplacementInfoList"); rl != nil {
		for _, ri := range children(rl, Namespace, "ReplacementInfo") {
			out.Replacements = append(out.Replacements, Replacement{
				DocumentID: r.required(ri, "DocumentId", "ReplacementInfo"),
				OrganIDs:   r.texts(r.el(ri, "OrganIdList"), "OrganId"),
			})
		}
	}
	return out
}

// manifest reads edXMLBody/Manifest's references (without the bytes).
func (r *reader) manifest(root *etree.Element) []Attachment {
	man := r.el(r.el(root, bodyLocal), "Manifest")
	if man == nil {
		r.fail(ErrMalformed, "the edXML package has no Manifest of its attachments")
		return nil
	}
	var out []Attachment
	for _, ref := range children(man, Namespace, "Reference") {
		out = append(out, Attachment{
			ContentID:   r.required(ref, "ContentId", "Manifest Reference"),
			ContentType: r.text(ref, "ContentType"),
			Description: r.text(ref, "Description"),
			Name:        r.text(ref, "AttachmentName"),
		})
	}
	return out
}

// decodeStatus reads a status package's header.
func decodeStatus(mh *etree.Element) (*Status, error) {
	var r reader
	r.need(mh, "Timestamp", "status")
	s := &Status{
		ResponseFor: r.responseFor(r.need(mh, "ResponseFor", "status")),
		From:        r.organ(r.need(mh, "From", "status"), "From"),
		Description: r.text(mh, "Description"),
		Timestamp:   r.timestamp(mh, "Timestamp", "the status"),
		Staff:       r.staff(r.el(mh, "StaffInfo")),
	}
	if r.err != nil {
		return nil, r.err
	}
	code := StatusCode(r.text(mh, "StatusCode"))
	switch {
	case code == "":
		return nil, refuse(ErrMalformed, "the status package has no StatusCode")
	case code == statusAgreesAliasIn:
		code = StatusAgrees
	case statusMeaning[code] == "":
		return nil, refuse(ErrUnknownCode, "status code %q is not one of the codes of the standard (01–06, 13, 15, 16)", clip(string(code), 20))
	}
	s.Code = code
	if code == StatusRejected && strings.TrimSpace(s.Description) == "" {
		return nil, refuse(ErrMalformed, "a rejection (status 02) must say why in its Description, and this one is empty")
	}
	return s, nil
}
