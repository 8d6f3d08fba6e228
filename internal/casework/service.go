package casework

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rathaus-egov/rathaus/internal/apperr"
	"github.com/rathaus-egov/rathaus/internal/clock"
)

// Job kinds of the case timers. Every timer carries a UniqueKey, so scheduling it twice
// never runs it twice, and its handler re-checks the case before acting.
const (
	JobRueckfrageReminder   = "case.rueckfrage_reminder"
	JobOfficeReminder       = "case.office_reminder"
	JobParticipationOverdue = "case.participation_overdue"
	JobPermitExpiry         = "case.permit_expiry"
)

// TimerPayload is the payload of every case timer.
type TimerPayload struct {
	Case  string `json:"case"`
	Ref   string `json:"ref,omitempty"`   // the message, participation or permit concerned
	Since int64  `json:"since,omitempty"` // office reminder: the status time it watches (Unix µs)
}

// Timer is a durable job a change schedules.
type Timer struct {
	Kind    string
	RunAt   time.Time
	Key     string
	Payload json.RawMessage
}

// Actor is who makes a change.
type Actor struct {
	ID   string // "user:<id>", "token:<id>" or "system"
	Name string
}

// Change is what one action does to a case. The domain decides it; sqlstore applies it in
// one transaction (with the case's version as optimistic lock), so an action is all or
// nothing.
type Change struct {
	To             Status // new status; empty: unchanged
	AssigneeID     *string
	AssigneeName   string
	DueAt          *time.Time
	Overdue        *bool
	Events         []Event
	Messages       []Message
	AnswerOpen     bool // mark the open Rückfragen answered
	Participations []Participation
	PartAnswer     *Participation // the answered participation (ID, Answer, Files)
	PartOverdue    string         // id of a participation flagged overdue
	Decision       *Decision
	Permits        []Permit
	Zoll           *ZollIndication
	Timers         []Timer
	Audit          []string // audit actions, object is the case
	// Notify asks the adapter to tell the applicant that something new waits in the
	// Postfach (a mail without personal data).
	Notify bool
	// NotifyOffices lists offices (AGS/office id) to remind by mail.
	NotifyOffices []Desk
}

// Service decides case changes. It has no I/O.
type Service struct {
	Machines  *Registry
	Templates *Templates
	NewID     func() string
}

// Machine returns the machine of c's type.
func (s *Service) Machine(c *Case) *Machine {
	if m, ok := s.Machines.Machine(c.Type); ok {
		return m
	}
	m, _ := s.Machines.Machine("antrag")
	return m
}

// NewCase opens the case for a submission. The returned change holds the opening event and
// the office reminder timer.
func (s *Service) NewCase(c *Case, now time.Time) *Change {
	m := s.Machine(c)
	c.ID, c.Status, c.Version = s.NewID(), m.Initial, 1
	c.StatusAt, c.CreatedAt, c.UpdatedAt = now, now, now
	ch := &Change{Audit: []string{"case.open"}}
	ch.Events = append(ch.Events, s.event(c, Actor{ID: "system"}, EventOpened, "", now, true))
	ch.Timers = append(ch.Timers, s.officeTimer(c))
	return ch
}

func (s *Service) event(c *Case, a Actor, kind, text string, now time.Time, public bool) Event {
	return Event{ID: s.NewID(), CaseID: c.ID, At: now, Kind: kind, ActorID: a.ID, ActorName: a.Name, Text: text, Public: public}
}

// officeTimer watches that the case does not stay too long in its current status: it fires
// after the policy's period and does nothing if the status changed meanwhile.
func (s *Service) officeTimer(c *Case) Timer {
	m := s.Machine(c)
	since := c.StatusAt.UnixMicro()
	p, _ := json.Marshal(TimerPayload{Case: c.ID, Since: since})
	return Timer{Kind: JobOfficeReminder, RunAt: m.Policy.OfficeReminderAt(c.StatusAt), Key: fmt.Sprintf("case-wait:%s:%d", c.ID, since), Payload: p}
}

// transition adds a checked status change to ch and moves c.
func (s *Service) transition(c *Case, ch *Change, a Actor, to Status, note string, now time.Time) error {
	if err := s.Machine(c).Transition(c.Status, to); err != nil {
		return err
	}
	e := s.event(c, a, EventTransition, note, now, true)
	e.From, e.To = c.Status, to
	ch.Events = append(ch.Events, e)
	ch.Audit = append(ch.Audit, "case.transition")
	ch.To, c.Status, c.StatusAt = to, to, now
	return nil
}

// startIfNew takes up a case that has just come in: an action of the office on a case in
// its initial state first moves it to in_bearbeitung (recorded as its own transition).
func (s *Service) startIfNew(c *Case, ch *Change, a Actor, now time.Time) error {
	if c.Status == Eingegangen {
		return s.transition(c, ch, a, InBearbeitung, "", now)
	}
	return nil
}

// finish completes a change that moved the case: a new office timer for the new status, and
// the waiting flag cleared.
func (s *Service) finish(c *Case, ch *Change, now time.Time) *Change {
	if ch.To != "" && !s.Machine(c).IsFinal(c.Status) {
		ch.Timers = append(ch.Timers, s.officeTimer(c))
	}
	if ch.To != "" && c.Overdue {
		f := false
		ch.Overdue = &f
	}
	return ch
}

// Transition moves the case to `to` with an optional note: the generic step of the API and
// the case page. A Rückfrage needs the question (the note) and gets the default answer
// period; a participation needs an office and cannot be started here.
func (s *Service) Transition(c *Case, a Actor, to Status, note string, now time.Time) (*Change, error) {
	note = trim(note)
	switch to {
	case Rueckfrage:
		if note == "" {
			return nil, apperr.Invalid(apperr.FieldError{Pointer: "/note", Code: "required", Message: "Notiz: Für eine Rückfrage ist die Frage an die antragstellende Person anzugeben."})
		}
		days := s.Machine(c).Policy.RueckfrageDefaultDays
		return s.AskApplicant(c, a, note, now.AddDate(0, 0, days), nil, now)
	case Beteiligung:
		if err := s.Machine(c).Transition(c.Status, to); err != nil {
			return nil, err
		}
		return nil, apperr.Invalid(apperr.FieldError{Pointer: "/to", Code: "beteiligung_requires_office", Message: "Eine Beteiligung braucht die beteiligte Stelle, eine Frage und eine Frist; bitte auf der Vorgangsseite anlegen."})
	}
	ch := &Change{}
	if err := s.transition(c, ch, a, to, note, now); err != nil {
		return nil, err
	}
	if to == InBearbeitung {
		var zero time.Time
		ch.DueAt = &zero
		c.DueAt = zero
	}
	if s.Machine(c).IsFinal(to) {
		ch.Notify = true
	}
	return s.finish(c, ch, now), nil
}

// Assign gives the case to a person of the office (empty id: nobody).
func (s *Service) Assign(c *Case, a Actor, id, name string, now time.Time) *Change {
	ch := &Change{AssigneeID: &id, AssigneeName: name, Audit: []string{"case.assign"}}
	text := "Zuweisung aufgehoben"
	if id != "" {
		text = "Zugewiesen an " + name
	}
	ch.Events = append(ch.Events, s.event(c, a, EventAssigned, text, now, false))
	c.AssigneeID, c.AssigneeName = id, name
	return ch
}

// AddNote records an internal note (never shown to the applicant).
func (s *Service) AddNote(c *Case, a Actor, text string, now time.Time) (*Change, error) {
	text, errs := MessageInput{Field: "case_note", Label: "Notiz", Body: text}.Check()
	if len(errs) > 0 {
		return nil, apperr.Invalid(errs...)
	}
	return &Change{Events: []Event{s.event(c, a, EventNote, text, now, false)}, Audit: []string{"case.note"}}, nil
}

// AskApplicant sends a Rückfrage with an answer period: the case waits for the applicant
// (rueckfrage), who is notified, and reminded before the period ends.
func (s *Service) AskApplicant(c *Case, a Actor, question string, deadline time.Time, files []File, now time.Time) (*Change, error) {
	ch := &Change{}
	if err := s.startIfNew(c, ch, a, now); err != nil {
		return nil, err
	}
	if err := s.transition(c, ch, a, Rueckfrage, "", now); err != nil {
		return nil, err
	}
	m := Message{ID: s.NewID(), CaseID: c.ID, Direction: FromOffice, Kind: KindRueckfrage, Body: question, Deadline: deadline, AuthorID: a.ID, AuthorName: a.Name, CreatedAt: now, Files: files}
	ch.Messages = append(ch.Messages, m)
	ch.Events = append(ch.Events, s.event(c, a, EventRueckfrage, "", now, true))
	ch.DueAt, c.DueAt = &deadline, deadline
	if at := s.Machine(c).Policy.RueckfrageReminderAt(now, deadline); !at.IsZero() {
		p, _ := json.Marshal(TimerPayload{Case: c.ID, Ref: m.ID})
		ch.Timers = append(ch.Timers, Timer{Kind: JobRueckfrageReminder, RunAt: at, Key: "case-rf:" + m.ID, Payload: p})
	}
	ch.Notify = true
	ch.Audit = append(ch.Audit, "case.rueckfrage")
	return s.finish(c, ch, now), nil
}

// MessageApplicant sends a message without changing the status.
func (s *Service) MessageApplicant(c *Case, a Actor, body string, files []File, now time.Time) (*Change, error) {
	m := Message{ID: s.NewID(), CaseID: c.ID, Direction: FromOffice, Kind: KindMessage, Body: body, AuthorID: a.ID, AuthorName: a.Name, CreatedAt: now, Files: files}
	return &Change{Messages: []Message{m}, Events: []Event{s.event(c, a, EventMessage, "", now, true)}, Notify: true, Audit: []string{"case.message"}}, nil
}

// Reply is the applicant's message from the Postfach. It answers an open Rückfrage, which
// puts the case back to in_bearbeitung.
func (s *Service) Reply(c *Case, a Actor, body string, files []File, now time.Time) (*Change, error) {
	if s.Machine(c).IsFinal(c.Status) {
		return nil, apperr.Conflict("case.closed", "Der Vorgang ist abgeschlossen; Nachrichten sind nicht mehr möglich. Bitte wenden Sie sich direkt an das Amt.")
	}
	ch := &Change{}
	m := Message{ID: s.NewID(), CaseID: c.ID, Direction: FromApplicant, Kind: KindMessage, Body: body, AuthorID: a.ID, AuthorName: a.Name, CreatedAt: now, Files: files}
	ch.Messages = append(ch.Messages, m)
	ch.Events = append(ch.Events, s.event(c, a, EventReply, "", now, true))
	ch.Audit = append(ch.Audit, "case.reply")
	if c.Status == Rueckfrage {
		ch.AnswerOpen = true
		if err := s.transition(c, ch, a, InBearbeitung, "", now); err != nil {
			return nil, err
		}
		var zero time.Time
		ch.DueAt, c.DueAt = &zero, zero
		return s.finish(c, ch, now), nil
	}
	return ch, nil
}

// Office names an office for a participation.
type Office struct {
	AGS  string
	ID   string
	Name string
}

// RequestParticipation asks another office to take part. The case waits (beteiligung) until
// every participation is answered.
func (s *Service) RequestParticipation(c *Case, a Actor, lead, part Office, question string, deadline time.Time, parts []Part, now time.Time) (*Change, error) {
	if part.AGS == lead.AGS && part.ID == lead.ID {
		return nil, apperr.Invalid(apperr.FieldError{Pointer: "office_kind", Code: "self", Message: "Beteiligte Stelle: Das federführende Amt kann sich nicht selbst beteiligen."})
	}
	ch := &Change{}
	if err := s.startIfNew(c, ch, a, now); err != nil {
		return nil, err
	}
	if c.Status != Beteiligung {
		if err := s.transition(c, ch, a, Beteiligung, "", now); err != nil {
			return nil, err
		}
	}
	p := Participation{ID: s.NewID(), CaseID: c.ID, LeadAGS: lead.AGS, LeadOfficeID: lead.ID, LeadOfficeName: lead.Name, AGS: part.AGS, OfficeID: part.ID, OfficeName: part.Name,
		Question: question, Deadline: deadline, Parts: parts, Status: PartOpen, CreatedByName: a.Name, CreatedAt: now}
	ch.Participations = append(ch.Participations, p)
	ch.Events = append(ch.Events, s.event(c, a, EventParticipation, part.Name, now, true))
	if c.DueAt.IsZero() || deadline.Before(c.DueAt) {
		ch.DueAt, c.DueAt = &deadline, deadline
	}
	payload, _ := json.Marshal(TimerPayload{Case: c.ID, Ref: p.ID})
	ch.Timers = append(ch.Timers, Timer{Kind: JobParticipationOverdue, RunAt: deadline, Key: "case-part:" + p.ID, Payload: payload})
	ch.Audit = append(ch.Audit, "case.participation")
	return s.finish(c, ch, now), nil
}

// AnswerParticipation records the participating office's answer. When no other
// participation is open, the case goes back to in_bearbeitung at the lead office.
func (s *Service) AnswerParticipation(c *Case, p *Participation, others []Participation, a Actor, answer string, files []File, now time.Time) (*Change, error) {
	if p.Status != PartOpen {
		return nil, apperr.Conflict("participation.answered", "Diese Beteiligung ist bereits beantwortet.")
	}
	ans := *p
	ans.Answer, ans.AnsweredAt, ans.AnsweredByName, ans.Status, ans.Files = answer, now, a.Name, PartAnswered, files
	ch := &Change{PartAnswer: &ans, Audit: []string{"case.participation_answer"}}
	ch.Events = append(ch.Events, s.event(c, a, EventPartAnswer, p.OfficeName, now, false))
	stillOpen := slices.ContainsFunc(others, func(o Participation) bool { return o.ID != p.ID && o.Status == PartOpen })
	if c.Status == Beteiligung && !stillOpen {
		if err := s.transition(c, ch, Actor{ID: a.ID, Name: a.Name}, InBearbeitung, "Stellungnahme eingegangen: "+p.OfficeName, now); err != nil {
			return nil, err
		}
		var zero time.Time
		ch.DueAt, c.DueAt = &zero, zero
		return s.finish(c, ch, now), nil
	}
	return ch, nil
}

// RecordZoll records the customs indications (replacing earlier ones).
func (s *Service) RecordZoll(c *Case, a Actor, reasons []string, note string, now time.Time) (*Change, error) {
	var errs []apperr.FieldError
	var clean []string
	for _, r := range reasons {
		if !KnownZollReason(r) {
			errs = append(errs, apperr.FieldError{Pointer: "zoll", Code: "unknown", Message: "Hinweise für den Zoll: unbekannter Hinweis."})
		} else if !slices.Contains(clean, r) {
			clean = append(clean, r)
		}
	}
	if len(clean) == 0 && len(errs) == 0 {
		errs = append(errs, apperr.FieldError{Pointer: "zoll", Code: "required", Message: "Hinweise für den Zoll: Bitte mindestens einen Hinweis auswählen."})
	}
	note, e := text("zoll_note", "Anmerkung für den Zoll", note, false)
	if errs = append(errs, e...); len(errs) > 0 {
		return nil, apperr.Invalid(errs...)
	}
	z := &ZollIndication{SubmissionID: c.SubmissionID, CaseID: c.ID, Reasons: clean, Note: note, RecordedBy: a.Name, RecordedAt: now}
	return &Change{Zoll: z, Events: []Event{s.event(c, a, EventZoll, strings.Join(clean, ", "), now, false)}, Audit: []string{"case.zoll"}}, nil
}

// Close ends the case with its result, the issued Bescheid (already rendered and stored by
// the adapter, or nil) and a recorded permit whose expiry the business will be told of.
func (s *Service) Close(c *Case, a Actor, cl *Closing, d *Decision, now time.Time) (*Change, error) {
	ch := &Change{}
	if err := s.startIfNew(c, ch, a, now); err != nil {
		return nil, err
	}
	if err := s.transition(c, ch, a, cl.Result, cl.Note, now); err != nil {
		return nil, err
	}
	var zero time.Time
	ch.DueAt, c.DueAt = &zero, zero
	if d != nil {
		d.ID, d.CaseID, d.Result, d.CreatedBy, d.CreatedAt = s.NewID(), c.ID, cl.Result, a.Name, now
		ch.Decision = d
		ch.Events = append(ch.Events, s.event(c, a, EventDecision, d.Betreff, now, true))
		ch.Audit = append(ch.Audit, "case.decision")
	}
	if cl.Permit != nil {
		p := *cl.Permit
		p.ID, p.CaseID, p.CreatedAt = s.NewID(), c.ID, now
		ch.Permits = append(ch.Permits, p)
		ch.Events = append(ch.Events, s.event(c, a, EventPermit, p.Title, now, true))
		payload, _ := json.Marshal(TimerPayload{Case: c.ID, Ref: p.ID})
		ch.Timers = append(ch.Timers, Timer{Kind: JobPermitExpiry, RunAt: s.Machine(c).Policy.PermitNoticeAt(now, p.ExpiresAt), Key: "case-permit:" + p.ID, Payload: payload})
	}
	ch.Notify = true
	return s.finish(c, ch, now), nil
}

// Waiting decides the office reminder timer: when the case is still in the status the timer
// watched (since, Unix µs), that status is the office's turn (not final, not waiting for the
// applicant or another office, which have timers of their own) and it is not flagged yet, it
// is flagged and its office reminded. Otherwise nil.
func (s *Service) Waiting(c *Case, since int64, now time.Time) *Change {
	if c.StatusAt.UnixMicro() != since || s.Machine(c).IsFinal(c.Status) || c.Overdue || c.Status == Rueckfrage || c.Status == Beteiligung {
		return nil
	}
	t := true
	days := s.Machine(c).Policy.OfficeReminderAfterDays
	return &Change{Overdue: &t, Events: []Event{s.event(c, Actor{ID: "system"}, EventEscalation, fmt.Sprintf("Seit %d Tagen unverändert", days), now, false)},
		NotifyOffices: []Desk{{AGS: c.TenantAGS, OfficeID: c.OfficeID}}, Audit: []string{"case.escalation"}}
}

// RueckfrageReminder decides the reminder before a Rückfrage's deadline: only while that
// question is still open.
func (s *Service) RueckfrageReminder(c *Case, m *Message, now time.Time) *Change {
	if c.Status != Rueckfrage || m == nil || !m.Open() {
		return nil
	}
	return &Change{Events: []Event{s.event(c, Actor{ID: "system"}, EventReminder, "Erinnerung an die Rückfrage", now, false)}, Notify: true, Audit: []string{"case.reminder"}}
}

// ParticipationOverdue flags an unanswered participation at its deadline, to both offices.
func (s *Service) ParticipationOverdue(c *Case, p *Participation, now time.Time) *Change {
	if p == nil || p.Status != PartOpen || p.Overdue {
		return nil
	}
	return &Change{PartOverdue: p.ID, Events: []Event{s.event(c, Actor{ID: "system"}, EventPartOverdue, p.OfficeName, now, false)},
		NotifyOffices: []Desk{{AGS: p.LeadAGS, OfficeID: p.LeadOfficeID}, {AGS: p.AGS, OfficeID: p.OfficeID}}, Audit: []string{"case.participation_overdue"}}
}

// PermitExpiry tells the business that a permit runs out: a notice in the Postfach.
func (s *Service) PermitExpiry(c *Case, p *Permit, now time.Time) *Change {
	if p == nil {
		return nil
	}
	body := fmt.Sprintf("Ihre Erlaubnis „%s“ aus diesem Vorgang läuft am %s ab. Bitte beantragen Sie rechtzeitig eine Verlängerung.", p.Title, p.ExpiresAt.In(clock.Berlin).Format("02.01.2006"))
	m := Message{ID: s.NewID(), CaseID: c.ID, Direction: FromOffice, Kind: KindNotice, Body: body, AuthorID: "system", AuthorName: "Rathaus Sachsen", CreatedAt: now}
	return &Change{Messages: []Message{m}, Events: []Event{s.event(c, Actor{ID: "system"}, EventReminder, "Hinweis auf Ablauf der Erlaubnis", now, true)}, Notify: true, Audit: []string{"case.permit_notice"}}
}
