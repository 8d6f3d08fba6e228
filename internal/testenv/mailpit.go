package testenv

import (
	"context"
	"encoding/json"
	"fmt"
	"go/build"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Mailpit is a running mailpit (a test SMTP server with an HTTP API) owned
// by one test. It is killed in t.Cleanup.
type Mailpit struct {
	smtpPort int
	apiURL   string // http://127.0.0.1:Q
	out      *syncBuffer
	proc     *process
}

// Message is a mail that mailpit received.
type Message struct {
	ID      string
	From    string   // address only
	To      []string // addresses only
	Subject string
	Text    string // decoded plain-text body
}

// Link returns the first whitespace-separated token of the text body that
// starts with prefix, with trailing punctuation (.,;:>)") removed, or "".
func (m Message) Link(prefix string) string {
	for _, tok := range strings.Fields(m.Text) {
		tok = strings.TrimLeft(tok, "<(\"")
		if strings.HasPrefix(tok, prefix) {
			return strings.TrimRight(tok, ".,;:>)\"")
		}
	}
	return ""
}

// MailpitPath returns the mailpit binary to use: RATHAUS_TEST_MAILPIT, else
// $(go env GOPATH)/bin/mailpit, else "" .
func MailpitPath() string {
	if p := os.Getenv(EnvMailpit); p != "" {
		return p
	}
	for _, dir := range gopathBins() {
		p := filepath.Join(dir, "mailpit")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
	}
	return ""
}

func gopathBins() []string {
	var dirs []string
	if gobin := os.Getenv("GOBIN"); gobin != "" {
		dirs = append(dirs, gobin)
	}
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		for _, p := range filepath.SplitList(strings.TrimSpace(string(out))) {
			dirs = append(dirs, filepath.Join(p, "bin"))
		}
	}
	for _, p := range filepath.SplitList(build.Default.GOPATH) {
		dirs = append(dirs, filepath.Join(p, "bin"))
	}
	return dirs
}

// StartMailpit starts mailpit on free loopback ports (a func cannot share the
// name of the type Mailpit, hence Start…) and waits until its API
// and SMTP port answer. It skips (or fails, see [RequireAll]) when there is no
// mailpit binary; install it with `go install github.com/axllent/mailpit@v1.33.1`.
func StartMailpit(t testing.TB) *Mailpit {
	t.Helper()
	bin := MailpitPath()
	if bin == "" {
		Skip(t, "mailpit not found (go install github.com/axllent/mailpit@v1.33.1, or set "+EnvMailpit+")")
		return nil
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("testenv: mailpit binary: %v", err)
	}
	dir := t.TempDir()

	// A free port can be taken between FreePort and mailpit's bind; retry.
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		m, err := startMailpit(t, bin, dir, attempt)
		if err == nil {
			t.Cleanup(func() {
				m.proc.kill()
				if t.Failed() {
					t.Logf("mailpit output:\n%s", m.out.String())
				}
			})
			return m
		}
		lastErr = err
	}
	t.Fatalf("testenv: start mailpit: %v", lastErr)
	return nil
}

func startMailpit(t testing.TB, bin, dir string, attempt int) (*Mailpit, error) {
	smtpPort, httpPort := FreePort(t), FreePort(t)
	out := &syncBuffer{}
	cmd := exec.Command(bin,
		"--smtp", "127.0.0.1:"+strconv.Itoa(smtpPort),
		"--listen", "127.0.0.1:"+strconv.Itoa(httpPort),
		"--database", filepath.Join(dir, fmt.Sprintf("mailpit-%d.db", attempt)),
		"--disable-version-check",
		"--smtp-disable-rdns",
	)
	proc, err := startProcess(cmd, out)
	if err != nil {
		return nil, err
	}
	m := &Mailpit{
		smtpPort: smtpPort,
		apiURL:   "http://127.0.0.1:" + strconv.Itoa(httpPort),
		out:      out,
		proc:     proc,
	}
	fail := func(err error) (*Mailpit, error) {
		proc.kill()
		return nil, fmt.Errorf("%w\n%s", err, out.String())
	}
	if err := waitHTTP(proc, m.apiURL+"/readyz", 20*time.Second); err != nil {
		return fail(err)
	}
	if err := waitTCP(proc, "127.0.0.1:"+strconv.Itoa(smtpPort), 10*time.Second); err != nil {
		return fail(err)
	}
	return m, nil
}

func waitTCP(p *process, addr string, timeout time.Duration) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("process exited before %s accepted connections: %v", addr, p.err)
		case <-deadline.C:
			return fmt.Errorf("%s did not accept connections within %s: %v", addr, timeout, err)
		case <-tick.C:
		}
	}
}

// SMTPAddr returns where mailpit accepts SMTP (plain, no TLS, no auth).
func (m *Mailpit) SMTPAddr() (host string, port int) { return "127.0.0.1", m.smtpPort }

// APIURL returns the base URL of mailpit's web UI and HTTP API.
func (m *Mailpit) APIURL() string { return m.apiURL }

// Output returns what mailpit printed so far.
func (m *Mailpit) Output() string { return m.out.String() }

// API types: only the fields this package reads of
// GET /api/v1/messages and GET /api/v1/message/{ID}.
type apiAddress struct {
	Name    string
	Address string
}

type apiSummary struct {
	ID      string
	From    *apiAddress
	To      []apiAddress
	Subject string
}

type apiList struct {
	Total    int          `json:"total"`
	Messages []apiSummary `json:"messages"`
}

type apiMessage struct {
	ID      string
	From    *apiAddress
	To      []apiAddress
	Subject string
	Text    string
}

func (m *Mailpit) getJSON(ctx context.Context, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.apiURL+path, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

func (m *Mailpit) list(ctx context.Context) ([]apiSummary, error) {
	var l apiList
	if err := m.getJSON(ctx, "/api/v1/messages?limit=1000", &l); err != nil {
		return nil, err
	}
	return l.Messages, nil
}

func (m *Mailpit) message(ctx context.Context, id string) (Message, error) {
	var am apiMessage
	if err := m.getJSON(ctx, "/api/v1/message/"+url.PathEscape(id), &am); err != nil {
		return Message{}, err
	}
	msg := Message{ID: am.ID, Subject: am.Subject, Text: am.Text}
	if am.From != nil {
		msg.From = am.From.Address
	}
	for _, a := range am.To {
		msg.To = append(msg.To, a.Address)
	}
	return msg, nil
}

// Messages returns every message mailpit holds, newest first, with bodies.
func (m *Mailpit) Messages(t testing.TB) []Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sums, err := m.list(ctx)
	if err != nil {
		t.Fatalf("testenv: mailpit list messages: %v", err)
	}
	msgs := make([]Message, 0, len(sums))
	for _, s := range sums {
		msg, err := m.message(ctx, s.ID)
		if err != nil {
			t.Fatalf("testenv: mailpit message %s: %v", s.ID, err)
		}
		msgs = append(msgs, msg)
	}
	return msgs
}

// WaitFor polls mailpit until a message to the address to (case-insensitive)
// whose subject contains subjectContains arrives, and returns it with its
// body. It fails the test after timeout, listing what did arrive.
func (m *Mailpit) WaitFor(t testing.TB, to, subjectContains string, timeout time.Duration) Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var seen []apiSummary
	var lastErr error
	for {
		sums, err := m.list(ctx)
		if err == nil {
			seen = sums
			for _, s := range sums {
				if matches(s, to, subjectContains) {
					msg, err := m.message(ctx, s.ID)
					if err != nil {
						t.Fatalf("testenv: mailpit message %s: %v", s.ID, err)
					}
					return msg
				}
			}
		} else {
			lastErr = err
		}
		select {
		case <-ctx.Done():
			var b strings.Builder
			for _, s := range seen {
				fmt.Fprintf(&b, "\n  to=%v subject=%q", addrs(s.To), s.Subject)
			}
			t.Fatalf("testenv: no mail to %q with subject containing %q within %s (last API error: %v); mailpit has %d message(s):%s",
				to, subjectContains, timeout, lastErr, len(seen), b.String())
			return Message{}
		case <-tick.C:
		}
	}
}

func matches(s apiSummary, to, subjectContains string) bool {
	if !strings.Contains(s.Subject, subjectContains) {
		return false
	}
	for _, a := range s.To {
		if strings.EqualFold(a.Address, to) {
			return true
		}
	}
	return false
}

func addrs(as []apiAddress) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.Address
	}
	return out
}
