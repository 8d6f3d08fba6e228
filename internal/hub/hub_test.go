package hub_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rathaus-egov/rathaus/internal/apptest"
	"github.com/rathaus-egov/rathaus/internal/delivery"
	"github.com/rathaus-egov/rathaus/internal/gewerbe"
	"github.com/rathaus-egov/rathaus/internal/identity"
	"github.com/rathaus-egov/rathaus/internal/recipient"
	"github.com/rathaus-egov/rathaus/internal/routing"
)

// TestRoutingDeliveriesAndInbox files a notice and follows it: every routing decision is
// stored and shown (selected and excluded, with rule and reason), one delivery per selected
// recipient waits in the recipients' pull inboxes (the embedded default), a recipient fetches
// and acknowledges its message, staff read the exact bytes sent (audited), and a rebuild of the
// message gives the same bytes. On both databases.
func TestRoutingDeliveriesAndInbox(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, app *apptest.App) {
		ctx := context.Background()
		tok := app.CreateToken(dresden, identity.ScopeSubmit, identity.ScopeRead)
		id := file(t, app, tok, dresden, gewerbe.Sample("anmeldung-gmbh", app.Clock()))
		v := view(t, app, tok, id)
		if len(v.Routing) != len(routing.Kinds()) {
			t.Fatalf("routing: %d decisions, want one per kind", len(v.Routing))
		}
		selected := 0
		for _, r := range v.Routing {
			if r.Rule == "" || r.Reason == "" {
				t.Errorf("decision %+v without rule or reason", r)
			}
			if r.Selected {
				selected++
			}
			if r.Kind == "registergericht" && r.Selected {
				t.Error("an Anmeldung went to the Registergericht")
			}
		}
		if len(v.Deliveries) != selected || selected < 7 {
			t.Fatalf("%d deliveries for %d selected kinds", len(v.Deliveries), selected)
		}
		for _, d := range v.Deliveries {
			if d.Status != "queued" || d.Connector != "inbox" || d.NextAttemptAt == nil {
				t.Fatalf("new delivery %+v", d)
			}
		}
		if v.Progress.Total != selected || v.Progress.Delivered != 0 || !strings.Contains(v.Progress.Text, "an 0 von") {
			t.Fatalf("progress %+v", v.Progress)
		}
		// The IHK for Dresden is the IHK Dresden (district default).
		var ihk string
		for _, d := range v.Deliveries {
			if d.Recipient.Kind == "ihk" {
				ihk = d.ID
				if d.Recipient.ID != "ihk-dresden" {
					t.Fatalf("IHK for Dresden: %+v", d.Recipient)
				}
			}
		}
		app.RunJobs()
		v = view(t, app, tok, id)
		for _, d := range v.Deliveries {
			if d.Status != "offered" || d.Attempts != 1 {
				t.Fatalf("after the jobs: %+v", d)
			}
		}
		// The IHK fetches and acknowledges its message.
		c := app.Client()
		itok := inboxToken(t, app, "ihk-dresden")
		list := c.Do("GET", "/api/v1/inbox", "", "", bearer(itok))
		var inbox struct {
			Messages []struct{ ID, URL, MessageID string }
		}
		if err := json.Unmarshal([]byte(list.Body), &inbox); err != nil || list.Status != 200 || len(inbox.Messages) != 1 || inbox.Messages[0].ID != ihk {
			t.Fatalf("inbox: %d %s", list.Status, list.Body)
		}
		msg := c.Do("GET", inbox.Messages[0].URL, "", "", bearer(itok))
		lease := msg.Header.Get("X-Rathaus-Lease")
		if msg.Status != 200 || lease == "" || !strings.Contains(msg.Body, "ihk.gewerbemeldung.0200") || !strings.Contains(msg.Body, inbox.Messages[0].MessageID) {
			t.Fatalf("fetch: %d %s", msg.Status, msg.Body)
		}
		if r := c.Do("POST", inbox.Messages[0].URL+"/ack", "application/json", "", bearer(itok)); r.Status != 422 {
			t.Fatalf("ack without lease: %d", r.Status)
		}
		if r := c.Do("POST", inbox.Messages[0].URL+"/ack", "application/json", `{"lease":"`+lease+`"}`, bearer(itok)); r.Status != 200 {
			t.Fatalf("ack: %d %s", r.Status, r.Body)
		}
		if r := c.Do("POST", inbox.Messages[0].URL+"/ack", "", "", map[string]string{"Authorization": "Bearer " + itok, "X-Rathaus-Lease": lease}); r.Status != 200 || !strings.Contains(r.Body, `"already":true`) {
			t.Fatalf("second ack by the same consumer: %d %s", r.Status, r.Body)
		}
		// Another recipient's token sees nothing of it; a token without binding is refused.
		other := inboxToken(t, app, "hwk-dresden")
		if r := c.Do("GET", "/api/v1/inbox/"+ihk, "", "", bearer(other)); r.Status != 404 {
			t.Fatalf("foreign recipient fetch: %d", r.Status)
		}
		if r := c.Do("GET", "/api/v1/inbox", "", "", bearer(app.CreateToken("", identity.ScopeInbox))); r.Status != 403 {
			t.Fatalf("unbound inbox token: %d", r.Status)
		}
		v = view(t, app, tok, id)
		if v.Progress.Delivered != 1 || !strings.Contains(v.Progress.Text, "an 1 von") {
			t.Fatalf("progress after ack: %+v", v.Progress)
		}
		// Staff read the exact bytes sent; citizens and the filing token do not; the read is audited.
		var d0 string
		for _, d := range v.Deliveries {
			if d.ID == ihk {
				d0 = d.Message
				if d.Status != "delivered" || d.DeliveredAt == nil {
					t.Fatalf("acked delivery: %+v", d)
				}
			}
		}
		if r := c.Do("GET", d0, "", "", bearer(tok)); r.Status != 404 {
			t.Fatalf("filer reads the message: %d", r.Status)
		}
		cases := app.CreateToken(dresden, identity.ScopeCases)
		sent := c.Do("GET", d0, "", "", bearer(cases))
		if sent.Status != 200 || sent.Body != msg.Body {
			t.Fatalf("message read by staff: %d, same bytes: %v", sent.Status, sent.Body == msg.Body)
		}
		entries, _ := app.DB.ListAudit(ctx, dresden, 5)
		if len(entries) == 0 || entries[0].Action != "delivery.message_read" {
			t.Fatalf("message read not audited: %+v", entries)
		}
		// A rebuild yields identical bytes: the message UUIDs are derived, not random.
		dl, err := app.DB.GetDelivery(ctx, ihk)
		if err != nil {
			t.Fatal(err)
		}
		sub, _ := app.DB.GetSubmission(ctx, id)
		rec, _ := app.DB.GetRecipient(ctx, dl.RecipientID)
		m, err := app.Platform.Hub.BuildMessage(dl, sub, rec, recipient.ConnectorInbox)
		if err != nil || string(m.Body) != msg.Body || dl.MessageUUID != delivery.MessageUUID(id, "ihk-dresden") {
			t.Fatalf("rebuild differs (err %v)", err)
		}
		// The Eichbehörde's message carries no birth date and no nationality (minimised).
		for _, d := range v.Deliveries {
			if d.Recipient.Kind == "eichbehoerde" {
				b := c.Do("GET", d.Message, "", "", bearer(cases)).Body
				if strings.Contains(b, "geburtsdatum") || strings.Contains(b, "staatangehoerigkeiten") || !strings.Contains(b, "ea.gewerbemeldung.0220") {
					t.Fatalf("Eichbehörde message not minimised:\n%s", b)
				}
			}
		}
	})
}

// TestInboxCompetingConsumers: two consumers of one recipient drain its inbox concurrently.
// Every message is acknowledged exactly once; a consumer whose lease ran out and was taken
// over cannot acknowledge any more.
func TestInboxCompetingConsumers(t *testing.T) {
	apptest.ForEachDB(t, testInboxCompetingConsumers)
}

func testInboxCompetingConsumers(t *testing.T, app *apptest.App) {
	tok := app.CreateToken(dresden, identity.ScopeSubmit)
	const n = 12
	for i := 0; i < n; i++ {
		file(t, app, tok, dresden, gewerbe.Sample("anmeldung-einzelunternehmen", app.Clock()))
	}
	app.RunJobs()
	consumers := []string{inboxToken(t, app, "statistik-sachsen"), inboxToken(t, app, "statistik-sachsen")}
	var mu sync.Mutex
	applied := map[string]int{}
	perConsumer := make([]int, 2)
	conflicts := 0
	var wg sync.WaitGroup
	for ci, ct := range consumers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := app.Client()
			for round := 0; round < 50; round++ {
				r := c.Do("GET", "/api/v1/inbox?limit=5", "", "", bearer(ct))
				var l struct{ Messages []struct{ ID, URL string } }
				_ = json.Unmarshal([]byte(r.Body), &l)
				if len(l.Messages) == 0 {
					return
				}
				for _, m := range l.Messages {
					f := c.Do("GET", m.URL, "", "", bearer(ct))
					if f.Status == 409 {
						mu.Lock()
						conflicts++
						mu.Unlock()
						continue
					}
					if f.Status != 200 {
						t.Errorf("fetch: %d %s", f.Status, f.Body)
						return
					}
					a := c.Do("POST", m.URL+"/ack", "", "", map[string]string{"Authorization": "Bearer " + ct, "X-Rathaus-Lease": f.Header.Get("X-Rathaus-Lease")})
					if a.Status == 409 {
						mu.Lock()
						conflicts++
						mu.Unlock()
						continue
					}
					if a.Status != 200 {
						t.Errorf("ack: %d %s", a.Status, a.Body)
						return
					}
					mu.Lock()
					applied[m.ID]++ // the consumer applies the message after its own acknowledgement
					perConsumer[ci]++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if len(applied) != n {
		t.Fatalf("%d of %d messages applied", len(applied), n)
	}
	for id, k := range applied {
		if k != 1 {
			t.Errorf("message %s applied %d times", id, k)
		}
	}
	t.Logf("consumers applied %v messages, %d conflicts answered 409", perConsumer, conflicts)

	// A lease that ran out: B takes the message over, A's acknowledgement is refused.
	file(t, app, tok, dresden, gewerbe.Sample("anmeldung-einzelunternehmen", app.Clock()))
	app.RunJobs()
	c := app.Client()
	var l struct{ Messages []struct{ ID, URL string } }
	_ = json.Unmarshal([]byte(c.Do("GET", "/api/v1/inbox", "", "", bearer(consumers[0])).Body), &l)
	if len(l.Messages) != 1 {
		t.Fatalf("inbox: %+v", l)
	}
	fa := c.Do("GET", l.Messages[0].URL, "", "", bearer(consumers[0]))
	if r := c.Do("GET", l.Messages[0].URL, "", "", bearer(consumers[1])); r.Status != 409 {
		t.Fatalf("second consumer during the lease: %d", r.Status)
	}
	app.Advance(6 * time.Minute)
	fb := c.Do("GET", l.Messages[0].URL, "", "", bearer(consumers[1]))
	if fb.Status != 200 {
		t.Fatalf("take-over after the lease: %d", fb.Status)
	}
	if r := c.Do("POST", l.Messages[0].URL+"/ack", "", "", map[string]string{"Authorization": "Bearer " + consumers[0], "X-Rathaus-Lease": fa.Header.Get("X-Rathaus-Lease")}); r.Status != 409 {
		t.Fatalf("ack with a lost lease: %d", r.Status)
	}
	if r := c.Do("POST", l.Messages[0].URL+"/ack", "", "", map[string]string{"Authorization": "Bearer " + consumers[1], "X-Rathaus-Lease": fb.Header.Get("X-Rathaus-Lease")}); r.Status != 200 {
		t.Fatalf("ack by the new holder: %d", r.Status)
	}
}
