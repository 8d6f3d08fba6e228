package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rathaus-egov/rathaus/internal/apptest"
	"github.com/rathaus-egov/rathaus/internal/casework"
	"github.com/rathaus-egov/rathaus/internal/gewerbe"
	"github.com/rathaus-egov/rathaus/internal/identity"
	"github.com/rathaus-egov/rathaus/internal/routing"
	"github.com/rathaus-egov/rathaus/internal/sqlstore"
	"github.com/rathaus-egov/rathaus/internal/submission"
)

// Security matrix entries of the case work routes (see security_matrix_test.go). The fixture
// case belongs to the citizen's submission at the Gewerbeamt Dresden; its participation asks
// the Ordnungsamt Dresden, where none of the fixture's staff works.
func init() {
	tokensLogin := map[string]string{"anon": "login", "tsubmit": "login", "tread": "login", "tcases": "login", "tcasesother": "login"}
	with := func(m map[string]string) map[string]string {
		for k, v := range tokensLogin {
			if _, ok := m[k]; !ok {
				m[k] = v
			}
		}
		return m
	}
	for _, name := range []string{"cases", "participations"} {
		matrix[name] = with(map[string]string{"*": "404", "staff": "ok", "other": "ok", "admin": "ok"})
	}
	for _, name := range []string{"case", "case_assign", "case_status", "case_note", "case_ask", "case_message", "case_participate", "case_zoll", "case_close", "case_document", "case_file", "case_upload", "case_decision"} {
		matrix[name] = with(map[string]string{"*": "404", "staff": "ok", "admin": "ok"})
	}
	for _, name := range []string{"participation", "participation_answer", "participation_document"} {
		matrix[name] = with(map[string]string{"*": "404", "admin": "ok"})
	}
	// {fid} is an attachment of a message to the applicant: the participation route must not
	// serve it, not even to an admin.
	matrix["participation_file"] = with(map[string]string{"*": "404"})
	matrix["postfach"] = with(map[string]string{"*": "ok"})
	for _, name := range []string{"postfach_case", "postfach_reply", "postfach_decision", "postfach_file"} {
		matrix[name] = with(map[string]string{"*": "404", "citizen": "ok"})
	}
	matrix["api_cases"] = map[string]string{"*": "login", "tsubmit": "403", "tread": "403", "tcases": "ok", "tcasesother": "ok"}
	matrix["api_case"] = map[string]string{"*": "login", "tsubmit": "403", "tread": "403", "tcases": "ok", "tcasesother": "404"}
	matrix["api_case_transition"] = map[string]string{"*": "login", "tsubmit": "403", "tread": "403", "tcases": "ok", "tcasesother": "404"}
}

// caseFixture gives the case of submission sid a message with a file, a participation of the
// Ordnungsamt with all parts shared and an answer file, and a decision, and returns the ids
// for the security matrix's placeholders.
func caseFixture(t *testing.T, app *apptest.App, sid string) map[string]string {
	t.Helper()
	ctx := context.Background()
	c, err := app.DB.CaseBySubmission(ctx, sid)
	if err != nil {
		t.Fatalf("no case opened for the submission: %v", err)
	}
	svc := app.Platform.Casework
	now := app.Clock()
	a := casework.Actor{ID: "system", Name: "Test"}
	key, _ := app.Blobs.Put(ctx, []byte("Anlage"))
	msgFile := casework.File{ID: identity.NewID(), Filename: "anlage.txt", ContentType: "text/plain; charset=utf-8", BlobKey: key, Size: 6}
	ord, _ := app.DB.OfficeByKind(ctx, c.TenantAGS, "ordnungsamt")
	steps := []func() (*casework.Change, error){
		func() (*casework.Change, error) {
			return svc.AskApplicant(c, a, "Frage", now.AddDate(0, 0, 14), []casework.File{msgFile}, now)
		},
		func() (*casework.Change, error) { return svc.Reply(c, a, "Antwort", nil, now) },
		func() (*casework.Change, error) {
			return svc.RequestParticipation(c, a, casework.Office{AGS: c.TenantAGS, ID: c.OfficeID, Name: "Gewerbeamt"}, casework.Office{AGS: ord.TenantAGS, ID: ord.ID, Name: ord.Name},
				"Bedenken?", now.AddDate(0, 0, 14), casework.Parts, now)
		},
	}
	for _, step := range steps {
		ch, err := step()
		if err != nil {
			t.Fatal(err)
		}
		if err := app.DB.ApplyCaseChange(ctx, c, ch, "system", now, nil); err != nil {
			t.Fatal(err)
		}
	}
	ps, _ := app.DB.CaseParticipations(ctx, c.TenantAGS, c.ID)
	partFile := casework.File{ID: identity.NewID(), Filename: "stellungnahme.txt", ContentType: "text/plain; charset=utf-8", BlobKey: key, Size: 6}
	ch, err := svc.AnswerParticipation(c, &ps[0], ps, a, "Keine Bedenken", []casework.File{partFile}, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := app.DB.ApplyCaseChange(ctx, c, ch, "system", now, nil); err != nil {
		t.Fatal(err)
	}
	dec := &casework.Decision{Betreff: "Bescheid", BlobKey: key, Size: 6, Filename: "bescheid.pdf"}
	// A decision without closing the case, so the case's POST routes still act.
	dec.ID, dec.CaseID, dec.Result, dec.CreatedAt = identity.NewID(), c.ID, casework.Abgeschlossen, now
	if err := app.DB.ApplyCaseChange(ctx, c, &casework.Change{Decision: dec}, "system", now, nil); err != nil {
		t.Fatal(err)
	}
	// An upload of the application (linked to the submission as when it was filed).
	upload := &sqlstore.Attachment{ID: identity.NewID(), SubmissionID: sid, Field: "unterlagen.ausweis", Filename: "ausweis.pdf", ContentType: "application/pdf",
		BlobKey: key, Size: 6, CreatedAt: now}
	if err := app.DB.CreateAttachment(ctx, upload); err != nil {
		t.Fatal(err)
	}
	return map[string]string{"cid": c.ID, "pid": ps[0].ID, "did": dec.ID, "fid": msgFile.ID, "aid": upload.ID}
}

// fileAs files a Gewerbeanzeige through the platform's submit path (hooks included) for a
// user and, optionally, a business account.
func fileAs(t *testing.T, app *apptest.App, sample, userID, orgID string) (*submission.Submission, *casework.Case) {
	t.Helper()
	ctx := context.Background()
	raw := gewerbe.Sample(sample, app.Clock())
	var a gewerbe.Anzeige
	_ = json.Unmarshal(raw, &a)
	keys := map[gewerbe.Art]string{"anmeldung": "99050012104000", "ummeldung": "99050012105000", "abmeldung": "99050012106000"}
	o, _ := app.DB.OfficeByKind(ctx, dresden, "gewerbeamt")
	p, err := app.Platform.Submissions.Prepare(context.Background(), submission.Input{Leistung: keys[a.Art], AGS: dresden, Data: raw, UserID: userID, OrganisationID: orgID},
		submission.Office{ID: o.ID, TenantAGS: o.TenantAGS, Snapshot: submission.OfficeSnapshot{Name: o.Name, Ort: "Dresden", PLZ: "01067"}})
	if err != nil {
		t.Fatal(err)
	}
	sub, _, err := app.DB.Submit(ctx, p, nil, app.Server.SubmitHooks...)
	if err != nil {
		t.Fatal(err)
	}
	c, err := app.DB.CaseBySubmission(ctx, sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	return sub, c
}

// postMultipart posts a multipart form with files (name → content), taking the CSRF token
// from page.
func postMultipart(t *testing.T, c *apptest.Client, page, action string, fields map[string][]string, fileField string, files map[string]string) *apptest.Response {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("csrf_token", c.CSRF(page))
	for k, vs := range fields {
		for _, v := range vs {
			_ = w.WriteField(k, v)
		}
	}
	for name, content := range files {
		fw, _ := w.CreateFormFile(fileField, name)
		_, _ = fw.Write([]byte(content))
	}
	_ = w.Close()
	return c.Do("POST", action, w.FormDataContentType(), buf.String(), nil)
}

func wantStatus(t *testing.T, r *apptest.Response, status int, what string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: status %d, want %d\n%s", what, r.Status, status, r.Body)
	}
}

func caseOf(t *testing.T, app *apptest.App, id string) *casework.Case {
	t.Helper()
	c, err := app.DB.CaseByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func countAudit(t *testing.T, app *apptest.App, action, object string) int {
	t.Helper()
	var n int
	if err := app.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = ? AND object = ?`, action, object).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCaseWorkAcrossOffices(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, app *apptest.App) {
		ctx := context.Background()
		citizen := app.CreateUser("erika@example.org", identity.KindCitizen)
		app.CreateUser("nachbar@example.org", identity.KindCitizen)
		app.CreateStaff("gewerbe@dresden.example", dresden)
		ord, _ := app.DB.OfficeByKind(ctx, dresden, "ordnungsamt")
		app.CreateUser("ordnung@dresden.example", identity.KindStaff, identity.StaffRole{TenantAGS: dresden, OfficeID: ord.ID, Role: "sachbearbeitung"})
		app.CreateStaff("gewerbe@leipzig.example", "14713000")

		sub, c := fileAs(t, app, "anmeldung-gmbh", citizen.ID, "")
		if c.Status != casework.Eingegangen || c.Reference != sub.Reference || c.OfficeID == "" || c.TenantAGS != dresden {
			t.Fatalf("opened case: %+v", c)
		}
		if countAudit(t, app, "case.open", "case:"+c.ID) != 1 {
			t.Fatal("opening the case is not audited")
		}

		staff := app.Client()
		staff.Login("gewerbe@dresden.example")
		leipzig := app.Client()
		leipzig.Login("gewerbe@leipzig.example")
		ordnung := app.Client()
		ordnung.Login("ordnung@dresden.example")
		erika := app.Client()
		erika.Login("erika@example.org")
		nachbar := app.Client()
		nachbar.Login("nachbar@example.org")
		casePage := "/amt/vorgaenge/" + c.ID

		// Inbox: filters and search by reference and by name.
		for q, want := range map[string]bool{
			"": true, "?q=" + url.QueryEscape(sub.Reference[len(sub.Reference)-6:]): true, "?q=elbe+datenwerk": true, "?q=nichtda": false,
			"?status=eingegangen": true, "?status=abgelehnt": false, "?zustaendig=niemand": true, "?zustaendig=ich": false,
			"?alter=7": false, "?leistung=99050012104000": true, "?leistung=99050012106000": false,
		} {
			r := staff.Get("/amt/vorgaenge" + q)
			wantStatus(t, r, 200, "inbox"+q)
			if got := strings.Contains(r.Body, casePage); got != want {
				t.Errorf("inbox%s lists the case: %v, want %v", q, got, want)
			}
		}
		if countAudit(t, app, "case.list", "") == 0 {
			t.Error("inbox reads are not audited")
		}
		if r := leipzig.Get("/amt/vorgaenge"); strings.Contains(r.Body, c.ID) {
			t.Error("Leipzig's inbox lists a Dresden case")
		}
		// Isolation: staff of another municipality and of another office of the same one
		// get 404 for the case and everything in it.
		for _, p := range []string{casePage, casePage + "/dokumente/antrag.pdf"} {
			for who, cl := range map[string]*apptest.Client{"leipzig": leipzig, "ordnungsamt": ordnung, "citizen": erika} {
				if r := cl.Get(p); r.Status != 404 {
					t.Errorf("%s GET %s: %d", who, p, r.Status)
				}
			}
		}
		if r := leipzig.PostForm("/amt/vorgaenge", casePage+"/notiz", url.Values{"case_note": {"x"}}); r.Status != 404 {
			t.Errorf("Leipzig posts a note: %d", r.Status)
		}

		// The case page shows the data readably and is audited.
		r := staff.Get(casePage)
		wantStatus(t, r, 200, "case page")
		for _, s := range []string{"Elbe Datenwerk GmbH", "Wagner", "Betriebsstätte", "antrag.pdf"} {
			if !strings.Contains(r.Body, s) {
				t.Errorf("case page lacks %q", s)
			}
		}
		if countAudit(t, app, "case.read", "case:"+c.ID) == 0 {
			t.Error("staff read of the case not audited")
		}

		// Assignment to me.
		wantStatus(t, staff.PostForm(casePage, casePage+"/zuweisung", url.Values{"assignee": {"ich"}}), 303, "assign")
		if r := staff.Get("/amt/vorgaenge?zustaendig=ich"); !strings.Contains(r.Body, casePage) {
			t.Error("assigned case not under ?zustaendig=ich")
		}

		// Rückfrage: invalid input re-renders with field errors and changes nothing.
		r = postMultipart(t, staff, casePage, casePage+"/rueckfrage", map[string][]string{"question": {""}, "deadline": {"gestern"}}, "question_files", nil)
		wantStatus(t, r, 422, "empty Rückfrage")
		if !strings.Contains(r.Body, `href="#question"`) || !strings.Contains(r.Body, `href="#deadline"`) || caseOf(t, app, c.ID).Status != casework.Eingegangen {
			t.Error("invalid Rückfrage: no field errors or the case changed")
		}
		deadline := app.Clock().AddDate(0, 0, 14).Format("2006-01-02")
		r = postMultipart(t, staff, casePage, casePage+"/rueckfrage", map[string][]string{"question": {"Bitte senden Sie den Handelsregisterauszug."}, "deadline": {deadline}},
			"question_files", map[string]string{"hinweis.txt": "Merkblatt"})
		wantStatus(t, r, 303, "Rückfrage")
		if got := caseOf(t, app, c.ID); got.Status != casework.Rueckfrage || got.DueAt.IsZero() {
			t.Fatalf("after Rückfrage: %s due %v", got.Status, got.DueAt)
		}
		app.RunJobs()
		m, ok := app.Outbox.Last("erika@example.org")
		if !ok || m.Subject != "Neue Nachricht in Ihrem Postfach" || !strings.Contains(m.Text, "/postfach") {
			t.Fatalf("notification mail: %+v", m)
		}
		for _, personal := range []string{"Elbe", "Wagner", sub.Reference, "Handelsregister", "erika"} {
			if strings.Contains(m.Subject+m.Text, personal) {
				t.Errorf("notification mail contains %q", personal)
			}
		}

		// The citizen sees the case in the Postfach, reads the question and answers with an
		// attachment; the neighbour sees nothing.
		r = erika.Get("/postfach")
		if !strings.Contains(r.Body, "/postfach/"+c.ID) || !strings.Contains(r.Body, "Rückfrage offen") {
			t.Fatalf("Postfach: %s", r.Body)
		}
		if r := nachbar.Get("/postfach"); strings.Contains(r.Body, c.ID) {
			t.Error("another citizen's Postfach lists the case")
		}
		for _, p := range []string{"/postfach/" + c.ID, "/postfach/" + c.ID + "/dateien/x"} {
			if r := nachbar.Get(p); r.Status != 404 {
				t.Errorf("neighbour GET %s: %d", p, r.Status)
			}
		}
		r = erika.Get("/postfach/" + c.ID)
		if !strings.Contains(r.Body, "Handelsregisterauszug") || !strings.Contains(r.Body, "hinweis.txt") {
			t.Fatal("Postfach case page lacks the question or its attachment")
		}
		fileLink := regexp.MustCompile(`/postfach/` + c.ID + `/dateien/[0-9a-f]+`).FindString(r.Body)
		if d := erika.Get(fileLink); d.Status != 200 || d.Body != "Merkblatt" {
			t.Fatalf("attachment download: %d", d.Status)
		}
		r = postMultipart(t, erika, "/postfach/"+c.ID, "/postfach/"+c.ID+"/nachricht", map[string][]string{"reply": {"Anbei der Auszug."}}, "reply_files",
			map[string]string{"hrb.pdf": "%PDF-1.4 Auszug"})
		wantStatus(t, r, 303, "reply")
		if got := caseOf(t, app, c.ID); got.Status != casework.InBearbeitung {
			t.Fatalf("after the reply: %s", got.Status)
		}
		r = postMultipart(t, erika, "/postfach/"+c.ID, "/postfach/"+c.ID+"/nachricht", map[string][]string{"reply": {"x"}}, "reply_files", map[string]string{"virus.exe": "MZ\x90\x00\x03"})
		wantStatus(t, r, 422, "reply with an executable")
		r = staff.Get(casePage)
		if !strings.Contains(r.Body, "Anbei der Auszug.") || !strings.Contains(r.Body, "hrb.pdf") {
			t.Fatal("the office does not see the reply")
		}

		// Participation of the Ordnungsamt with only the business data shared.
		r = staff.PostForm(casePage, casePage+"/beteiligung", url.Values{"office_kind": {"ordnungsamt"}, "part_question": {"Bestehen ordnungsrechtliche Bedenken?"},
			"part_deadline": {app.Clock().AddDate(0, 0, 10).Format("2006-01-02")}, "parts": {"betriebsdaten"}})
		wantStatus(t, r, 303, "participation")
		if got := caseOf(t, app, c.ID); got.Status != casework.Beteiligung {
			t.Fatalf("after the participation: %s", got.Status)
		}
		r = ordnung.Get("/amt/beteiligungen")
		pl := regexp.MustCompile(`/amt/beteiligungen/[0-9a-f]{32}`).FindString(r.Body)
		if pl == "" {
			t.Fatalf("Ordnungsamt task list: %s", r.Body)
		}
		r = ordnung.Get(pl)
		wantStatus(t, r, 200, "participation page")
		if !strings.Contains(r.Body, "Elbe Datenwerk GmbH") || !strings.Contains(r.Body, "ordnungsrechtliche Bedenken") {
			t.Error("participation page lacks the shared business data or the question")
		}
		for _, hidden := range []string{"Wagner", "Kowalski", "1979-11-03", "Anbei der Auszug", "antrag.pdf", "Handelsregisterauszug"} {
			if strings.Contains(r.Body, hidden) {
				t.Errorf("participating office sees unshared %q", hidden)
			}
		}
		if r := ordnung.Get(pl + "/dokumente/antrag.pdf"); r.Status != 404 {
			t.Errorf("unshared documents: %d", r.Status)
		}
		for who, cl := range map[string]*apptest.Client{"leipzig": leipzig, "gewerbeamt": staff, "citizen": erika} {
			if r := cl.Get(pl); r.Status != 404 {
				t.Errorf("%s reads the participation task: %d", who, r.Status)
			}
		}
		wantStatus(t, postMultipart(t, ordnung, pl, pl+"/antwort", map[string][]string{"answer": {""}}, "answer_files", nil), 422, "empty answer")
		r = postMultipart(t, ordnung, pl, pl+"/antwort", map[string][]string{"answer": {"Keine Bedenken."}}, "answer_files", map[string]string{"vermerk.txt": "Vermerk OA"})
		wantStatus(t, r, 303, "answer")
		if got := caseOf(t, app, c.ID); got.Status != casework.InBearbeitung {
			t.Fatalf("after the answer: %s", got.Status)
		}
		r = staff.Get(casePage)
		if !strings.Contains(r.Body, "Keine Bedenken.") || !strings.Contains(r.Body, "vermerk.txt") {
			t.Fatal("the lead office does not see the answer")
		}
		// The participating office's document is internal: not in the Postfach.
		if r := erika.Get("/postfach/" + c.ID); strings.Contains(r.Body, "vermerk.txt") || strings.Contains(r.Body, "Keine Bedenken") {
			t.Error("the citizen sees the participating office's statement")
		}

		// Customs indication, readable by the integration hub.
		wantStatus(t, staff.PostForm(casePage, casePage+"/zoll", url.Values{"zoll": {"alkohol", "tabak"}, "zoll_note": {"Getränkehandel"}}), 303, "zoll")
		z, ok, err := app.DB.ZollIndication(ctx, sub.ID)
		if err != nil || !ok || strings.Join(z.Reasons, ",") != "alkohol,tabak" || z.Note != "Getränkehandel" {
			t.Fatalf("zoll indication: %+v %v %v", z, ok, err)
		}
		wantStatus(t, staff.PostForm(casePage, casePage+"/zoll", url.Values{"zoll": {"waffen"}}), 422, "unknown zoll reason")
		// The indication routes the notice to customs, once.
		wantStatus(t, staff.PostForm(casePage, casePage+"/zoll", url.Values{"zoll": {"alkohol"}}), 303, "zoll again")
		var zoll, zollSelected int
		if err := app.DB.QueryRow(ctx, `SELECT COUNT(*) FROM deliveries WHERE submission_id = ? AND kind = 'zoll'`, sub.ID).Scan(&zoll); err != nil || zoll != 1 {
			t.Fatalf("deliveries to customs: %d %v", zoll, err)
		}
		rs, err := app.DB.RoutingOf(ctx, sub.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			if r.Kind == routing.KindZoll && r.Selected && r.RecipientID != "" {
				zollSelected++
			}
		}
		if zollSelected != 1 {
			t.Fatalf("routing decision for customs not updated: %+v", rs)
		}

		// API: list, read, an invalid transition is a 409 problem; another municipality's
		// token gets 404.
		tok := map[string]string{"Authorization": "Bearer " + app.CreateToken(dresden, identity.ScopeCases)}
		other := map[string]string{"Authorization": "Bearer " + app.CreateToken("14713000", identity.ScopeCases)}
		api := app.Client()
		var list struct {
			Count int `json:"count"`
			Cases []struct {
				ID, Reference, Status string
			} `json:"cases"`
		}
		r = api.Do("GET", "/api/v1/cases?status=in_bearbeitung&office=gewerbeamt", "", "", tok)
		if err := json.Unmarshal([]byte(r.Body), &list); err != nil || list.Count != 1 || list.Cases[0].Reference != sub.Reference {
			t.Fatalf("api list: %d %s", r.Status, r.Body)
		}
		if r := api.Do("GET", "/api/v1/cases?status=abgeschlossen", "", "", tok); !strings.Contains(r.Body, `"count":0`) {
			t.Errorf("api status filter: %s", r.Body)
		}
		if r := api.Do("GET", "/api/v1/cases/"+c.ID, "", "", other); r.Status != 404 {
			t.Errorf("other municipality's token: %d", r.Status)
		}
		r = api.Do("POST", "/api/v1/cases/"+c.ID+"/transitions", "application/json", `{"to":"eingegangen","note":"zurück"}`, tok)
		var pr problem
		_ = json.Unmarshal([]byte(r.Body), &pr)
		if r.Status != 409 || r.Header.Get("Content-Type") != "application/problem+json" || pr.Code != "case.transition_invalid" ||
			!strings.Contains(r.Body, "Der Vorgang kann nicht von „In Bearbeitung“ nach „Eingegangen“ wechseln.") {
			t.Fatalf("invalid transition: %d %s", r.Status, r.Body)
		}
		if r := api.Do("POST", "/api/v1/cases/"+c.ID+"/transitions", "application/json", `{"to":"erledigt"}`, tok); r.Status != 422 {
			t.Errorf("unknown status: %d", r.Status)
		}

		// Close with a Bescheid from a template and a permit; the citizen reads it (receipt).
		r = staff.PostForm(casePage, casePage+"/abschluss", url.Values{"result": {"abgeschlossen"}, "template": {"ablehnung"}})
		wantStatus(t, r, 422, "template of the wrong result")
		until := app.Clock().AddDate(1, 0, 0).Format("2006-01-02")
		r = staff.PostForm(casePage, casePage+"/abschluss", url.Values{"result": {"abgeschlossen"}, "template": {"gewerbe_erlaubnis"},
			"permit_title": {"Erlaubnis nach § 34c GewO"}, "permit_until": {until}, "begruendung": {"Die Unterlagen sind vollständig."}})
		wantStatus(t, r, 303, "close")
		closed := caseOf(t, app, c.ID)
		if closed.Status != casework.Abgeschlossen {
			t.Fatalf("closed: %s", closed.Status)
		}
		if r := staff.PostForm(casePage, casePage+"/status", url.Values{"to": {"in_bearbeitung"}}); r.Status != 409 || !strings.Contains(r.Body, "bereits „Abgeschlossen“") {
			t.Errorf("transition of a closed case: %d", r.Status)
		}
		r = erika.Get("/postfach/" + c.ID)
		dl := regexp.MustCompile(`/postfach/` + c.ID + `/bescheide/[0-9a-f]+`).FindString(r.Body)
		if dl == "" {
			t.Fatal("no Bescheid in the Postfach")
		}
		ds, _ := app.DB.CaseDecisions(ctx, dresden, c.ID)
		if len(ds) != 1 || !ds[0].ReadAt.IsZero() {
			t.Fatalf("decision before reading: %+v", ds)
		}
		for i := 0; i < 2; i++ {
			d := erika.Get(dl)
			if d.Status != 200 || !strings.HasPrefix(d.Body, "%PDF-") {
				t.Fatalf("Bescheid download: %d", d.Status)
			}
		}
		ds, _ = app.DB.CaseDecisions(ctx, dresden, c.ID)
		if ds[0].ReadAt.IsZero() || countAudit(t, app, "case.decision_read", "decision:"+ds[0].ID) != 1 {
			t.Fatal("read receipt not recorded exactly once")
		}
		if r := nachbar.Get(dl); r.Status != 404 {
			t.Errorf("neighbour downloads the Bescheid: %d", r.Status)
		}
		if r := staff.Get(casePage); !strings.Contains(r.Body, "abgerufen am") {
			t.Error("the office does not see the read receipt")
		}
		if r := postMultipart(t, erika, "/postfach/"+c.ID, "/postfach/"+c.ID+"/nachricht", map[string][]string{"reply": {"Danke"}}, "reply_files", nil); r.Status != 409 && r.Status != 404 {
			// The closed case has no reply form; a forged post is refused.
			t.Errorf("reply to a closed case: %d", r.Status)
		}
	})
}

// TestCaseBusinessPostfach: members of a business account see the business's cases; the
// filer's other contacts do not.
func TestCaseBusinessPostfach(t *testing.T) {
	app := apptest.NewSQLite(t)
	ctx := context.Background()
	owner := app.CreateUser("inhaberin@example.org", identity.KindCitizen)
	member := app.CreateUser("mitarbeiter@example.org", identity.KindCitizen)
	app.CreateUser("fremd@example.org", identity.KindCitizen)
	var orgID string
	if err := app.DB.InTx(ctx, func(tx *sqlstore.Tx) error {
		var err error
		if orgID, err = sqlstore.CreateOrganisation(ctx, tx, "Elbe Datenwerk GmbH", owner.ID, app.Clock()); err != nil {
			return err
		}
		return sqlstore.AddOrganisationMember(ctx, tx, orgID, member.ID, "member", app.Clock())
	}); err != nil {
		t.Fatal(err)
	}
	_, orgCase := fileAs(t, app, "anmeldung-gmbh", owner.ID, orgID)
	_, ownCase := fileAs(t, app, "anmeldung-einzelunternehmen", owner.ID, "")
	for email, want := range map[string][2]bool{
		"inhaberin@example.org":   {true, true},
		"mitarbeiter@example.org": {true, false},
		"fremd@example.org":       {false, false},
	} {
		c := app.Client()
		c.Login(email)
		body := c.Get("/postfach").Body
		for i, id := range []string{orgCase.ID, ownCase.ID} {
			if got := strings.Contains(body, "/postfach/"+id); got != want[i] {
				t.Errorf("%s sees case %d: %v, want %v", email, i, got, want[i])
			}
			if r := c.Get("/postfach/" + id); (r.Status == 200) != want[i] {
				t.Errorf("%s opens case %d: %d", email, i, r.Status)
			}
		}
	}
	// The business's members are notified too.
	staff := app.CreateStaff("gewerbe@dresden.example", dresden)
	_ = staff
	s := app.Client()
	s.Login("gewerbe@dresden.example")
	wantStatus(t, s.PostForm("/amt/vorgaenge/"+orgCase.ID, "/amt/vorgaenge/"+orgCase.ID+"/nachricht", url.Values{"msg_body": {"Bitte Gewerbeerlaubnis nachreichen."}}), 303, "message")
	app.RunJobs()
	for _, to := range []string{"inhaberin@example.org", "mitarbeiter@example.org"} {
		if m, ok := app.Outbox.Last(to); !ok || m.Subject != "Neue Nachricht in Ihrem Postfach" {
			t.Errorf("%s not notified", to)
		}
	}
	if _, ok := app.Outbox.Last("fremd@example.org"); ok {
		t.Error("an outsider was notified")
	}
}

// TestCaseTimers: the durable timers of proactive administration, driven by the clock.
func TestCaseTimers(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, app *apptest.App) {
		ctx := context.Background()
		citizen := app.CreateUser("erika@example.org", identity.KindCitizen)
		app.CreateStaff("gewerbe@dresden.example", dresden)
		ord, _ := app.DB.OfficeByKind(ctx, dresden, "ordnungsamt")
		app.CreateUser("ordnung@dresden.example", identity.KindStaff, identity.StaffRole{TenantAGS: dresden, OfficeID: ord.ID, Role: "sachbearbeitung"})
		// Sessions expire while the clock jumps, so every step logs in afresh.
		login := func(email string) *apptest.Client {
			c := app.Client()
			c.Login(email)
			return c
		}
		staff := login("gewerbe@dresden.example")
		mails := func(to, subject string) int {
			n := 0
			for _, m := range app.Outbox.Mail {
				if m.To == to && strings.Contains(m.Subject, subject) {
					n++
				}
			}
			return n
		}

		// 1. A case nobody touches: after 14 days (policy) the office is reminded, once.
		_, idle := fileAs(t, app, "anmeldung-einzelunternehmen", citizen.ID, "")
		app.RunJobs()
		app.Advance(13 * 24 * time.Hour)
		app.RunJobs()
		if caseOf(t, app, idle.ID).Overdue {
			t.Fatal("flagged too early")
		}
		app.Advance(2 * 24 * time.Hour)
		app.RunJobs()
		app.RunJobs()
		if !caseOf(t, app, idle.ID).Overdue || mails("gewerbe@dresden.example", "Aufmerksamkeit") != 1 {
			t.Fatalf("office reminder: overdue %v, mails %d", caseOf(t, app, idle.ID).Overdue, mails("gewerbe@dresden.example", "Aufmerksamkeit"))
		}
		staff = login("gewerbe@dresden.example")
		if r := staff.Get("/amt/vorgaenge"); !strings.Contains(r.Body, "überfällig") {
			t.Error("the inbox does not flag the waiting case")
		}

		// 2. A Rückfrage with 14 days: the applicant is reminded 3 days before, once; an
		// answered question is not reminded.
		_, asked := fileAs(t, app, "anmeldung-gmbh", citizen.ID, "")
		page := "/amt/vorgaenge/" + asked.ID
		wantStatus(t, postMultipart(t, staff, page, page+"/rueckfrage", map[string][]string{"question": {"Frage?"}, "deadline": {app.Clock().AddDate(0, 0, 14).Format("2006-01-02")}}, "question_files", nil), 303, "ask")
		app.RunJobs()
		before := mails("erika@example.org", "Postfach")
		app.Advance(10 * 24 * time.Hour)
		app.RunJobs()
		if mails("erika@example.org", "Postfach") != before {
			t.Fatal("reminded too early")
		}
		app.Advance(2 * 24 * time.Hour)
		app.RunJobs()
		app.RunJobs()
		if mails("erika@example.org", "Postfach") != before+1 {
			t.Fatalf("Rückfrage reminder: %d mails, want %d", mails("erika@example.org", "Postfach"), before+1)
		}
		var n int
		_ = app.DB.QueryRow(ctx, `SELECT COUNT(*) FROM jobs WHERE kind = ?`, casework.JobRueckfrageReminder).Scan(&n)
		if n != 1 {
			t.Errorf("%d reminder jobs, want 1 (unique key)", n)
		}

		// 3. A participation past its deadline is flagged to both offices.
		erika := login("erika@example.org")
		staff = login("gewerbe@dresden.example")
		wantStatus(t, postMultipart(t, erika, "/postfach/"+asked.ID, "/postfach/"+asked.ID+"/nachricht", map[string][]string{"reply": {"Antwort"}}, "reply_files", nil), 303, "reply")
		wantStatus(t, staff.PostForm(page, page+"/beteiligung", url.Values{"office_kind": {"ordnungsamt"}, "part_question": {"Bedenken?"},
			"part_deadline": {app.Clock().AddDate(0, 0, 5).Format("2006-01-02")}}), 303, "participation")
		app.RunJobs()
		app.Advance(6 * 24 * time.Hour)
		app.RunJobs()
		app.RunJobs()
		ps, _ := app.DB.CaseParticipations(ctx, dresden, asked.ID)
		if len(ps) != 1 || !ps[0].Overdue {
			t.Fatalf("participation not flagged: %+v", ps)
		}
		if mails("ordnung@dresden.example", "Aufmerksamkeit") != 1 || mails("gewerbe@dresden.example", "Aufmerksamkeit") < 2 {
			t.Errorf("overdue participation mails: ordnungsamt %d, gewerbeamt %d", mails("ordnung@dresden.example", "Aufmerksamkeit"), mails("gewerbe@dresden.example", "Aufmerksamkeit"))
		}
		oa := login("ordnung@dresden.example")
		staff = login("gewerbe@dresden.example")
		if r := oa.Get("/amt/beteiligungen"); !strings.Contains(r.Body, "Frist überschritten") {
			t.Error("the participating office's list does not flag the overdue task")
		}
		if r := staff.Get(page); !strings.Contains(r.Body, "Frist überschritten") {
			t.Error("the lead office's case page does not flag the overdue participation")
		}

		// 4. A permit recorded at closing: the business is told 60 days before it expires.
		_, permitted := fileAs(t, app, "anmeldung-verlegung", citizen.ID, "")
		staff = login("gewerbe@dresden.example")
		pp := "/amt/vorgaenge/" + permitted.ID
		wantStatus(t, staff.PostForm(pp, pp+"/abschluss", url.Values{"result": {"abgeschlossen"}, "permit_title": {"Gaststättenerlaubnis"},
			"permit_until": {app.Clock().AddDate(0, 0, 100).Format("2006-01-02")}}), 303, "close with permit")
		app.RunJobs()
		before = mails("erika@example.org", "Postfach")
		app.Advance(35 * 24 * time.Hour)
		app.RunJobs()
		if mails("erika@example.org", "Postfach") != before {
			t.Fatal("permit notice too early")
		}
		app.Advance(10 * 24 * time.Hour)
		app.RunJobs()
		app.RunJobs()
		if mails("erika@example.org", "Postfach") != before+1 {
			t.Fatalf("permit notice mails: %d", mails("erika@example.org", "Postfach")-before)
		}
		erika = login("erika@example.org")
		if r := erika.Get("/postfach/" + permitted.ID); !strings.Contains(r.Body, "Gaststättenerlaubnis") || !strings.Contains(r.Body, "läuft am") {
			t.Error("no permit notice in the Postfach")
		}
		if _, err := app.DB.VerifyAudit(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

// TestCaseListPages: the inbox and the cases API page through every case, oldest first,
// instead of stopping silently at a fixed number; the count is that of all pages; bad
// paging input is a 400.
func TestCaseListPages(t *testing.T) {
	app := apptest.NewSQLite(t)
	tok := app.CreateToken(dresden, identity.ScopeSubmit)
	c := app.Client()
	auth := map[string]string{"Authorization": "Bearer " + tok}
	var refs []string
	for range 103 {
		r := c.Do("POST", "/api/v1/submissions", "application/json", body("99050012104000", dresden, gewerbe.Sample("anmeldung-einzelunternehmen", app.Clock())), auth)
		var s subResp
		if err := json.Unmarshal([]byte(r.Body), &s); err != nil || r.Status != 201 {
			t.Fatalf("submit: %d %s", r.Status, r.Body)
		}
		refs = append(refs, s.Reference)
	}
	app.CreateStaff("gewerbe@dresden.example", dresden)
	staff := app.Client()
	staff.Login("gewerbe@dresden.example")
	first := staff.Get("/amt/vorgaenge?status=eingegangen")
	if first.Status != 200 || !strings.Contains(first.Body, "103 Vorgänge") || !strings.Contains(first.Body, refs[0]) || strings.Contains(first.Body, refs[102]) {
		t.Fatalf("first page: %d", first.Status)
	}
	m := regexp.MustCompile(`<a href="([^"]+)" rel="next">`).FindStringSubmatch(first.Body)
	if m == nil {
		t.Fatal("first page has no link to the next")
	}
	next := strings.ReplaceAll(m[1], "&amp;", "&")
	if !strings.Contains(next, "status=eingegangen") {
		t.Fatalf("the next page drops the filter: %s", next)
	}
	second := staff.Get(next)
	if second.Status != 200 || !strings.Contains(second.Body, refs[102]) || !strings.Contains(second.Body, refs[100]) || strings.Contains(second.Body, refs[99]+"<") || strings.Contains(second.Body, `rel="next"`) {
		t.Fatalf("second page: %d", second.Status)
	}

	cases := app.CreateToken(dresden, identity.ScopeCases)
	cauth := map[string]string{"Authorization": "Bearer " + cases}
	var seen []string
	cursor := ""
	for page := 0; ; page++ {
		r := c.Do("GET", "/api/v1/cases?limit=40&cursor="+url.QueryEscape(cursor), "", "", cauth)
		var out struct {
			Count, Total int
			Next         string
			Cases        []struct{ Reference string }
		}
		if err := json.Unmarshal([]byte(r.Body), &out); err != nil || r.Status != 200 || out.Total != 103 || out.Count != len(out.Cases) {
			t.Fatalf("page %d: %d %s", page, r.Status, r.Body)
		}
		for _, x := range out.Cases {
			seen = append(seen, x.Reference)
		}
		if out.Next == "" {
			break
		}
		cursor = out.Next
	}
	if len(seen) != 103 || seen[0] != refs[0] || seen[102] != refs[102] {
		t.Fatalf("API pages gave %d cases", len(seen))
	}
	for _, q := range []string{"limit=0", "limit=501", "limit=x", "cursor=kaputt", "status=erledigt"} {
		if r := c.Do("GET", "/api/v1/cases?"+q, "", "", cauth); r.Status != 400 {
			t.Errorf("%s: %d, want 400", q, r.Status)
		}
	}
}

// TestCaseWithoutPostfach: a notice filed through the API has no applicant account, so the
// case page offers no question or message that would never arrive — it shows the notice's
// contact instead — and a posted message is refused, nothing stored.
func TestCaseWithoutPostfach(t *testing.T) {
	app := apptest.NewSQLite(t)
	tok := app.CreateToken(dresden, identity.ScopeSubmit)
	r := app.Client().Do("POST", "/api/v1/submissions", "application/json", body("99050012104000", dresden, gewerbe.Sample("anmeldung-einzelunternehmen", app.Clock())),
		map[string]string{"Authorization": "Bearer " + tok})
	var s subResp
	if err := json.Unmarshal([]byte(r.Body), &s); err != nil || r.Status != 201 {
		t.Fatalf("submit: %d %s", r.Status, r.Body)
	}
	c, err := app.DB.CaseBySubmission(context.Background(), s.ID)
	if err != nil {
		t.Fatal(err)
	}
	app.CreateStaff("gewerbe@dresden.example", dresden)
	staff := app.Client()
	staff.Login("gewerbe@dresden.example")
	page := "/amt/vorgaenge/" + c.ID
	p := staff.Get(page)
	if p.Status != 200 || !strings.Contains(p.Body, "Kontakt zur antragstellenden Person") || strings.Contains(p.Body, `action="`+page+`/nachricht"`) ||
		!strings.Contains(p.Body, "351 4861234, kontakt@nagelstudio-lotus.example") {
		t.Fatalf("case page of an API notice: %d", p.Status)
	}
	res := staff.PostForm(page, page+"/nachricht", url.Values{"msg_body": {"Bitte melden Sie sich."}})
	if res.Status != 422 || !strings.Contains(res.Body, "kein Postfach") {
		t.Fatalf("message to an applicant without Postfach: %d", res.Status)
	}
	if ms, _ := app.DB.CaseMessages(context.Background(), c.TenantAGS, c.ID); len(ms) != 0 {
		t.Fatalf("a refused message was stored: %+v", ms)
	}
}

// TestCaseSearchFindsPeople: the inbox search finds a case by any person's name and by the
// business's names, with umlauts and ß written either way.
func TestCaseSearchFindsPeople(t *testing.T) {
	app := apptest.NewSQLite(t)
	tok := app.CreateToken(dresden, identity.ScopeSubmit)
	auth := map[string]string{"Authorization": "Bearer " + tok}
	var gmbh map[string]any
	_ = json.Unmarshal(gewerbe.Sample("anmeldung-gmbh", app.Clock()), &gmbh)
	gmbh["betrieb"].(map[string]any)["name"] = "Süße Ähre GmbH"
	gb, _ := json.Marshal(gmbh)
	refs := map[string]string{}
	for name, data := range map[string][]byte{"einzel": gewerbe.Sample("anmeldung-einzelunternehmen", app.Clock()), "gmbh": gb} {
		r := app.Client().Do("POST", "/api/v1/submissions", "application/json", body("99050012104000", dresden, data), auth)
		var s subResp
		if err := json.Unmarshal([]byte(r.Body), &s); err != nil || r.Status != 201 {
			t.Fatalf("submit %s: %d %s", name, r.Status, r.Body)
		}
		refs[name] = s.Reference
	}
	app.CreateStaff("gewerbe@dresden.example", dresden)
	staff := app.Client()
	staff.Login("gewerbe@dresden.example")
	for q, want := range map[string]string{"Nguyen": "einzel", "thi lan": "einzel", "Kowalski": "gmbh", "süße": "gmbh", "suesse aehre": "gmbh", "Lotus": "einzel"} {
		p := staff.Get("/amt/vorgaenge?q=" + url.QueryEscape(q))
		for name, ref := range refs {
			if got := strings.Contains(p.Body, ref); got != (name == want) {
				t.Errorf("search %q: %s listed %v", q, name, got)
			}
		}
	}
}
