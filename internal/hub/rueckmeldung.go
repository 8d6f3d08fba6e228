package hub

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/rathaus-egov/rathaus/internal/apperr"
	"github.com/rathaus-egov/rathaus/internal/audit"
	"github.com/rathaus-egov/rathaus/internal/gewerbe"
	"github.com/rathaus-egov/rathaus/internal/identity"
	"github.com/rathaus-egov/rathaus/internal/jobs"
	"github.com/rathaus-egov/rathaus/internal/rueckmeldung"
	"github.com/rathaus-egov/rathaus/internal/sqlstore"
	"github.com/rathaus-egov/rathaus/internal/submission"
	"github.com/rathaus-egov/rathaus/internal/tenant"
)

// PrincipalRueckmeldung files the Abmeldungen of the Rückmeldeverfahren.
const PrincipalRueckmeldung = "system:rueckmeldung"

// ProcessRueckmeldung is the handler of JobRueckmeldung: municipality A receives B's
// Rückmeldung. When A's register holds the business (by gewerbebetriebID together with its
// site or owner, else by previous site plus owner — family name and birth date), A's
// Abmeldung is built from A's own record, filed as a submission
// of A (reference from A's counter, routed to A's recipients by the same hooks) and linked
// with B's Anmeldung. Otherwise A's Gewerbeamt gets a task, so nothing fails silently. The
// handler is idempotent: the Abmeldung is filed with an idempotency key derived from B's
// submission, and the task has a unique key.
func (h *Hub) ProcessRueckmeldung(ctx context.Context, j jobs.Job) error {
	var p struct {
		Submission string `json:"submission"`
	}
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return jobs.Permanent(err)
	}
	from, err := h.DB.GetSubmission(ctx, p.Submission)
	if err != nil {
		return err
	}
	rm, err := h.DB.RueckmeldungOfSubmission(ctx, from.ID)
	if err != nil {
		return err
	}
	if rm.Status != sqlstore.RueckmeldungOffen {
		return nil
	}
	neu, err := from.Anzeige()
	if err != nil {
		return jobs.Permanent(err)
	}
	prev, _ := rueckmeldung.Needed(neu)
	entry, found, err := h.findRecord(ctx, rm.ToAGS, from, neu, prev)
	if err != nil {
		return err
	}
	if !found {
		return h.rueckmeldungTask(ctx, rm, from, neu, "Im Gewerberegister der Gemeinde ist an der früheren Betriebsstätte kein Betrieb derselben Person (Familienname und Geburtsdatum) verzeichnet.")
	}
	recSub, err := h.DB.GetSubmission(ctx, entry.SubmissionID)
	if err != nil {
		return err
	}
	record, err := recSub.Anzeige()
	if err != nil {
		return jobs.Permanent(err)
	}
	ab, err := rueckmeldung.Abmeldung(record, neu)
	if err != nil {
		return h.rueckmeldungTask(ctx, rm, from, neu, err.Error())
	}
	ab.Betrieb.GewerbebetriebID = entry.GewerbebetriebID
	data, err := json.Marshal(ab)
	if err != nil {
		return err
	}
	l := h.abmeldungLeistung()
	if l == "" {
		return jobs.Permanent(fmt.Errorf("no Gewerbe-Abmeldung service in the catalog"))
	}
	o, err := h.DB.ResponsibleOffice(ctx, rm.ToAGS, tenant.OfficeGewerbeamt)
	if err != nil {
		return h.rueckmeldungTask(ctx, rm, from, neu, "Für die Gemeinde ist kein Gewerbeamt eingerichtet.")
	}
	off := submission.Office{ID: o.ID, TenantAGS: o.TenantAGS, Snapshot: submission.OfficeSnapshot{Name: o.Name, Strasse: o.Strasse, PLZ: o.PLZ, Ort: o.Ort, Email: o.Email, Telefon: o.Telefon}}
	prep, err := h.Submissions.Prepare(ctx, submission.Input{Leistung: l, AGS: rm.ToAGS, Data: data, IdempotencyKey: "rueckmeldung:" + from.ID}, off)
	if err != nil {
		if apperr.KindOf(err) == apperr.KindInvalid {
			var msgs []string
			for _, fe := range apperr.FieldsOf(err) {
				msgs = append(msgs, fe.Pointer+": "+fe.Message)
			}
			return h.rueckmeldungTask(ctx, rm, from, neu, "Die Abmeldung aus dem Registereintrag ist unvollständig: "+strings.Join(msgs, "; "))
		}
		return err
	}
	prep.Principal = PrincipalRueckmeldung
	var js []jobs.Job
	if h.SubmitJobs != nil {
		js = h.SubmitJobs(prep)
	}
	link := func(ctx context.Context, tx *sqlstore.Tx, s *submission.Submission) error {
		rm.Status, rm.AbmeldungSubmissionID, rm.RegisterSubmissionID = sqlstore.RueckmeldungAbgemeldet, s.ID, entry.SubmissionID
		rm.Detail = "Abmeldung " + s.Reference + " aus dem Registereintrag erstellt"
		if err := sqlstore.ResolveRueckmeldung(ctx, tx, rm, s.CreatedAt); err != nil {
			return err
		}
		detail, _ := json.Marshal(map[string]string{"from": from.Reference, "abmeldung": s.Reference})
		return sqlstore.AppendAudit(ctx, tx, s.CreatedAt, audit.Record{Actor: PrincipalRueckmeldung, TenantAGS: rm.ToAGS, Action: "rueckmeldung.abmeldung", Object: "submission:" + s.ID, Detail: string(detail)})
	}
	hooks := append(append([]sqlstore.SubmitHook(nil), h.SubmitHooks...), link)
	if _, _, err := h.DB.Submit(ctx, prep, js, hooks...); err != nil {
		return err
	}
	h.wake()
	return nil
}

func (h *Hub) abmeldungLeistung() string {
	for _, l := range h.Catalog.Leistungen {
		if l.Procedure == "gewerbe" && l.Art == string(gewerbe.ArtAbmeldung) {
			return l.Key
		}
	}
	return ""
}

// findRecord looks up A's register: the business's own gewerbebetriebID first (when the
// record's site or owner agrees), then the active entries at the previous site whose owner
// matches (rueckmeldung.Matches).
func (h *Hub) findRecord(ctx context.Context, ags string, from *submission.Submission, neu *gewerbe.Anzeige, prev *gewerbe.Anschrift) (sqlstore.RegisterEntry, bool, error) {
	keys := rueckmeldung.KeysOf(neu)
	if from.GewerbebetriebID != "" {
		e, err := h.DB.RegisterByID(ctx, ags, from.GewerbebetriebID)
		// The id is what the filer typed: it must also agree with the record's site or its
		// owner, or any id of another business would deregister that business.
		site := rueckmeldung.SiteKey(prev)
		if err == nil && e.Active && ((site != "" && e.SiteKey == site) || (e.PersonKey != "" && e.PersonKey == keys.Person)) {
			return e, true, nil
		}
		if err != nil && apperr.KindOf(err) != apperr.KindNotFound {
			return e, false, err
		}
	}
	key := rueckmeldung.SiteKey(prev)
	if key == "" {
		return sqlstore.RegisterEntry{}, false, nil
	}
	cands, err := h.DB.RegisterAtSite(ctx, ags, key)
	if err != nil {
		return sqlstore.RegisterEntry{}, false, err
	}
	for _, c := range cands {
		if rueckmeldung.Matches(rueckmeldung.Keys{Site: c.SiteKey, Person: c.PersonKey, Name: c.NameKey}, prev, keys) {
			return c, true, nil
		}
	}
	return sqlstore.RegisterEntry{}, false, nil
}

// KnownBusiness is submission.Service.KnownBusiness: the active register entry of the
// municipality ags at the notice's site — for an Ummeldung the previous site when it names
// one — whose owner (family name and birth date of the first person) is the notice's, when
// exactly one matches.
func (h *Hub) KnownBusiness(ctx context.Context, ags string, a *gewerbe.Anzeige) string {
	site := &a.Betrieb.Betriebsstaette
	if a.Ummeldung != nil && a.Ummeldung.FruehereBetriebsstaette != nil {
		site = a.Ummeldung.FruehereBetriebsstaette
	}
	key := rueckmeldung.SiteKey(site)
	person := rueckmeldung.KeysOf(a).Person
	if key == "" || person == "" {
		return ""
	}
	cands, err := h.DB.RegisterAtSite(ctx, ags, key)
	if err != nil {
		return "" // a new id rather than a failed notice; the office can link them
	}
	id := ""
	for _, c := range cands {
		if c.PersonKey == person {
			if id != "" && id != c.GewerbebetriebID {
				return "" // two businesses of the same person at the site: ambiguous
			}
			id = c.GewerbebetriebID
		}
	}
	return id
}

// gemeindeName is "Name (AGS)" for texts people read, or the AGS alone when the directory
// does not know it.
func (h *Hub) gemeindeName(ags string) string {
	if h.Directory != nil {
		if t, ok := h.Directory.Get(ags); ok {
			return t.Name + " (" + ags + ")"
		}
	}
	return ags
}

// rueckmeldungTask gives A's Gewerbeamt a task instead of an Abmeldung.
func (h *Hub) rueckmeldungTask(ctx context.Context, rm *sqlstore.Rueckmeldung, from *submission.Submission, neu *gewerbe.Anzeige, why string) error {
	now := h.Now()
	officeID := ""
	if o, err := h.DB.ResponsibleOffice(ctx, rm.ToAGS, tenant.OfficeGewerbeamt); err == nil {
		officeID = o.ID
	}
	prev, _ := rueckmeldung.Needed(neu)
	var where string
	if prev != nil {
		where = fmt.Sprintf("%s %s, %s %s", prev.Strasse, prev.Hausnummer, prev.PLZ, prev.Ort)
	}
	t := &sqlstore.Task{ID: identity.NewID(), TenantAGS: rm.ToAGS, OfficeID: officeID, Kind: "rueckmeldung", SubmissionID: from.ID,
		Title:     "Rückmeldung ohne Registereintrag: " + neu.DisplayName(),
		Detail:    fmt.Sprintf("Die Gemeinde %s meldet mit der Anmeldung %s die Verlegung des Betriebs „%s“ (frühere Betriebsstätte: %s, Beginn am neuen Ort: %s). %s Bitte den Vorgang prüfen und die Abmeldung von Amts wegen vornehmen.", h.gemeindeName(rm.FromAGS), from.Reference, neu.DisplayName(), where, neu.Stichtag(), why),
		UniqueKey: "rueckmeldung:" + from.ID}
	return h.DB.InTx(ctx, func(tx *sqlstore.Tx) error {
		if err := sqlstore.CreateTask(ctx, tx, t, now); err != nil {
			return err
		}
		rm.Status, rm.TaskID, rm.Detail = sqlstore.RueckmeldungAufgabe, t.ID, why
		if err := sqlstore.ResolveRueckmeldung(ctx, tx, rm, now); err != nil {
			return err
		}
		return sqlstore.AppendAudit(ctx, tx, now, audit.Record{Actor: PrincipalRueckmeldung, TenantAGS: rm.ToAGS, Action: "rueckmeldung.task", Object: "task:" + t.ID, Detail: `{"from":"` + from.Reference + `"}`})
	})
}
