package connector

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rathaus-egov/rathaus/internal/delivery"
	"github.com/rathaus-egov/rathaus/internal/recipient"
)

func TestSignVerify(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	sig := Sign("geheim-geheim-geheim", "1800000000", []byte("<x/>"))
	if err := Verify("geheim-geheim-geheim", "1800000000", sig, []byte("<x/>"), now, time.Minute); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ secret, ts, body string }{{"anderes-geheimnis!", "1800000000", "<x/>"}, {"geheim-geheim-geheim", "1800000000", "<y/>"}} {
		if Verify(c.secret, c.ts, sig, []byte(c.body), now, time.Minute) == nil {
			t.Errorf("accepted %+v", c)
		}
	}
	if Verify("geheim-geheim-geheim", "1800000000", sig, []byte("<x/>"), now.Add(10*time.Minute), 5*time.Minute) == nil {
		t.Error("accepted an old timestamp")
	}
}

func TestHTTPPushClassifiesAnswers(t *testing.T) {
	for _, c := range []struct {
		status   int
		ok, perm bool
	}{{200, true, false}, {202, true, false}, {204, true, false}, {500, false, false}, {503, false, false}, {429, false, false}, {408, false, false},
		{400, false, true}, {401, false, true}, {404, false, true}, {301, false, true}} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get(HeaderIdempotencyKey) != "k" || r.Header.Get(HeaderSignature) == "" || r.Header.Get("Content-Type") != "application/xml" {
				w.WriteHeader(418)
				return
			}
			w.Header().Set("Location", "/elsewhere")
			w.WriteHeader(c.status)
		}))
		err := (&HTTPPush{}).Send(context.Background(), delivery.Message{IdempotencyKey: "k", ContentType: "application/xml", Body: []byte("<x/>")},
			delivery.Target{Connector: recipient.ConnectorHTTP, Endpoint: srv.URL, Secret: "0123456789abcdef"})
		srv.Close()
		if (err == nil) != c.ok || delivery.IsPermanent(err) != c.perm || (err != nil && delivery.HTTPStatusOf(err) != c.status) {
			t.Errorf("HTTP %d: err %v, permanent %v", c.status, err, delivery.IsPermanent(err))
		}
	}
	// A refused connection is retried.
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	err := (&HTTPPush{Timeout: time.Second}).Send(context.Background(), delivery.Message{Body: []byte("x")}, delivery.Target{Endpoint: url, Secret: "s"})
	if err == nil || delivery.IsPermanent(err) {
		t.Fatalf("refused: %v", err)
	}
}

func TestFolderDropIsAtomicAndIdempotent(t *testing.T) {
	dir := t.TempDir()
	m := delivery.Message{Filename: "GEW-1_ihk_u.xml", Body: []byte("<nachricht/>")}
	for i := 0; i < 2; i++ {
		if err := (Folder{}).Send(context.Background(), m, delivery.Target{Endpoint: dir}); err != nil {
			t.Fatal(err)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "GEW-1_ihk_u.xml" {
		t.Fatalf("folder holds %v", entries)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "GEW-1_ihk_u.xml")); string(b) != "<nachricht/>" {
		t.Fatal("content")
	}
	if err := (Folder{}).Send(context.Background(), m, delivery.Target{Endpoint: filepath.Join(dir, "missing")}); err == nil || delivery.IsPermanent(err) {
		t.Fatalf("missing folder: %v (must be retried)", err)
	}
}
