package httpapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"testing"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	httpapi "github.com/docflow/docflow/api/http/v1"
	"github.com/docflow/docflow/api/vntime"
)

// fakeAPI answers a few operations the way the gateway does, so the test
// exercises the generated server and client together: routing, parameter
// binding, multipart bodies, streamed PDFs and typed error bodies.
type fakeAPI struct {
	httpapi.StrictServerInterface // operations the test does not call
}

var errUnexpected = errors.New("unexpected")

func (fakeAPI) Login(_ context.Context, req httpapi.LoginRequestObject) (httpapi.LoginResponseObject, error) {
	if req.Body.Username != "vanthu" || req.Body.Password != "demo" {
		return httpapi.Login401JSONResponse{UnauthorizedJSONResponse: httpapi.UnauthorizedJSONResponse{
			Code: httpapi.ErrorCodeUnauthenticated, Message: "wrong username or password",
		}}, nil
	}
	return httpapi.Login200JSONResponse{
		Token:     "t0k3n",
		ExpiresAt: time.Date(2026, 3, 5, 17, 0, 0, 0, vntime.Zone),
		User:      httpapi.User{Username: "vanthu", FullName: "Văn Thư", Role: httpapi.RoleClerk, Agency: "000.00.00.G22"},
	}, nil
}

func (fakeAPI) CreateDocument(_ context.Context, req httpapi.CreateDocumentRequestObject) (httpapi.CreateDocumentResponseObject, error) {
	var meta httpapi.DocumentMetadata
	var digest string
	var size int64
	for {
		part, err := req.Body.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch part.FormName() {
		case "metadata":
			if err := json.NewDecoder(part).Decode(&meta); err != nil {
				return httpapi.CreateDocument400JSONResponse{BadRequestJSONResponse: httpapi.BadRequestJSONResponse{
					Code: httpapi.ErrorCodeInvalidArgument, Message: "metadata is not JSON",
				}}, nil
			}
		case "file":
			h := sha256.New()
			n, err := io.Copy(h, part)
			if err != nil {
				return nil, err
			}
			digest, size = hex.EncodeToString(h.Sum(nil)), n
		}
	}
	if size == 0 {
		return httpapi.CreateDocument422JSONResponse{UnprocessableEntityJSONResponse: httpapi.UnprocessableEntityJSONResponse{
			Code: httpapi.ErrorCodeEmptyFile, Message: "the file is empty",
		}}, nil
	}
	if meta.Urgency != httpapi.UrgencyTHUONG {
		return nil, errUnexpected
	}
	return httpapi.CreateDocument201JSONResponse{
		Body: httpapi.DocumentSummary{
			ID: "doc-1", ArrivalNumber: 12, ArrivalYear: 2026, Status: httpapi.DocumentStatusRegistered,
			SHA256: digest, Size: size,
		},
		Headers: httpapi.CreateDocument201ResponseHeaders{Location: "/v1/documents/doc-1"},
	}, nil
}

func (fakeAPI) GetDocumentContent(_ context.Context, req httpapi.GetDocumentContentRequestObject) (httpapi.GetDocumentContentResponseObject, error) {
	if req.ID != "doc-1" {
		return httpapi.GetDocumentContent404JSONResponse{NotFoundJSONResponse: httpapi.NotFoundJSONResponse{
			Code: httpapi.ErrorCodeNotFound, Message: "no document with id " + req.ID,
		}}, nil
	}
	// Without a version the fake's current one is the issued PDF.
	version := req.Params.Version
	if version == "" {
		version = httpapi.DocumentVersionIssued
	}
	return httpapi.GetDocumentContent200ApplicationPDFResponse{
		Body: bytes.NewReader(samplePDF), ContentLength: int64(len(samplePDF)),
		Headers: httpapi.GetDocumentContent200ResponseHeaders{
			DocflowVersion: version, ContentDisposition: `attachment; filename="doc-1-` + string(version) + `.pdf"`,
		},
	}, nil
}

func (fakeAPI) ListInbox(_ context.Context, req httpapi.ListInboxRequestObject) (httpapi.ListInboxResponseObject, error) {
	size := 20
	if req.Params.PageSize != nil {
		size = *req.Params.PageSize
	}
	return httpapi.ListInbox200JSONResponse{
		Items:         []httpapi.Task{{ID: "task-1", DocumentID: "doc-1", Status: httpapi.TaskStatusOpen, Urgency: httpapi.UrgencyKHAN}},
		NextPageToken: fmt.Sprintf("size=%d,after=%s", size, req.Params.PageToken),
	}, nil
}

func (fakeAPI) DecideTask(_ context.Context, req httpapi.DecideTaskRequestObject) (httpapi.DecideTaskResponseObject, error) {
	if req.ID == "task-closed" {
		return httpapi.DecideTask409JSONResponse{ConflictJSONResponse: httpapi.ConflictJSONResponse{
			Code: httpapi.ErrorCodeTaskClosed, Message: "this task was already decided",
		}}, nil
	}
	return httpapi.DecideTask200JSONResponse{TaskID: req.ID, Decision: req.Body.Decision, DecidedAt: time.Unix(0, 0).UTC()}, nil
}

func (fakeAPI) GetRegister(_ context.Context, req httpapi.GetRegisterRequestObject) (httpapi.GetRegisterResponseObject, error) {
	if req.Register != httpapi.RegisterNameIncoming {
		return httpapi.GetRegister400JSONResponse{BadRequestJSONResponse: httpapi.BadRequestJSONResponse{
			Code: httpapi.ErrorCodeInvalidArgument, Message: "no such register", Details: map[string]string{"register": "unknown register"},
		}}, nil
	}
	body := fmt.Sprintf("\uFEFFNgày đến,Số đến\r\n%s,1\r\n", req.Params.From.Format("02/01/2006"))
	return httpapi.GetRegister200TextCsvCharsetUTF8Response{
		Body: strings.NewReader(body), ContentLength: int64(len(body)),
		Headers: httpapi.GetRegister200ResponseHeaders{ContentDisposition: fmt.Sprintf(`attachment; filename="so-van-ban-den-%d.csv"`, req.Params.Year)},
	}, nil
}

func (fakeAPI) GetAgency(_ context.Context, req httpapi.GetAgencyRequestObject) (httpapi.GetAgencyResponseObject, error) {
	from := openapi_types.Date{Time: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)}
	return httpapi.GetAgency200JSONResponse{
		ID: httpapi.AgencyID(req.ID), Name: "Sở Thí điểm", ValidFrom: &from, Token: strings.ReplaceAll(req.ID, ".", "_"),
	}, nil
}

var samplePDF = []byte("%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

func newClient(t *testing.T) *httpapi.ClientWithResponses {
	t.Helper()
	handler := httpapi.HandlerWithOptions(
		httpapi.NewStrictHandlerWithOptions(fakeAPI{}, nil, httpapi.StrictHTTPServerOptions{
			RequestErrorHandlerFunc: func(w http.ResponseWriter, _ *http.Request, err error) {
				http.Error(w, err.Error(), http.StatusBadRequest)
			},
			ResponseErrorHandlerFunc: func(w http.ResponseWriter, _ *http.Request, err error) {
				http.Error(w, err.Error(), http.StatusInternalServerError)
			},
		}),
		httpapi.StdHTTPServerOptions{},
	)
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	client, err := httpapi.NewClientWithResponses(srv.URL, httpapi.WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatalf("new client: %v", err)
	}
	return client
}

func TestLogin(t *testing.T) {
	t.Parallel()
	client := newClient(t)
	tests := []struct {
		name       string
		password   string
		wantStatus int
		wantCode   httpapi.ErrorCode
	}{
		{name: "right password", password: "demo", wantStatus: http.StatusOK},
		{name: "wrong password", password: "nope", wantStatus: http.StatusUnauthorized, wantCode: httpapi.ErrorCodeUnauthenticated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := client.LoginWithResponse(t.Context(), httpapi.Credentials{Username: "vanthu", Password: tt.password})
			if err != nil {
				t.Fatalf("login: %v", err)
			}
			if res.StatusCode() != tt.wantStatus {
				t.Fatalf("status = %d, want %d: %s", res.StatusCode(), tt.wantStatus, res.Body)
			}
			if tt.wantCode != "" {
				if res.JSON401 == nil || res.JSON401.Code != tt.wantCode {
					t.Errorf("error body = %s, want code %s", res.Body, tt.wantCode)
				}
				return
			}
			if res.JSON200 == nil || res.JSON200.Token == "" || res.JSON200.User.Role != httpapi.RoleClerk {
				t.Errorf("session = %s, want a token for a clerk", res.Body)
			}
		})
	}
}

func multipartUpload(t *testing.T, metadata string, file []byte) (string, io.Reader) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="metadata"`)
	h.Set("Content-Type", "application/json")
	part, err := w.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(part, metadata); err != nil {
		t.Fatal(err)
	}
	fw, err := w.CreateFormFile("file", "qd.pdf")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write(file); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.FormDataContentType(), &buf
}

func TestCreateDocument(t *testing.T) {
	t.Parallel()
	client := newClient(t)
	sum := sha256.Sum256(samplePDF)
	metadata := `{"kind":"QUYET_DINH","subject":"Quyết định phê duyệt","urgency":"THUONG","confidentiality":"NONE"}`
	tests := []struct {
		name       string
		metadata   string
		file       []byte
		wantStatus int
		wantCode   httpapi.ErrorCode
	}{
		{name: "a PDF with metadata", metadata: metadata, file: samplePDF, wantStatus: http.StatusCreated},
		{name: "metadata that is not JSON", metadata: "kind=QUYET_DINH", file: samplePDF, wantStatus: http.StatusBadRequest, wantCode: httpapi.ErrorCodeInvalidArgument},
		{name: "an empty file", metadata: metadata, file: nil, wantStatus: http.StatusUnprocessableEntity, wantCode: httpapi.ErrorCodeEmptyFile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			contentType, body := multipartUpload(t, tt.metadata, tt.file)
			res, err := client.CreateDocumentWithBodyWithResponse(t.Context(), contentType, body)
			if err != nil {
				t.Fatalf("create document: %v", err)
			}
			if res.StatusCode() != tt.wantStatus {
				t.Fatalf("status = %d, want %d: %s", res.StatusCode(), tt.wantStatus, res.Body)
			}
			switch tt.wantStatus {
			case http.StatusCreated:
				if res.JSON201 == nil || res.JSON201.SHA256 != hex.EncodeToString(sum[:]) || res.JSON201.ArrivalNumber != 12 {
					t.Errorf("summary = %s, want arrival number 12 and the file's digest", res.Body)
				}
				if res.HTTPResponse.Header.Get("Location") != "/v1/documents/doc-1" {
					t.Errorf("Location = %q", res.HTTPResponse.Header.Get("Location"))
				}
			case http.StatusBadRequest:
				if res.JSON400 == nil || res.JSON400.Code != tt.wantCode {
					t.Errorf("error body = %s, want code %s", res.Body, tt.wantCode)
				}
			case http.StatusUnprocessableEntity:
				if res.JSON422 == nil || res.JSON422.Code != tt.wantCode {
					t.Errorf("error body = %s, want code %s", res.Body, tt.wantCode)
				}
			}
		})
	}
}

func TestGetDocumentContent(t *testing.T) {
	t.Parallel()
	client := newClient(t)
	for _, c := range []struct {
		params *httpapi.GetDocumentContentParams
		want   string
	}{
		{nil, "issued"},
		{&httpapi.GetDocumentContentParams{}, "issued"},
		{&httpapi.GetDocumentContentParams{Version: httpapi.DocumentVersionOriginal}, "original"},
	} {
		res, err := client.GetDocumentContentWithResponse(t.Context(), "doc-1", c.params)
		if err != nil {
			t.Fatalf("get content: %v", err)
		}
		if res.StatusCode() != http.StatusOK || !bytes.Equal(res.Body, samplePDF) {
			t.Fatalf("status %d, %d bytes; want 200 with the PDF", res.StatusCode(), len(res.Body))
		}
		h := res.HTTPResponse.Header
		if ct := h.Get("Content-Type"); ct != "application/pdf" {
			t.Errorf("Content-Type = %q, want application/pdf", ct)
		}
		if v, cd := h.Get("Docflow-Version"), h.Get("Content-Disposition"); v != c.want || cd != `attachment; filename="doc-1-`+c.want+`.pdf"` {
			t.Errorf("params %+v: Docflow-Version %q, Content-Disposition %q, want the %s version", c.params, v, cd, c.want)
		}
	}

	res, err := client.GetDocumentContentWithResponse(t.Context(), "missing", nil)
	if err != nil {
		t.Fatalf("get content: %v", err)
	}
	if res.JSON404 == nil || res.JSON404.Code != httpapi.ErrorCodeNotFound {
		t.Errorf("status %d body %s, want 404 not_found", res.StatusCode(), res.Body)
	}
}

func TestListInboxPassesPaging(t *testing.T) {
	t.Parallel()
	client := newClient(t)
	size := 5
	res, err := client.ListInboxWithResponse(t.Context(), &httpapi.ListInboxParams{PageSize: &size, PageToken: "abc"})
	if err != nil {
		t.Fatalf("list inbox: %v", err)
	}
	if res.JSON200 == nil || len(res.JSON200.Items) != 1 || res.JSON200.NextPageToken != "size=5,after=abc" {
		t.Errorf("status %d body %s, want one task and the paging echoed", res.StatusCode(), res.Body)
	}
}

func TestDecideTask(t *testing.T) {
	t.Parallel()
	client := newClient(t)
	res, err := client.DecideTaskWithResponse(t.Context(), "task-1", httpapi.DecisionRequest{Decision: httpapi.DecisionApprove, Comment: "Đồng ý"})
	if err != nil {
		t.Fatalf("decide: %v", err)
	}
	if res.JSON200 == nil || res.JSON200.Decision != httpapi.DecisionApprove || res.JSON200.TaskID != "task-1" {
		t.Errorf("status %d body %s, want the approval recorded", res.StatusCode(), res.Body)
	}

	res, err = client.DecideTaskWithResponse(t.Context(), "task-closed", httpapi.DecisionRequest{Decision: httpapi.DecisionReject})
	if err != nil {
		t.Fatalf("decide: %v", err)
	}
	if res.JSON409 == nil || res.JSON409.Code != httpapi.ErrorCodeTaskClosed {
		t.Errorf("status %d body %s, want 409 task_closed", res.StatusCode(), res.Body)
	}
}

func TestGetRegister(t *testing.T) {
	t.Parallel()
	client := newClient(t)
	from := openapi_types.Date{Time: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	res, err := client.GetRegisterWithResponse(t.Context(), httpapi.RegisterNameIncoming,
		&httpapi.GetRegisterParams{Year: 2026, From: from, Format: httpapi.RegisterFormatCsv})
	if err != nil {
		t.Fatalf("get register: %v", err)
	}
	if res.StatusCode() != http.StatusOK || string(res.Body) != "\uFEFFNgày đến,Số đến\r\n01/03/2026,1\r\n" {
		t.Fatalf("status %d body %q, want the CSV with the from date passed through", res.StatusCode(), res.Body)
	}
	if ct := res.HTTPResponse.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	if cd := res.HTTPResponse.Header.Get("Content-Disposition"); cd != `attachment; filename="so-van-ban-den-2026.csv"` {
		t.Errorf("Content-Disposition = %q", cd)
	}

	res, err = client.GetRegisterWithResponse(t.Context(), httpapi.RegisterNameOutgoing, &httpapi.GetRegisterParams{Year: 2026})
	if err != nil {
		t.Fatalf("get register: %v", err)
	}
	if res.JSON400 == nil || res.JSON400.Details["register"] == "" {
		t.Errorf("status %d body %s, want 400 naming the register", res.StatusCode(), res.Body)
	}
}

func TestGetAgencyDates(t *testing.T) {
	t.Parallel()
	client := newClient(t)
	res, err := client.GetAgencyWithResponse(t.Context(), "000.00.00.G22", &httpapi.GetAgencyParams{})
	if err != nil {
		t.Fatalf("get agency: %v", err)
	}
	a := res.JSON200
	if a == nil || a.ID != "000.00.00.G22" || a.Token != "000_00_00_G22" || a.ValidFrom == nil || a.ValidFrom.String() != "2025-03-01" || a.ValidUntil != nil {
		t.Errorf("status %d body %s, want the agency valid from 2025-03-01 with no end", res.StatusCode(), res.Body)
	}
	if strings.Contains(string(res.Body), "valid_until") {
		t.Errorf("an open-ended agency carries valid_until: %s", res.Body)
	}
}
