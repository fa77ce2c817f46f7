package edxml

import (
	"crypto"
	"fmt"
	"mime"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/beevik/etree"
)

// organIDPattern admits both identifier forms: the legacy 13-character
// 000.00.00.G22 and QĐ 20/2020's up to 35 characters of [0-9A-Z.].
var organIDPattern = regexp.MustCompile(`^[0-9A-Z.]{1,35}$`)

// problems collects what is wrong with a message to build, so the caller
// sees every mistake at once.
type problems []string

func (p *problems) add(format string, args ...any) { *p = append(*p, fmt.Sprintf(format, args...)) }

func (p problems) err(what string) error {
	if len(p) == 0 {
		return nil
	}
	return refuse(ErrInvalid, "%s cannot be sent: %s", what, strings.Join(p, "; "))
}

func (p *problems) organID(field, id string) {
	switch {
	case id == "":
		p.add("%s is required", field)
	case !organIDPattern.MatchString(id):
		p.add("%s %q is not an agency identifier (up to 35 of 0-9, A-Z and '.')", field, clip(id, 40))
	}
}

func (p *problems) signer(s Signer, from string) {
	if s.Key == nil || len(s.Chain) == 0 || s.Chain[0] == nil {
		p.add("the organisation key and its certificate are required to sign")
		return
	}
	pub, ok := s.Key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(s.Chain[0].PublicKey) {
		p.add("the signing key does not belong to the first certificate of the chain")
	}
	if id := OrganizationIdentifier(s.Chain[0]); id != from {
		p.add("the signing certificate is of agency %q, not of the sending agency %q", id, from)
	}
}

func checkMessage(m *Message, s Signer, l Limits) error {
	var p problems
	p.organID("From/OrganId", m.From.OrganID)
	if len(m.To) == 0 {
		p.add("at least one recipient (To) is required")
	}
	for i, to := range m.To {
		p.organID(fmt.Sprintf("To[%d]/OrganId", i), to.OrganID)
	}
	if m.Code.Number == "" || m.Code.Notation == "" {
		p.add("the number and symbol (CodeNumber, CodeNotation) are required")
	}
	if m.Promulgation.Date.IsZero() {
		p.add("the promulgation date is required")
	}
	if strings.TrimSpace(m.DocumentType.TypeName) == "" {
		p.add("DocumentType/TypeName is required: it names the kind in words, because hubs read Type differently")
	}
	if strings.TrimSpace(m.Subject) == "" {
		p.add("the subject (trích yếu) is required")
	}
	if m.Other.Priority < PriorityNormal || m.Other.Priority > PriorityExpressTimed {
		p.add("priority %d is not one of 0 to 4", m.Other.Priority)
	}
	if m.SteeringType < SteeringNone || m.SteeringType > SteeringReport {
		p.add("steering type %d is not one of 0, 1, 2", m.SteeringType)
	}
	if m.Business.DocType < BusinessNew || m.Business.DocType > BusinessReplace {
		p.add("business type %d is not one of 0 (new), 1 (recall), 2 (update), 3 (replace)", m.Business.DocType)
	}
	if m.Other.PromulgationAmount < 0 || m.Other.PageAmount < 0 {
		p.add("the number of copies and pages cannot be negative")
	}
	for i, r := range m.ResponseFor {
		p.organID(fmt.Sprintf("ResponseFor[%d]/OrganId", i), r.OrganID)
	}
	for i, t := range m.Trace {
		if t.Timestamp.IsZero() {
			p.add("TraceHeader[%d] has no timestamp", i)
		}
	}
	checkAttachments(&p, m.Attachments, l)
	p.signer(s, m.From.OrganID)
	return p.err("the document package")
}

func checkAttachments(p *problems, atts []Attachment, l Limits) {
	switch {
	case len(atts) == 0:
		p.add("at least one attachment (the signed document) is required")
	case len(atts) > l.MaxAttachments:
		p.add("%d attachments, more than the %d a receiver accepts", len(atts), l.MaxAttachments)
	}
	seen := map[string]bool{}
	for i, a := range atts {
		at := fmt.Sprintf("attachment %d", i+1)
		switch {
		case !contentIDPattern.MatchString(a.ContentID):
			p.add("%s: content id %q must be 1 to 200 letters, digits and ._@+-", at, clip(a.ContentID, 40))
		case a.ContentID == rootContentID || seen[a.ContentID]:
			p.add("%s: content id %q is used twice", at, a.ContentID)
		}
		seen[a.ContentID] = true
		if t, _, err := mime.ParseMediaType(a.ContentType); err != nil || t != strings.ToLower(a.ContentType) {
			p.add("%s: content type %q is not a plain media type such as application/pdf", at, clip(a.ContentType, 40))
		}
		if strings.TrimSpace(a.Name) == "" {
			p.add("%s: the file name (AttachmentName) is required", at)
		}
		if len(a.Data) == 0 || len(a.Data) > l.MaxAttachmentBytes {
			p.add("%s: %s; it must be between 1 byte and %s", at, size(len(a.Data)), size(l.MaxAttachmentBytes))
		}
	}
}

func checkStatus(s *Status, sg Signer) error {
	var p problems
	switch {
	case s.Code == statusAgreesAliasIn:
		p.add("status 14 is never sent; agreeing to a recall or update is 15")
	case statusMeaning[s.Code] == "":
		p.add("status code %q is not one of 01–06, 13, 15, 16", clip(string(s.Code), 10))
	}
	if s.Code == StatusRejected && strings.TrimSpace(s.Description) == "" {
		p.add("a rejection (02) must give its reason in Description")
	}
	p.organID("From/OrganId", s.From.OrganID)
	p.organID("ResponseFor/OrganId", s.ResponseFor.OrganID)
	if s.ResponseFor.DocumentID == "" {
		p.add("ResponseFor/DocumentId is required")
	}
	if s.Timestamp.IsZero() {
		p.add("the timestamp is required")
	}
	p.signer(sg, s.From.OrganID)
	return p.err("the status")
}

// checkTree refuses text XML 1.0 cannot carry (invalid UTF-8, control
// characters) and a tree the receiver's limits would refuse.
func checkTree(doc *etree.Document, l Limits) error {
	var p problems
	elements := 0
	var walk func(el *etree.Element, depth int)
	walk = func(el *etree.Element, depth int) {
		elements++
		if depth > l.MaxDepth {
			p.add("the XML nests deeper than %d", l.MaxDepth)
		}
		if s := el.Text(); !validXMLText(s) {
			p.add("%s holds characters XML cannot carry (control characters or invalid UTF-8)", el.Tag)
		}
		for _, c := range el.ChildElements() {
			walk(c, depth+1)
		}
	}
	walk(doc.Root(), 1)
	if elements > l.MaxElements {
		p.add("%d XML elements, more than the %d a receiver accepts", elements, l.MaxElements)
	}
	return p.err("the package")
}

func validXMLText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF {
			return false
		}
	}
	return true
}
