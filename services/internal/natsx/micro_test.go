package natsx_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/micro"
	"go.uber.org/zap/zaptest"

	"github.com/docflow/docflow/api/errcode"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/natsx"
	"github.com/docflow/docflow/services/internal/testkit"
)

type greeting struct {
	Name string `json:"name"`
}

type answer struct {
	Text string `json:"text"`
}

var (
	greet = svc.Endpoint[greeting, answer]{Subject: "docflow.svc.test.greet.politely"}
	// wrong sends to greet what greet does not take.
	wrong = svc.Endpoint[[]int, answer](greet)
	// nobody has no service behind it.
	nobody = svc.Endpoint[greeting, answer]{Subject: "docflow.svc.absent.greet"}
)

func TestServeAndCall(t *testing.T) {
	t.Parallel()
	nts := testkit.NATS(t)
	called := make(chan greeting, 10)
	srv, err := natsx.Serve(nts.Conn, "test", "greets", zaptest.NewLogger(t),
		natsx.Handle(greet, func(_ context.Context, req greeting) (answer, error) {
			called <- req
			if req.Name == "" {
				return answer{}, errs.E("greet", errs.Invalid, errcode.InvalidArgument, "say whom to greet").WithDetail("name", "required")
			}
			return answer{Text: "xin chào " + req.Name}, nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop() })

	t.Run("the reply decodes into the endpoint's reply type", func(t *testing.T) {
		got, err := natsx.Call(t.Context(), nts.Conn, greet, greeting{Name: "Lan"})
		if err != nil || got.Text != "xin chào Lan" {
			t.Errorf("Call = %+v, %v; want the greeting", got, err)
		}
		if req := <-called; req.Name != "Lan" {
			t.Errorf("handler got %+v", req)
		}
	})

	t.Run("the service's refusal keeps its code, message and details", func(t *testing.T) {
		_, err := natsx.Call(t.Context(), nts.Conn, greet, greeting{})
		<-called
		var e *errs.Error
		if !errors.As(err, &e) || e.Code != errcode.InvalidArgument || e.Message != "say whom to greet" || e.Details["name"] != "required" {
			t.Fatalf("Call = %v, want the handler's refusal", err)
		}
		if errs.KindOf(err) != errs.Invalid || errs.HTTPStatus(err) != 400 {
			t.Errorf("kind %v, status %d; want Invalid, 400", errs.KindOf(err), errs.HTTPStatus(err))
		}
	})

	t.Run("a request that does not decode is refused before the handler", func(t *testing.T) {
		_, err := natsx.Call(t.Context(), nts.Conn, wrong, []int{1})
		var e *errs.Error
		if !errors.As(err, &e) || e.Code != errcode.InvalidArgument || errs.KindOf(err) != errs.Invalid {
			t.Fatalf("Call = %v, want invalid_argument", err)
		}
		for _, want := range []string{"the request to docflow.svc.test.greet.politely is not valid JSON", "cannot unmarshal array"} {
			if !strings.Contains(e.Message, want) {
				t.Errorf("message %q does not say %q", e.Message, want)
			}
		}
		select {
		case req := <-called:
			t.Errorf("handler called with %+v", req)
		default:
		}
	})

	t.Run("the error goes back as micro error headers with the errcode body", func(t *testing.T) {
		msg, err := nts.Conn.RequestWithContext(t.Context(), greet.Subject, []byte("not JSON"))
		if err != nil {
			t.Fatal(err)
		}
		if got := msg.Header.Get(micro.ErrorCodeHeader); got != strconv.Itoa(400) {
			t.Errorf("error code header %q, want 400", got)
		}
		if !strings.Contains(string(msg.Data), `"code":"invalid_argument"`) {
			t.Errorf("body %s is not the errcode.Error", msg.Data)
		}
	})

	t.Run("the endpoint is listed under its name", func(t *testing.T) {
		info := srv.Info()
		if len(info.Endpoints) != 1 || info.Endpoints[0].Name != "greet-politely" || info.Endpoints[0].Subject != greet.Subject {
			t.Errorf("endpoints %+v, want greet-politely on %s", info.Endpoints, greet.Subject)
		}
		if info.Version != svc.Version {
			t.Errorf("version %s, want %s", info.Version, svc.Version)
		}
	})
}

func TestCallWithoutService(t *testing.T) {
	t.Parallel()
	nts := testkit.NATS(t)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	_, err := natsx.Call(ctx, nts.Conn, nobody, greeting{Name: "Lan"})
	var e *errs.Error
	if !errors.As(err, &e) || errs.KindOf(err) != errs.Unavailable || e.Code != errcode.Unavailable {
		t.Fatalf("Call = %v, want Unavailable", err)
	}
	if want := "the absent service did not answer"; !strings.Contains(e.Message, want) {
		t.Errorf("message %q does not say %q", e.Message, want)
	}
}

// A handler slower than its endpoint's timeout has its context cancelled.
func TestHandleTimeout(t *testing.T) {
	t.Parallel()
	nts := testkit.NATS(t)
	srv, err := natsx.Serve(nts.Conn, "test", "waits", zaptest.NewLogger(t),
		natsx.Handle(greet, func(ctx context.Context, _ greeting) (answer, error) {
			<-ctx.Done()
			return answer{}, errs.E("wait", errs.Unavailable, errcode.Unavailable, "gave up: "+ctx.Err().Error())
		}).WithTimeout(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop() })
	_, err = natsx.Call(t.Context(), nts.Conn, greet, greeting{Name: "Lan"})
	var e *errs.Error
	if !errors.As(err, &e) || e.Message != "gave up: context deadline exceeded" {
		t.Errorf("Call = %v, want the handler's answer once its deadline passed", err)
	}
}
