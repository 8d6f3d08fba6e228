package hub_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/rathaus-egov/rathaus/internal/apptest"
	"github.com/rathaus-egov/rathaus/internal/connector"
	"github.com/rathaus-egov/rathaus/internal/gewerbe"
	"github.com/rathaus-egov/rathaus/internal/identity"
	"github.com/rathaus-egov/rathaus/internal/recipient"
	"github.com/rathaus-egov/rathaus/internal/sqlstore"
)

const (
	dresden = gewerbe.SampleFiledWith
	leipzig = "14713000"
	secret  = "recipient-hmac-secret-0123456789"
)

var leistungen = map[string]string{"anmeldung": "99050012104000", "ummeldung": "99050012105000", "abmeldung": "99050012106000"}

type subView struct {
	ID        string `json:"id"`
	Reference string `json:"reference"`
	Art       string `json:"art"`
	Data      json.RawMessage
	Routing   []struct {
		Kind     string `json:"kind"`
		Selected bool   `json:"selected"`
		Rule     string `json:"rule"`
		Reason   string `json:"reason"`
	} `json:"routing"`
	Deliveries []struct {
		ID        string `json:"id"`
		Recipient struct {
			Kind string `json:"kind"`
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"recipient"`
		Connector     string  `json:"connector"`
		Status        string  `json:"status"`
		Attempts      int     `json:"attempts"`
		NextAttemptAt *string `json:"nextAttemptAt"`
		LastError     string  `json:"lastError"`
		DeliveredAt   *string `json:"deliveredAt"`
		Message       string  `json:"message"`
	} `json:"deliveries"`
	Progress struct {
		Delivered int    `json:"delivered"`
		Total     int    `json:"total"`
		Text      string `json:"text"`
	} `json:"progress"`
	Rueckmeldung *struct {
		Status             string `json:"status"`
		FromAGS            string `json:"fromAGS"`
		ToAGS              string `json:"toAGS"`
		FromReference      string `json:"fromReference"`
		AbmeldungReference string `json:"abmeldungReference"`
	} `json:"rueckmeldung"`
}

func bearer(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }

// file submits a notice through the API and returns the submission id.
func file(t testing.TB, app *apptest.App, tok, ags string, data []byte) string {
	t.Helper()
	var a struct{ Art string }
	if err := json.Unmarshal(data, &a); err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf(`{"leistung":%q,"ags":%q,"data":%s}`, leistungen[a.Art], ags, data)
	r := app.Client().Do("POST", "/api/v1/submissions", "application/json", body, bearer(tok))
	if r.Status != 201 {
		t.Fatalf("submit: %d %s", r.Status, r.Body)
	}
	var s struct{ ID string }
	if err := json.Unmarshal([]byte(r.Body), &s); err != nil {
		t.Fatal(err)
	}
	return s.ID
}

func view(t testing.TB, app *apptest.App, tok, id string) subView {
	t.Helper()
	r := app.Client().Do("GET", "/api/v1/submissions/"+id, "", "", bearer(tok))
	if r.Status != 200 {
		t.Fatalf("get %s: %d %s", id, r.Status, r.Body)
	}
	var v subView
	if err := json.Unmarshal([]byte(r.Body), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// setAll points every recipient at one connector and endpoint.
func setAll(t testing.TB, app *apptest.App, conn recipient.Connector, endpoint string) {
	t.Helper()
	ctx := context.Background()
	all, err := app.DB.ListRecipients(ctx)
	if err != nil {
		t.Fatal(err)
	}
	err = app.DB.InTx(ctx, func(tx *sqlstore.Tx) error {
		for i := range all {
			r := all[i]
			r.Connector, r.Endpoint, r.Secret = conn, endpoint, secret
			if conn == recipient.ConnectorSMTP {
				r.Endpoint = r.ID + "@empfaenger.example"
			}
			if errs := r.Validate(); len(errs) > 0 {
				return fmt.Errorf("%s: %v", r.ID, errs)
			}
			if err := sqlstore.SaveRecipient(ctx, tx, &r, app.Clock()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// pushTimeout makes HTTP pushes of the app give up after d.
func pushTimeout(app *apptest.App, d time.Duration) {
	mux := app.Platform.Hub.Connector.(*connector.Mux)
	mux.HTTP = &connector.HTTPPush{Timeout: d, Now: app.Clock}
}

// inboxToken creates a token with scope inbox bound to the recipient.
func inboxToken(t testing.TB, app *apptest.App, recipientID string) string {
	t.Helper()
	ctx := context.Background()
	sec, hash := identity.NewSecret(identity.TokenPrefix)
	tok := &identity.Token{Name: "inbox", Scopes: []identity.Scope{identity.ScopeInbox}}
	err := app.DB.InTx(ctx, func(tx *sqlstore.Tx) error {
		if err := sqlstore.CreateToken(ctx, tx, tok, hash, app.Clock()); err != nil {
			return err
		}
		return sqlstore.BindRecipientToken(ctx, tx, tok.ID, recipientID, app.Clock())
	})
	if err != nil {
		t.Fatal(err)
	}
	return sec
}

// recipientServer is a real HTTP recipient on loopback. It checks the signature, applies each
// message once (deduplicating by Idempotency-Key) and counts effects, not requests. Its
// behaviour per request is decided by a test-provided function.
type recipientServer struct {
	t       testing.TB
	now     func() time.Time
	addr    string
	mu      sync.Mutex
	srv     *http.Server
	applied map[string]int    // idempotency key → effects
	bodies  map[string][]byte // idempotency key → body applied
	reqs    int
	badSig  int
	torn    int // requests whose body broke off (sender killed)
	// behave decides what request n (1-based) gets; nil: apply and answer 200.
	behave func(n int, already bool) behaviour
	wg     sync.WaitGroup
}

type behaviour int

const (
	okApply       behaviour = iota // apply, 200
	fail503                        // 503, nothing applied
	applyThen500                   // apply, then 500 (the acknowledgement is lost)
	hang                           // answer nothing until the client gives up, nothing applied
	applyThenHang                  // apply, then hang (the client times out)
	slowApply                      // wait a little, apply, 200
)

func newRecipientServer(t testing.TB, now func() time.Time) *recipientServer {
	rs := &recipientServer{t: t, now: now, applied: map[string]int{}, bodies: map[string][]byte{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rs.addr = ln.Addr().String()
	rs.serve(ln)
	t.Cleanup(rs.Stop)
	return rs
}

func (rs *recipientServer) URL() string { return "http://" + rs.addr + "/gewerbeanzeigen" }

func (rs *recipientServer) serve(ln net.Listener) {
	srv := &http.Server{Handler: http.HandlerFunc(rs.handle)}
	rs.mu.Lock()
	rs.srv = srv
	rs.mu.Unlock()
	rs.wg.Add(1)
	go func() { defer rs.wg.Done(); _ = srv.Serve(ln) }()
}

// Stop closes the listener and every connection: new attempts are refused.
func (rs *recipientServer) Stop() {
	rs.mu.Lock()
	srv := rs.srv
	rs.srv = nil
	rs.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
	rs.wg.Wait()
}

// Start listens again on the same address.
func (rs *recipientServer) Start() {
	ln, err := net.Listen("tcp", rs.addr)
	if err != nil {
		rs.t.Fatalf("relisten %s: %v", rs.addr, err)
	}
	rs.serve(ln)
}

func (rs *recipientServer) handle(w http.ResponseWriter, r *http.Request) {
	body := make([]byte, 0, 4096)
	buf := make([]byte, 4096)
	var readErr error
	for {
		n, err := r.Body.Read(buf)
		body = append(body, buf[:n]...)
		if err != nil {
			readErr = err
			break
		}
	}
	if readErr != io.EOF {
		// The sender died in the middle of the request (SIGKILL in the kill tests): a torn
		// body is neither applied nor a signature failure; nobody reads the answer.
		rs.mu.Lock()
		rs.torn++
		rs.mu.Unlock()
		http.Error(w, "incomplete request", http.StatusBadRequest)
		return
	}
	key := r.Header.Get(connector.HeaderIdempotencyKey)
	if err := connector.Verify(secret, r.Header.Get(connector.HeaderTimestamp), r.Header.Get(connector.HeaderSignature), body, rs.now(), 5*time.Minute); err != nil || key == "" {
		rs.mu.Lock()
		rs.badSig++
		rs.mu.Unlock()
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	rs.mu.Lock()
	rs.reqs++
	n := rs.reqs
	_, already := rs.applied[key]
	b := okApply
	if rs.behave != nil {
		b = rs.behave(n, already)
	}
	rs.mu.Unlock()
	apply := func() {
		rs.mu.Lock()
		defer rs.mu.Unlock()
		if _, ok := rs.applied[key]; ok {
			if string(rs.bodies[key]) != string(body) {
				rs.t.Errorf("message %s arrived again with different bytes", key)
			}
			return // a duplicate: acknowledged, not applied again
		}
		rs.applied[key]++
		rs.bodies[key] = body
	}
	switch b {
	case fail503:
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
	case applyThen500:
		apply()
		http.Error(w, "database hiccup after commit", http.StatusInternalServerError)
	case hang:
		<-r.Context().Done()
	case applyThenHang:
		apply()
		<-r.Context().Done()
	case slowApply:
		select {
		case <-time.After(30 * time.Millisecond): // a slow but successful recipient
		case <-r.Context().Done():
			return
		}
		apply()
		w.WriteHeader(http.StatusAccepted)
	default:
		apply()
		w.WriteHeader(http.StatusOK)
	}
}

func (rs *recipientServer) effects() (keys, total int) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	for _, n := range rs.applied {
		keys++
		total += n
	}
	return keys, total
}

func (rs *recipientServer) requests() int {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return rs.reqs
}
