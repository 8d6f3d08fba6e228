package web_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/rathaus-egov/rathaus/internal/apptest"
)

// TestAccountExport: a citizen downloads everything stored about them, including what they
// filed; the download is audited; nobody else's submissions are in it.
func TestAccountExport(t *testing.T) {
	f := newFixture(t, apptest.NewSQLite(t))
	r := f.sessions["citizen"].Get("/konto/export")
	var out struct {
		Email       string `json:"email"`
		Submissions []struct {
			Reference string          `json:"reference"`
			Data      json.RawMessage `json:"data"`
		} `json:"submissions"`
		Drafts []any `json:"drafts"`
	}
	if err := json.Unmarshal([]byte(r.Body), &out); err != nil || r.Status != 200 {
		t.Fatalf("export: %d %v", r.Status, err)
	}
	if out.Email != "citizen@example.org" || len(out.Submissions) != 1 || !strings.Contains(string(out.Submissions[0].Data), `"art":"anmeldung"`) || out.Drafts == nil {
		t.Fatalf("export content: %s", r.Body)
	}
	if !strings.Contains(r.Header.Get("Content-Disposition"), "attachment") {
		t.Error("not offered as a download")
	}
	audits, _ := f.app.DB.ListAudit(t.Context(), "", 20)
	found := false
	for _, e := range audits {
		found = found || e.Action == "account.export"
	}
	if !found {
		t.Error("export not audited")
	}
}
