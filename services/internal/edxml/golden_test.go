package edxml_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/internal/edxml"
)

const (
	vpcp    = "000.00.00.G22" // Văn phòng Chính phủ, the sender in the fixtures
	noiVu   = "000.00.00.G09" // Bộ Nội vụ, the main recipient
	taiChin = "000.00.00.G12" // Bộ Tài chính, the second recipient
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, vntime.Zone) }

// pdf is a small stand-in for a signed PDF; the codec treats it as bytes.
func pdf(title string) []byte {
	return []byte("%PDF-1.7\n% " + title + "\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
}

// fullMessage fills every field of the header, so the golden file shows
// and the round trip checks all of them.
func fullMessage() edxml.Message {
	return edxml.Message{
		From: edxml.Organ{
			OrganID: vpcp, OrganizationInCharge: "Chính phủ", OrganName: "Văn phòng Chính phủ",
			OrganAdd: "16 Lê Hồng Phong, Ba Đình, Hà Nội", Email: "vpcp@chinhphu.vn",
			Telephone: "024 3823 4567", Fax: "024 3823 4568", Website: "https://vpcp.chinhphu.vn",
		},
		To: []edxml.Organ{
			{OrganID: noiVu, OrganName: "Bộ Nội vụ", OrganAdd: "8 Tôn Thất Thuyết, Hà Nội"},
			{OrganID: taiChin, OrganName: "Bộ Tài chính"},
		},
		Code:         edxml.Code{Number: "7816", Notation: "VPCP-TTĐT"},
		Promulgation: edxml.Promulgation{Place: "Hà Nội", Date: day(2026, 5, 20)},
		DocumentType: edxml.DocumentType{Type: "18", TypeDetail: "0", TypeName: "Công văn"},
		Subject:      "V/v triển khai trục liên thông văn bản quốc gia",
		Content:      "Đề nghị các bộ kết nối & gửi nhận văn bản điện tử <đúng hạn>.",
		Signer:       edxml.SignerInfo{Competence: "KT.", Position: "Phó Chủ nhiệm", FullName: "Nguyễn Văn A"},
		DueDate:      day(2026, 6, 30),
		ToPlaces:     []string{"Như trên;", "Lưu: VT, TTĐT."},
		Other: edxml.OtherInfo{
			Priority: edxml.PriorityUrgent, SphereOfPromulgation: "Toàn quốc", TyperNotation: "NVB",
			PromulgationAmount: 5, PageAmount: 3, Appendixes: []string{"Phụ lục I: danh sách đơn vị"},
		},
		ResponseFor: []edxml.ResponseFor{{
			OrganID: noiVu, Code: "120/BNV-VP", PromulgationDate: day(2026, 5, 2),
			DocumentID: edxml.DocumentID(noiVu, day(2026, 5, 2), 120, "BNV-VP"),
		}},
		SteeringType: edxml.SteeringDirective,
		DocumentID:   edxml.DocumentID(vpcp, day(2026, 5, 20), 7816, "VPCP-TTĐT"),
		Trace:        []edxml.TraceHeader{{OrganID: vpcp, Timestamp: time.Date(2026, 5, 20, 14, 30, 5, 0, vntime.Zone)}},
		Business: edxml.Business{
			DocType: edxml.BusinessUpdate, Reason: "Bổ sung nơi nhận",
			DocumentInfo: &edxml.BusinessDocumentInfo{
				DocumentReceiver: true,
				Receivers:        []edxml.ReceiverChange{{Added: true, OrganID: taiChin}},
			},
			DocumentID: edxml.DocumentID(vpcp, day(2026, 5, 20), 7816, "VPCP-TTĐT"),
			Staff:      edxml.StaffInfo{Department: "Văn thư", Staff: "Trần Thị B", Mobile: "0912345678", Email: "vanthu@chinhphu.vn"},
			Paper:      true,
			Replacements: []edxml.Replacement{{
				DocumentID: edxml.DocumentID(vpcp, day(2026, 5, 1), 7000, "VPCP-TTĐT"),
				OrganIDs:   []string{noiVu, taiChin},
			}},
		},
		Attachments: []edxml.Attachment{
			{ContentID: "7816-VPCP-TTDT.pdf", ContentType: "application/pdf", Description: "Văn bản chính", Name: "7816-VPCP-TTĐT.pdf", Data: pdf("main")},
			{ContentID: "phu-luc-1.pdf", ContentType: "application/pdf", Description: "Phụ lục I", Name: "Phụ lục I.pdf", Data: pdf("annex")},
		},
	}
}

func statusFor(code edxml.StatusCode) edxml.Status {
	st := edxml.Status{
		ResponseFor: edxml.ResponseFor{
			OrganID: vpcp, Code: "7816/VPCP-TTĐT", PromulgationDate: day(2026, 5, 20),
			DocumentID: edxml.DocumentID(vpcp, day(2026, 5, 20), 7816, "VPCP-TTĐT"),
		},
		From:      edxml.Organ{OrganID: vpcp, OrganName: "Văn phòng Chính phủ"},
		Code:      code,
		Timestamp: time.Date(2026, 5, 21, 8, 15, 0, 0, vntime.Zone),
		Staff:     edxml.StaffInfo{Department: "Văn thư", Staff: "Lê Văn C"},
	}
	if code == edxml.StatusRejected {
		st.Description = "Chữ ký số của văn bản không hợp lệ"
	}
	return st
}

// golden compares got with the file, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	file := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s: built bytes differ from the golden file (run with -update after checking the change)", name)
	}
}

// The golden packages are signed with the fixed RSA key of testdata/pki:
// RSA PKCS#1 v1.5 is deterministic and the container's boundary is derived
// from the XML, so build → parse → build must give the golden bytes
// exactly, signature included.
func TestGoldenDocument(t *testing.T) {
	t.Parallel()
	g := loadGoldenPKI(t)
	raw, err := edxml.Build(fullMessage(), g.signer)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "document.edxml", raw)

	pkg, err := edxml.Parse(raw, g.opts(noiVu))
	if err != nil {
		t.Fatalf("Parse of the golden package: %v", err)
	}
	again, err := edxml.Build(pkg.Message, g.signer)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, again) {
		t.Error("build → parse → build is not byte-stable")
	}
	if !pkg.Signer.Equal(g.signer.Chain[0]) {
		t.Error("Parse does not return the signer's certificate")
	}
	m := pkg.Message
	if m.Subject != fullMessage().Subject || m.Content != fullMessage().Content || m.Code.Notation != "VPCP-TTĐT" {
		t.Errorf("texts did not survive: %q / %q / %q", m.Subject, m.Content, m.Code.Notation)
	}
	if !m.Promulgation.Date.Equal(day(2026, 5, 20)) || !m.Trace[0].Timestamp.Equal(time.Date(2026, 5, 20, 14, 30, 5, 0, vntime.Zone)) {
		t.Errorf("dates did not survive: %v, %v", m.Promulgation.Date, m.Trace[0].Timestamp)
	}
	if len(m.Attachments) != 2 || !bytes.Equal(m.Attachments[1].Data, pdf("annex")) || m.Attachments[1].Name != "Phụ lục I.pdf" {
		t.Errorf("attachments did not survive: %+v", m.Attachments)
	}
	if m.Business.DocType != edxml.BusinessUpdate || !m.Business.Paper || m.Business.DocumentInfo == nil ||
		len(m.Business.DocumentInfo.Receivers) != 1 || !m.Business.DocumentInfo.Receivers[0].Added {
		t.Errorf("the business element did not survive: %+v", m.Business)
	}

	for _, want := range []string{
		`xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016"`,
		"<edXML:Bussiness>", //nolint:misspell // the standard's spelling is what is asserted
		"<edXML:BussinessDocType>2</edXML:BussinessDocType>",
		"<edXML:BussinessDocReason>", "<edXML:BussinessDocumentInfo>",
		"<edXML:PromulgationDate>2026/05/20</edXML:PromulgationDate>",
		"<edXML:Timestamp>2026/05/20 14:30:05</edXML:Timestamp>",
		"<edXML:DocumentId>000.00.00.G22,2026/05/20,7816/VPCP-TTĐT</edXML:DocumentId>",
		"<edXML:TypeName>Công văn</edXML:TypeName>",
		`<Signature xmlns="http://www.w3.org/2000/09/xmldsig#">`,
		`<Reference URI="cid:7816-VPCP-TTDT.pdf">`,
		`<SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>`,
		"Content-Type: multipart/related;",
		"Content-ID: <phu-luc-1.pdf>",
	} {
		if !bytes.Contains(raw, []byte(want)) {
			t.Errorf("the package lacks %s", want)
		}
	}
	if bytes.Contains(raw, []byte("Business")) {
		t.Error("the package spells Business; the standard's element has a double s")
	}
}

func TestGoldenStatuses(t *testing.T) {
	t.Parallel()
	g := loadGoldenPKI(t)
	for _, code := range []edxml.StatusCode{
		edxml.StatusArrived, edxml.StatusRejected, edxml.StatusRegistered, edxml.StatusAssigned,
		edxml.StatusInProgress, edxml.StatusCompleted, edxml.StatusTakenBack, edxml.StatusAgrees, edxml.StatusRefuses,
	} {
		t.Run(string(code), func(t *testing.T) {
			t.Parallel()
			raw, err := edxml.BuildStatus(statusFor(code), g.signer)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "status-"+string(code)+".xml", raw)
			got, err := edxml.ParseStatus(raw, g.opts(vpcp))
			if err != nil {
				t.Fatal(err)
			}
			if got.Status.Code != code || got.Status.Description != statusFor(code).Description {
				t.Errorf("parsed %q %q", got.Status.Code, got.Status.Description)
			}
			again, err := edxml.BuildStatus(got.Status, g.signer)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(raw, again) {
				t.Error("build → parse → build is not byte-stable")
			}
			for _, want := range []string{
				`xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016"`,
				"<edXML:StatusCode>" + string(code) + "</edXML:StatusCode>",
				"<edXML:Timestamp>2026/05/21 08:15:00</edXML:Timestamp>",
			} {
				if !strings.Contains(string(raw), want) {
					t.Errorf("the status lacks %s", want)
				}
			}
		})
	}
}

func TestDocumentID(t *testing.T) {
	t.Parallel()
	// 20 September 2018 in Vietnam begins at 17:00 UTC the day before.
	late := time.Date(2018, 9, 19, 17, 30, 0, 0, time.UTC)
	tests := []struct {
		number int
		date   time.Time
		want   string
	}{
		{7816, late, "000.00.00.G22,2018/09/20,7816/VPCP-TTĐT"},
		{5, late, "000.00.00.G22,2018/09/20,05/VPCP-TTĐT"},
		{7816, time.Date(2018, 9, 19, 16, 59, 0, 0, time.UTC), "000.00.00.G22,2018/09/19,7816/VPCP-TTĐT"},
	}
	for _, tc := range tests {
		if got := edxml.DocumentID(vpcp, tc.date, tc.number, "VPCP-TTĐT"); got != tc.want {
			t.Errorf("DocumentID(%d, %v) = %q; want %q", tc.number, tc.date, got, tc.want)
		}
	}
}
