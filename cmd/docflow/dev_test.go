package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/docflow/docflow/services/stack/stacktest"
)

// devRun starts `docflow dev` on dir and returns the API address from its
// banner and a stop function that acts like Ctrl-C and returns its output.
func devRun(t *testing.T, dir string) (string, func() string) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	out := &stacktest.Buffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"dev", "-dir", dir, "-headless", "-free-ports"}, func(string) string { return "" }, out, out)
	}()
	deadline := time.After(5 * time.Minute)
	for !strings.Contains(out.String(), "Press Ctrl-C to stop.") {
		select {
		case err := <-done:
			cancel()
			t.Fatalf("docflow dev ended early: %v\n%s", err, out)
		case <-deadline:
			cancel()
			t.Fatalf("docflow dev did not come up:\n%s", out)
		case <-time.After(100 * time.Millisecond):
		}
	}
	m := regexp.MustCompile(`Web and API\s+(http://127\.0\.0\.1:\d+)`).FindStringSubmatch(out.String())
	if m == nil {
		cancel()
		t.Fatalf("no API address in the banner:\n%s", out)
	}
	stopped := false
	stop := func() string {
		if stopped {
			return out.String()
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("docflow dev after Ctrl-C: %v\n%s", err, out)
			}
		case <-time.After(time.Minute):
			t.Errorf("docflow dev did not stop within a minute:\n%s", out)
		}
		return out.String()
	}
	t.Cleanup(func() { stop() })
	return m[1], stop
}

func TestDevStartsPrintsStopsAndKeepsData(t *testing.T) {
	dir := t.TempDir()
	api, stop := devRun(t, dir)
	token := login(t, api, "vanthu")
	first := uploadPDF(t, api, token)
	if first.ArrivalNumber != 1 {
		t.Fatalf("first document: %+v", first)
	}
	// The second hosted agency numbers its incoming documents on its own.
	if qn := uploadPDF(t, api, login(t, api, "qn.vanthu")); qn.ArrivalNumber != 1 {
		t.Fatalf("first document of the second agency: %+v", qn)
	}
	out := stop()
	for _, want := range []string{
		"Web and API", "NATS", "S3 storage", "Trust services",
		"vanthu", "chuyenvien1", "chuyenvien2", "lanhdao", "luutru", `password "demo"`,
		"000.00.00.H49  UBND tỉnh Quảng Ninh (bản thử nghiệm)", "qn.vanthu", "qn.chuyenvien", "qn.lanhdao", "qn.luutru",
		"Stopped. The data is kept",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	// The next start carries on from the same data.
	api, stop = devRun(t, dir)
	token = login(t, api, "vanthu")
	if second := uploadPDF(t, api, token); second.ArrivalNumber != 2 {
		t.Fatalf("after a restart the next arrival number is %d, want 2", second.ArrivalNumber)
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, api+"/v1/documents/"+first.ID, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the first run's document after a restart: %s", resp.Status)
	}
	stop()
}

func login(t *testing.T, api, user string) string {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, api+"/v1/auth/login",
		strings.NewReader(fmt.Sprintf(`{"username":%q,"password":"demo"}`, user)))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var s struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil || s.Token == "" {
		t.Fatalf("login %s: %s %v", user, resp.Status, err)
	}
	return s.Token
}

type summary struct {
	ID            string `json:"id"`
	ArrivalNumber int64  `json:"arrival_number"`
}

func uploadPDF(t *testing.T, api, token string) summary {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("metadata", `{"kind":"CONG_VAN","subject":"Công văn thử nghiệm","urgency":"THUONG","confidentiality":"NONE"}`)
	fw, _ := mw.CreateFormFile("file", "cv.pdf")
	_, _ = io.Copy(fw, bytes.NewReader(stacktest.TextPDF()))
	_ = mw.Close()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, api+"/v1/documents", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, _ := io.ReadAll(resp.Body)
	var s summary
	if resp.StatusCode != http.StatusCreated || json.Unmarshal(raw, &s) != nil {
		t.Fatalf("upload: %s %s", resp.Status, raw)
	}
	return s
}
