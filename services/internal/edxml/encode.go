package edxml

import (
	"strconv"
	"time"

	"github.com/beevik/etree"

	"github.com/docflow/docflow/api/vntime"
)

// Namespace is the QCVN 102:2016 namespace; Prefix is the prefix the
// standard and the public SDKs bind it to.
const (
	Namespace = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
	Prefix    = "edXML"
)

// The wire formats of dates (QCVN 102 as the SDKs write it), in Vietnam time.
const (
	dateLayout      = "2006/01/02"
	timestampLayout = "2006/01/02 15:04:05"
)

var itoa = strconv.Itoa

func formatDate(t time.Time) string      { return t.In(vntime.Zone).Format(dateLayout) }
func formatTimestamp(t time.Time) string { return t.In(vntime.Zone).Format(timestampLayout) }

// add appends <edXML:tag> to parent.
func add(parent *etree.Element, tag string) *etree.Element {
	return parent.CreateElement(Prefix + ":" + tag)
}

// text appends <edXML:tag>value</edXML:tag>; an empty value is written as
// an empty element so every field is present and a round trip is stable.
func text(parent *etree.Element, tag, value string) *etree.Element {
	el := add(parent, tag)
	if value != "" {
		el.SetText(value)
	}
	return el
}

func bit(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// newEnvelope starts a document with the envelope and its header.
func newEnvelope() (doc *etree.Document, header *etree.Element) {
	doc = etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	env := doc.CreateElement(Prefix + ":edXMLEnvelope")
	env.CreateAttr("xmlns:"+Prefix, Namespace)
	return doc, add(env, "edXMLHeader")
}

func encodeOrgan(parent *etree.Element, tag string, o Organ) {
	el := add(parent, tag)
	text(el, "OrganId", o.OrganID)
	text(el, "OrganizationInCharge", o.OrganizationInCharge)
	text(el, "OrganName", o.OrganName)
	text(el, "OrganAdd", o.OrganAdd)
	text(el, "Email", o.Email)
	text(el, "Telephone", o.Telephone)
	text(el, "Fax", o.Fax)
	text(el, "Website", o.Website)
}

func encodeResponseFor(parent *etree.Element, r ResponseFor) {
	el := add(parent, "ResponseFor")
	text(el, "OrganId", r.OrganID)
	text(el, "Code", r.Code)
	text(el, "PromulgationDate", formatDate(r.PromulgationDate))
	text(el, "DocumentId", r.DocumentID)
}

func encodeStaff(parent *etree.Element, s StaffInfo) {
	el := add(parent, "StaffInfo")
	text(el, "Department", s.Department)
	text(el, "Staff", s.Staff)
	text(el, "Mobile", s.Mobile)
	text(el, "Email", s.Email)
}

// encodeMessage writes the document package's XML in the order of
// QCVN 102 (vn-standards.md §2.2). The Signature goes at the end of
// edXMLHeader; it is added by sign.
func encodeMessage(m *Message) (*etree.Document, *etree.Element) {
	doc, header := newEnvelope()
	mh := add(header, "MessageHeader")
	encodeOrgan(mh, "From", m.From)
	for _, to := range m.To {
		encodeOrgan(mh, "To", to)
	}
	code := add(mh, "Code")
	text(code, "CodeNumber", m.Code.Number)
	text(code, "CodeNotation", m.Code.Notation)
	pi := add(mh, "PromulgationInfo")
	text(pi, "Place", m.Promulgation.Place)
	text(pi, "PromulgationDate", formatDate(m.Promulgation.Date))
	dt := add(mh, "DocumentType")
	text(dt, "Type", m.DocumentType.Type)
	if m.DocumentType.TypeDetail != "" {
		text(dt, "TypeDetail", m.DocumentType.TypeDetail)
	}
	text(dt, "TypeName", m.DocumentType.TypeName)
	text(mh, "Subject", m.Subject)
	text(mh, "Content", m.Content)
	si := add(mh, "SignerInfo")
	text(si, "Competence", m.Signer.Competence)
	text(si, "Position", m.Signer.Position)
	text(si, "FullName", m.Signer.FullName)
	if !m.DueDate.IsZero() {
		text(mh, "DueDate", formatDate(m.DueDate))
	}
	places := add(mh, "ToPlaces")
	for _, p := range m.ToPlaces {
		text(places, "Place", p)
	}
	oi := add(mh, "OtherInfo")
	text(oi, "Priority", itoa(int(m.Other.Priority)))
	text(oi, "SphereOfPromulgation", m.Other.SphereOfPromulgation)
	text(oi, "TyperNotation", m.Other.TyperNotation)
	text(oi, "PromulgationAmount", itoa(m.Other.PromulgationAmount))
	text(oi, "PageAmount", itoa(m.Other.PageAmount))
	apx := add(oi, "Appendixes")
	for _, a := range m.Other.Appendixes {
		text(apx, "Appendix", a)
	}
	for _, r := range m.ResponseFor {
		encodeResponseFor(mh, r)
	}
	text(mh, "SteeringType", itoa(int(m.SteeringType)))
	text(mh, "DocumentId", m.DocumentID)

	thl := add(header, "TraceHeaderList")
	for _, th := range m.Trace {
		el := add(thl, "TraceHeader")
		text(el, "OrganId", th.OrganID)
		text(el, "Timestamp", formatTimestamp(th.Timestamp))
	}
	encodeBusiness(thl, m.Business)

	body := add(header.Parent(), "edXMLBody")
	manifest := add(body, "Manifest")
	for _, a := range m.Attachments {
		ref := add(manifest, "Reference")
		text(ref, "ContentId", a.ContentID)
		text(ref, "ContentType", a.ContentType)
		text(ref, "Description", a.Description)
		text(ref, "AttachmentName", a.Name)
	}
	return doc, header
}

// businessTag is the element's name as QCVN 102 and every SDK spell it,
// with a double s; receivers match it exactly.
const businessTag = "Bussiness" //nolint:misspell // the standard's spelling, not ours

// encodeBusiness writes the business element with the standard's spelling.
func encodeBusiness(parent *etree.Element, b Business) {
	el := add(parent, businessTag)
	text(el, "BussinessDocType", itoa(int(b.DocType)))
	text(el, "BussinessDocReason", b.Reason)
	if info := b.DocumentInfo; info != nil {
		bi := add(el, "BussinessDocumentInfo")
		text(bi, "DocumentInfo", bit(info.DocumentInfo))
		text(bi, "DocumentReceiver", bit(info.DocumentReceiver))
		rl := add(bi, "ReceiverList")
		for _, r := range info.Receivers {
			re := add(rl, "Receiver")
			text(re, "ReceiverType", bit(r.Added))
			text(re, "OrganId", r.OrganID)
		}
	}
	text(el, "DocumentId", b.DocumentID)
	encodeStaff(el, b.Staff)
	text(el, "Paper", bit(b.Paper))
	rl := add(el, "ReplacementInfoList")
	for _, r := range b.Replacements {
		ri := add(rl, "ReplacementInfo")
		text(ri, "DocumentId", r.DocumentID)
		ol := add(ri, "OrganIdList")
		for _, id := range r.OrganIDs {
			text(ol, "OrganId", id)
		}
	}
}

// encodeStatus writes a status package's XML (vn-standards.md §2.4).
func encodeStatus(s *Status) (*etree.Document, *etree.Element) {
	doc, header := newEnvelope()
	mh := add(header, "MessageHeader")
	encodeResponseFor(mh, s.ResponseFor)
	encodeOrgan(mh, "From", s.From)
	text(mh, "StatusCode", string(s.Code))
	text(mh, "Description", s.Description)
	text(mh, "Timestamp", formatTimestamp(s.Timestamp))
	encodeStaff(mh, s.Staff)
	add(header.Parent(), "edXMLBody")
	return doc, header
}
