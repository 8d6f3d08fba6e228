package hub_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rathaus-egov/rathaus/internal/apptest"
	"github.com/rathaus-egov/rathaus/internal/connector"
	"github.com/rathaus-egov/rathaus/internal/delivery"
	"github.com/rathaus-egov/rathaus/internal/gewerbe"
	"github.com/rathaus-egov/rathaus/internal/identity"
	"github.com/rathaus-egov/rathaus/internal/mail"
	"github.com/rathaus-egov/rathaus/internal/recipient"
	"github.com/rathaus-egov/rathaus/internal/sqlstore"
	"github.com/rathaus-egov/rathaus/internal/testenv"
)

// drain runs due jobs and moves the clock by step until no delivery is queued or retrying,
// at most rounds times. It calls between(i) before each round.
func drain(t *testing.T, app *apptest.App, step time.Duration, rounds int, between func(i int)) {
	t.Helper()
	for i := 0; i < rounds; i++ {
		if between != nil {
			between(i)
		}
		app.RunJobs()
		n, err := app.DB.CountDeliveries(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n[delivery.StatusQueued]+n[delivery.StatusRetrying] == 0 {
			return
		}
		app.Advance(step)
	}
	n, _ := app.DB.CountDeliveries(context.Background())
	t.Fatalf("deliveries still pending after %d rounds: %v", rounds, n)
}

func allDeliveries(t *testing.T, app *apptest.App) []delivery.Delivery {
	t.Helper()
	ds, err := app.DB.ListDeliveries(context.Background(), sqlstore.DeliveryFilter{Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// TestHTTPRecipientFailsEveryWay delivers to a real HTTP recipient on loopback that fails in
// every way that matters: 503, a 500 after it already applied the message, no answer until
// the client times out (before and after applying), slow answers, and refused connections
// while it is down. Afterwards every message has reached it and it applied each exactly once
// (it dedupes by the idempotency key; the test counts effects, not requests). On both
// databases.
func TestHTTPRecipientFailsEveryWay(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, app *apptest.App) {
		rs := newRecipientServer(t, app.Clock)
		cycle := []behaviour{fail503, applyThen500, hang, slowApply, applyThenHang, fail503, okApply, applyThen500}
		rs.behave = func(n int, already bool) behaviour {
			if n > 150 {
				return okApply // the recipient recovers
			}
			return cycle[n%len(cycle)]
		}
		setAll(t, app, recipient.ConnectorHTTP, rs.URL())
		pushTimeout(app, 150*time.Millisecond)
		tok := app.CreateToken(dresden, identity.ScopeSubmit, identity.ScopeRead)
		var ids []string
		for _, name := range gewerbe.SampleNames() {
			ids = append(ids, file(t, app, tok, dresden, gewerbe.Sample(name, app.Clock())))
		}
		down := false
		drain(t, app, 2*time.Minute, 400, func(i int) {
			// Every fifth round the recipient is down: connections are refused.
			if i%5 == 3 && !down {
				rs.Stop()
				down = true
			} else if down {
				rs.Start()
				down = false
			}
		})
		ds := allDeliveries(t, app)
		keys, effects := rs.effects()
		var attempts, refused, timeouts, status5xx int
		for _, d := range ds {
			if d.Status != delivery.StatusDelivered {
				t.Errorf("delivery %s to %s: %s after %d attempts (%s)", d.ID, d.RecipientID, d.Status, d.Attempts, d.LastError)
			}
			if _, ok := rs.applied[d.IdempotencyKey]; !ok {
				t.Errorf("message %s never applied", d.IdempotencyKey)
			}
			attempts += d.Attempts
			as, _ := app.DB.Attempts(context.Background(), d.ID)
			for _, a := range as {
				switch {
				case strings.Contains(a.Error, "refused"):
					refused++
				case strings.Contains(a.Error, "deadline exceeded") || strings.Contains(a.Error, "Timeout"):
					timeouts++
				case a.HTTPStatus >= 500:
					status5xx++
				}
			}
		}
		if keys != len(ds) || effects != len(ds) {
			t.Fatalf("%d deliveries, recipient applied %d messages with %d effects", len(ds), keys, effects)
		}
		if rs.badSig != 0 {
			t.Fatalf("%d requests with a bad signature", rs.badSig)
		}
		if refused == 0 || timeouts == 0 || status5xx == 0 || rs.requests() <= len(ds) {
			t.Fatalf("the failure modes did not all occur: refused %d, timeouts %d, 5xx %d, requests %d", refused, timeouts, status5xx, rs.requests())
		}
		t.Logf("%d messages of %d notices: %d attempts (%d refused, %d timeouts, %d 5xx), %d requests reached the recipient, each message applied once",
			len(ds), len(ids), attempts, refused, timeouts, status5xx, rs.requests())
	})
}

// TestSixHourOutage: the recipient answers 503 for six hours (injected clock). Nothing is
// given up during the outage; after it, every message is delivered within one back-off cap.
func TestSixHourOutage(t *testing.T) {
	app := apptest.NewSQLite(t)
	start := app.Clock()
	end := start.Add(6 * time.Hour)
	rs := newRecipientServer(t, app.Clock)
	rs.behave = func(n int, already bool) behaviour {
		if app.Clock().Before(end) {
			return fail503
		}
		return okApply
	}
	setAll(t, app, recipient.ConnectorHTTP, rs.URL())
	tok := app.CreateToken(dresden, identity.ScopeSubmit)
	for i := 0; i < 4; i++ {
		for _, name := range []string{"anmeldung-gmbh", "abmeldung"} {
			file(t, app, tok, dresden, gewerbe.Sample(name, app.Clock()))
		}
	}
	for app.Clock().Before(end) {
		app.RunJobs()
		app.Advance(5 * time.Minute)
	}
	for _, d := range allDeliveries(t, app) {
		if d.Status != delivery.StatusRetrying || d.Attempts < 8 {
			t.Fatalf("during the outage: %s %s after %d attempts", d.RecipientID, d.Status, d.Attempts)
		}
	}
	drain(t, app, 5*time.Minute, 12*8, nil)
	var last time.Time
	ds := allDeliveries(t, app)
	for _, d := range ds {
		if d.Status != delivery.StatusDelivered {
			t.Fatalf("after the outage: %+v", d)
		}
		if d.DeliveredAt.After(last) {
			last = d.DeliveredAt
		}
	}
	if keys, effects := rs.effects(); keys != len(ds) || effects != len(ds) {
		t.Fatalf("%d deliveries, %d applied", len(ds), effects)
	}
	if late := last.Sub(end); late > 6*time.Hour*12/10+5*time.Minute {
		t.Fatalf("last delivery %s after the outage ended", late)
	}
	t.Logf("%d messages delivered; the last %s after the 6-hour outage ended", len(ds), last.Sub(end))
}

// TestRetryWindowThenDeadAndReplay: a recipient that never answers makes the delivery dead
// after the retry window; staff see every attempt, replay it once the recipient is fixed, or
// redirect it to a corrected endpoint.
func TestRetryWindowThenDeadAndReplay(t *testing.T) {
	app := apptest.NewSQLite(t)
	app.Platform.Hub.Policy.RetryFor = 3 * time.Hour
	rs := newRecipientServer(t, app.Clock)
	broken := true
	rs.behave = func(n int, already bool) behaviour {
		if broken {
			return fail503
		}
		return okApply
	}
	setAll(t, app, recipient.ConnectorHTTP, rs.URL())
	tok := app.CreateToken(dresden, identity.ScopeSubmit)
	file(t, app, tok, dresden, gewerbe.Sample("anmeldung-einzelunternehmen", app.Clock()))
	drain(t, app, 10*time.Minute, 100, nil)
	ds := allDeliveries(t, app)
	for _, d := range ds {
		if d.Status != delivery.StatusDead || !strings.Contains(d.LastError, "503") {
			t.Fatalf("after the window: %+v", d)
		}
	}
	app.CreateStaff("gewerbe@dresden.example", dresden)
	staff := app.Client()
	staff.Login("gewerbe@dresden.example")
	list := staff.Get("/amt/zustellungen?status=dead")
	if list.Status != 200 || !strings.Contains(list.Body, ds[0].ID) {
		t.Fatalf("dead letters page: %d", list.Status)
	}
	// Found by (part of) the Aktenzeichen, which each row shows, with the count of all.
	sub, _ := app.DB.GetSubmission(context.Background(), ds[0].SubmissionID)
	found := staff.Get("/amt/zustellungen?q=" + sub.Reference[len(sub.Reference)-6:])
	if found.Status != 200 || !strings.Contains(found.Body, "<td>"+sub.Reference+"</td>") || !strings.Contains(found.Body, fmt.Sprintf("%d Zustellungen", len(ds))) {
		t.Fatalf("search by reference: %d", found.Status)
	}
	if none := staff.Get("/amt/zustellungen?q=GEW-00000000"); !strings.Contains(none.Body, "0 Zustellungen") {
		t.Fatal("a reference that does not exist found deliveries")
	}
	page := staff.Get("/amt/zustellungen/" + ds[0].ID)
	if page.Status != 200 || !strings.Contains(page.Body, "HTTP 503") || !strings.Contains(page.Body, "Erneut zustellen") {
		t.Fatalf("delivery page: %d", page.Status)
	}
	// Leipzig's staff do not see Dresden's deliveries.
	app.CreateStaff("gewerbe@leipzig.example", leipzig)
	le := app.Client()
	le.Login("gewerbe@leipzig.example")
	if r := le.Get("/amt/zustellungen/" + ds[0].ID); r.Status != 404 {
		t.Fatalf("other municipality: %d", r.Status)
	}
	broken = false
	r := staff.PostForm("/amt/zustellungen/"+ds[0].ID, "/amt/zustellungen/"+ds[0].ID+"/wiederholen", url.Values{})
	if r.Status != 303 {
		t.Fatalf("replay: %d %s", r.Status, r.Body)
	}
	// Redirect the next one to a corrected endpoint: a second recipient server.
	rs2 := newRecipientServer(t, app.Clock)
	// A folder on the server is for the platform's operators only: a municipality's
	// administrator is not offered it and is refused when posting it; nothing changes.
	if p := staff.Get("/amt/zustellungen/" + ds[1].ID); p.Status != 200 || strings.Contains(p.Body, `<option value="folder">`) || !strings.Contains(p.Body, `<option value="http">`) {
		t.Fatalf("redirect form offers a folder to a municipality admin: %d", p.Status)
	}
	drop := t.TempDir()
	folder := staff.PostForm("/amt/zustellungen/"+ds[1].ID, "/amt/zustellungen/"+ds[1].ID+"/umleiten", url.Values{"connector": {"folder"}, "endpoint": {drop}})
	if folder.Status != 422 || !strings.Contains(folder.Body, "Plattformbetrieb") {
		t.Fatalf("folder redirect by a municipality admin: %d", folder.Status)
	}
	if d, _ := app.DB.GetDelivery(context.Background(), ds[1].ID); d.EndpointOverride != "" || d.ConnectorOverride != "" {
		t.Fatalf("a refused redirect changed the delivery: %+v", d)
	}
	bad := staff.PostForm("/amt/zustellungen/"+ds[1].ID, "/amt/zustellungen/"+ds[1].ID+"/umleiten", url.Values{"connector": {"http"}, "endpoint": {"ftp://x"}})
	if bad.Status != 422 || !strings.Contains(bad.Body, "Endpunkt") {
		t.Fatalf("bad redirect: %d", bad.Status)
	}
	// A redirect to HTTP signs with the recipient's key: without one the office is told
	// where it must be entered, and nothing changes.
	keyless, err := app.DB.GetRecipient(context.Background(), ds[1].RecipientID)
	if err != nil {
		t.Fatal(err)
	}
	withKey := keyless.Secret
	keyless.Secret = ""
	saveRecipient := func(r recipient.Recipient) {
		t.Helper()
		if err := app.DB.InTx(context.Background(), func(tx *sqlstore.Tx) error { return sqlstore.SaveRecipient(context.Background(), tx, &r, app.Clock()) }); err != nil {
			t.Fatal(err)
		}
	}
	saveRecipient(keyless)
	nokey := staff.PostForm("/amt/zustellungen/"+ds[1].ID, "/amt/zustellungen/"+ds[1].ID+"/umleiten", url.Values{"connector": {"http"}, "endpoint": {rs2.URL()}})
	if nokey.Status != 422 || !strings.Contains(nokey.Body, "HMAC-Schlüssel des Empfängers") || !strings.Contains(nokey.Body, "rathaus recipient set "+keyless.ID) {
		t.Fatalf("redirect to HTTP for a recipient without a key: %d", nokey.Status)
	}
	if d, _ := app.DB.GetDelivery(context.Background(), ds[1].ID); d.EndpointOverride != "" || d.ConnectorOverride != "" {
		t.Fatalf("a refused redirect changed the delivery: %+v", d)
	}
	keyless.Secret = withKey
	saveRecipient(keyless)
	ok := staff.PostForm("/amt/zustellungen/"+ds[1].ID, "/amt/zustellungen/"+ds[1].ID+"/umleiten", url.Values{"connector": {"http"}, "endpoint": {rs2.URL()}})
	if ok.Status != 303 {
		t.Fatalf("redirect: %d %s", ok.Status, ok.Body)
	}
	app.RunJobs()
	for i, id := range []string{ds[0].ID, ds[1].ID} {
		d, _ := app.DB.GetDelivery(context.Background(), id)
		if d.Status != delivery.StatusDelivered {
			t.Fatalf("after replay/redirect %d: %+v", i, d)
		}
	}
	if k, _ := rs2.effects(); k != 1 {
		t.Fatalf("redirected message reached the new endpoint %d times", k)
	}
	atts, _ := app.DB.Attempts(context.Background(), ds[1].ID)
	if atts[len(atts)-2].Outcome != delivery.OutcomeRedirect || atts[len(atts)-1].Endpoint != rs2.URL() {
		t.Fatalf("attempts after redirect: %+v", atts[len(atts)-2:])
	}
	// The office reads the attempts' outcomes in words.
	if p := staff.Get("/amt/zustellungen/" + ds[1].ID); !strings.Contains(p.Body, "<td>umgeleitet</td>") || !strings.Contains(p.Body, "<td>fehlgeschlagen</td>") || !strings.Contains(p.Body, "<td>zugestellt</td>") {
		t.Fatal("attempt outcomes not in words")
	}
}

// TestSMTPDelivery mails the messages to a real SMTP server (mailpit) with the message file
// and the filled official form (PDF, minimised) attached.
func TestSMTPDelivery(t *testing.T) {
	mp := testenv.StartMailpit(t)
	app := apptest.NewSQLite(t)
	host, port := mp.SMTPAddr()
	app.Platform.Hub.Connector.(*connector.Mux).SMTP = &connector.SMTP{Mail: mail.NewSMTP(mail.SMTPConfig{Host: host, Port: port, From: "rathaus@example.org"})}
	setAll(t, app, recipient.ConnectorSMTP, "")
	tok := app.CreateToken(dresden, identity.ScopeSubmit, identity.ScopeRead)
	id := file(t, app, tok, dresden, gewerbe.Sample("anmeldung-einzelunternehmen", app.Clock()))
	app.RunJobs()
	v := view(t, app, tok, id)
	for _, d := range v.Deliveries {
		if d.Status != "delivered" {
			t.Fatalf("smtp delivery: %+v", d)
		}
	}
	m := mp.WaitFor(t, "ihk-dresden@empfaenger.example", v.Reference, 10*time.Second)
	if !strings.Contains(m.Text, "Nachrichten-ID") || !strings.Contains(m.Subject, "Industrie- und Handelskammer") {
		t.Fatalf("mail: %+v", m)
	}
	resp, err := http.Get(mp.APIURL() + "/api/v1/message/" + m.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var full struct {
		Attachments []struct {
			FileName    string
			ContentType string
			Size        int
		}
	}
	if err := json.Unmarshal(b, &full); err != nil {
		t.Fatal(err)
	}
	var xml, pdf bool
	for _, a := range full.Attachments {
		xml = xml || strings.HasSuffix(a.FileName, ".xml")
		pdf = pdf || (a.ContentType == "application/pdf" && a.Size > 1000)
	}
	if !xml || !pdf {
		t.Fatalf("attachments: %+v", full.Attachments)
	}
	if n := len(mp.Messages(t)); n != len(v.Deliveries) {
		t.Fatalf("%d mails for %d deliveries", n, len(v.Deliveries))
	}
}

// TestDeliveryThroughput measures deliveries to a healthy HTTP recipient on loopback, one
// job after another (RunJobs is sequential; serve runs --workers in parallel), against the
// bare cost of the HTTP round trip to the same recipient.
func TestDeliveryThroughput(t *testing.T) {
	app := apptest.NewSQLite(t)
	rs := newRecipientServer(t, app.Clock)
	setAll(t, app, recipient.ConnectorHTTP, rs.URL())
	tok := app.CreateToken(dresden, identity.ScopeSubmit)
	for i := 0; i < 30; i++ {
		file(t, app, tok, dresden, gewerbe.Sample(gewerbe.SampleNames()[i%5], app.Clock()))
	}
	start := time.Now()
	n := app.RunJobs()
	hubTook := time.Since(start)
	ds := allDeliveries(t, app)
	for _, d := range ds {
		if d.Status != delivery.StatusDelivered {
			t.Fatalf("%+v", d)
		}
	}
	// Baseline: the same number of signed POSTs of a message-sized body, nothing else.
	push := &connector.HTTPPush{Now: app.Clock}
	body := ds[0].Body
	start = time.Now()
	for i := range ds {
		if err := push.Send(context.Background(), delivery.Message{IdempotencyKey: fmt.Sprintf("baseline-%d", i), ContentType: "application/xml", Body: body}, delivery.Target{Endpoint: rs.URL(), Secret: secret}); err != nil {
			t.Fatal(err)
		}
	}
	bare := time.Since(start)
	t.Logf("%d deliveries (%d jobs) in %s: %.0f deliveries/s; bare signed POSTs %.0f/s; ratio %.1f×",
		len(ds), n, hubTook.Round(time.Millisecond), float64(len(ds))/hubTook.Seconds(), float64(len(ds))/bare.Seconds(), hubTook.Seconds()/bare.Seconds())
}

// TestSubmissionDeliveriesShareAJob: the deliveries of a submission that are due together are
// one job, sent side by side; when one recipient fails, only its message is tried again (the
// others are not sent twice), each delivery keeps its own attempts, and the job finishes when
// the last message is through. On both databases.
func TestSubmissionDeliveriesShareAJob(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, app *apptest.App) {
		ctx := context.Background()
		ok := newRecipientServer(t, app.Clock)
		flaky := newRecipientServer(t, app.Clock)
		flaky.behave = func(n int, _ bool) behaviour {
			if n <= 2 {
				return fail503
			}
			return okApply
		}
		setAll(t, app, recipient.ConnectorHTTP, ok.URL())
		tok := app.CreateToken(dresden, identity.ScopeSubmit, identity.ScopeRead)
		id := file(t, app, tok, dresden, gewerbe.Sample(gewerbe.SampleNames()[0], app.Clock()))

		// Planned until the job's first attempt writes them (ADR 0008).
		if ds := allDeliveries(t, app); len(ds) != 0 {
			t.Fatalf("%d delivery rows before the first attempt; want them planned", len(ds))
		}
		ds, err := app.DB.DeliveriesOf(ctx, id)
		if err != nil || len(ds) < 3 {
			t.Fatalf("only %d deliveries (%v)", len(ds), err)
		}
		job := ds[0].JobID
		for _, d := range ds {
			if d.SubmissionID != id || d.JobID != job {
				t.Fatalf("delivery %s: submission %s, job %s; want %s and one job %s", d.ID, d.SubmissionID, d.JobID, id, job)
			}
		}
		j, err := app.DB.GetJob(ctx, job)
		if err != nil {
			t.Fatal(err)
		}
		var p sqlstore.DeliverPayload
		if err := json.Unmarshal(j.Payload, &p); err != nil || len(p.IDs()) != len(ds) {
			t.Fatalf("job payload %s: %v", j.Payload, err)
		}
		// One recipient answers 503 twice.
		bad := ds[0]
		r, err := app.DB.GetRecipient(ctx, bad.RecipientID)
		if err != nil {
			t.Fatal(err)
		}
		r.Endpoint = flaky.URL()
		if err := app.DB.InTx(ctx, func(tx *sqlstore.Tx) error { return sqlstore.SaveRecipient(ctx, tx, &r, app.Clock()) }); err != nil {
			t.Fatal(err)
		}

		app.RunJobs()
		for _, d := range allDeliveries(t, app) {
			want := delivery.StatusDelivered
			if d.ID == bad.ID {
				want = delivery.StatusRetrying
			}
			if d.Status != want || d.Attempts != 1 {
				t.Errorf("after the first run, delivery to %s: %s after %d attempts; want %s after 1", d.RecipientID, d.Status, d.Attempts, want)
			}
		}
		if j, _ := app.DB.GetJob(ctx, job); j.State != "queued" || j.Attempts != 1 {
			t.Fatalf("job after a partial failure: %s, %d attempts; want queued for a retry", j.State, j.Attempts)
		}
		drain(t, app, 5*time.Minute, 20, nil)
		for _, d := range allDeliveries(t, app) {
			want := 1
			if d.ID == bad.ID {
				want = 3
			}
			if d.Status != delivery.StatusDelivered || d.Attempts != want {
				t.Errorf("delivery to %s: %s after %d attempts; want delivered after %d", d.RecipientID, d.Status, d.Attempts, want)
			}
		}
		if keys, effects := ok.effects(); keys != len(ds)-1 || effects != len(ds)-1 || ok.requests() != len(ds)-1 {
			t.Errorf("the healthy recipients got %d requests, applied %d messages (%d effects); want %d each", ok.requests(), keys, effects, len(ds)-1)
		}
		if keys, _ := flaky.effects(); keys != 1 || flaky.requests() != 3 {
			t.Errorf("the flaky recipient got %d requests and applied %d messages; want 3 and 1", flaky.requests(), keys)
		}
		if j, _ := app.DB.GetJob(ctx, job); j.State != "done" {
			t.Errorf("job after the last delivery: %s", j.State)
		}
	})
}
