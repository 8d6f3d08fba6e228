package casework

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/rathaus-egov/rathaus/internal/apperr"
)

// Status is the state of a case.
type Status string

// The states the shipped case types use.
const (
	Eingegangen   Status = "eingegangen"
	InBearbeitung Status = "in_bearbeitung"
	Rueckfrage    Status = "rueckfrage"
	Beteiligung   Status = "beteiligung"
	Abgeschlossen Status = "abgeschlossen"
	Abgelehnt     Status = "abgelehnt"
)

// statusNames are the German names used in error messages (the web layer has its own keys).
var statusNames = map[Status]string{
	Eingegangen:   "Eingegangen",
	InBearbeitung: "In Bearbeitung",
	Rueckfrage:    "Rückfrage",
	Beteiligung:   "Beteiligung",
	Abgeschlossen: "Abgeschlossen",
	Abgelehnt:     "Abgelehnt",
}

// Name returns the German name of the status.
func (s Status) Name() string {
	if n, ok := statusNames[s]; ok {
		return n
	}
	return string(s)
}

// Edge is one allowed transition.
type Edge struct {
	From Status `json:"from"`
	To   Status `json:"to"`
}

// Policy holds the deadlines and escalation rules of a case type, as data.
type Policy struct {
	// OfficeReminderAfterDays: a case that is not final and has not changed for this many days
	// is flagged and its office reminded.
	OfficeReminderAfterDays int `json:"officeReminderAfterDays"`
	// RueckfrageDefaultDays is the answer period proposed for a question to the applicant.
	RueckfrageDefaultDays int `json:"rueckfrageDefaultDays"`
	// RueckfrageReminderDaysBefore: the applicant is reminded this many days before the
	// answer period ends.
	RueckfrageReminderDaysBefore int `json:"rueckfrageReminderDaysBefore"`
	// BeteiligungDefaultDays is the answer period proposed for a participating office.
	BeteiligungDefaultDays int `json:"beteiligungDefaultDays"`
	// PermitNoticeDaysBefore: the business is told this many days before a permit recorded
	// in the case expires.
	PermitNoticeDaysBefore int `json:"permitNoticeDaysBefore"`
}

// OfficeReminderAt returns when a case that changed at changed waits too long.
func (p Policy) OfficeReminderAt(changed time.Time) time.Time {
	return changed.AddDate(0, 0, p.OfficeReminderAfterDays)
}

// RueckfrageReminderAt returns when the applicant is reminded of a question due at deadline;
// the zero time when the deadline is too close for a reminder to make sense.
func (p Policy) RueckfrageReminderAt(asked, deadline time.Time) time.Time {
	at := deadline.AddDate(0, 0, -p.RueckfrageReminderDaysBefore)
	if !at.After(asked) {
		return time.Time{}
	}
	return at
}

// PermitNoticeAt returns when the business is told that a permit expiring at expires runs
// out; never before now.
func (p Policy) PermitNoticeAt(now, expires time.Time) time.Time {
	at := expires.AddDate(0, 0, -p.PermitNoticeDaysBefore)
	if at.Before(now) {
		return now
	}
	return at
}

// Machine is the lifecycle of one case type. It is defined as data (machines.json).
type Machine struct {
	Type        string   `json:"type"`
	Initial     Status   `json:"initial"`
	States      []Status `json:"states"`
	Final       []Status `json:"final"`
	Transitions []Edge   `json:"transitions"`
	Policy      Policy   `json:"policy"`
}

// Transition returns nil when the machine allows from → to, else an apperr.Conflict with
// the message key "case.transition_invalid" and a German text naming both states.
func (m *Machine) Transition(from, to Status) error {
	if !slices.Contains(m.States, to) {
		return apperr.Conflict("case.status_unknown", fmt.Sprintf("Den Bearbeitungsstand „%s“ gibt es für diesen Vorgang nicht.", to))
	}
	if slices.Contains(m.Transitions, Edge{From: from, To: to}) {
		return nil
	}
	if m.IsFinal(from) {
		return apperr.Conflict("case.transition_final", fmt.Sprintf("Der Vorgang ist bereits „%s“ und kann nicht mehr geändert werden.", from.Name()))
	}
	return apperr.Conflict("case.transition_invalid", fmt.Sprintf("Der Vorgang kann nicht von „%s“ nach „%s“ wechseln.", from.Name(), to.Name()))
}

// Next lists the states reachable from s in one step, in the order of the definition.
func (m *Machine) Next(s Status) []Status {
	var out []Status
	for _, e := range m.Transitions {
		if e.From == s {
			out = append(out, e.To)
		}
	}
	return out
}

// IsFinal reports whether s ends the case.
func (m *Machine) IsFinal(s Status) bool { return slices.Contains(m.Final, s) }

// Registry holds the case types.
type Registry struct {
	machines map[string]*Machine
}

//go:embed machines.json
var machinesJSON []byte

// Load parses the shipped case types and checks them.
func Load() (*Registry, error) { return Parse(machinesJSON) }

// Parse parses case type definitions and checks that every transition names known states,
// the initial state is known and final states have no way out.
func Parse(b []byte) (*Registry, error) {
	var doc struct {
		Types []*Machine `json:"types"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("casework: machines: %w", err)
	}
	r := &Registry{machines: map[string]*Machine{}}
	for _, m := range doc.Types {
		if m.Type == "" || r.machines[m.Type] != nil {
			return nil, fmt.Errorf("casework: case type %q missing or defined twice", m.Type)
		}
		if !slices.Contains(m.States, m.Initial) {
			return nil, fmt.Errorf("casework: %s: initial state %q is not a state", m.Type, m.Initial)
		}
		for _, e := range m.Transitions {
			if !slices.Contains(m.States, e.From) || !slices.Contains(m.States, e.To) {
				return nil, fmt.Errorf("casework: %s: transition %s → %s names an unknown state", m.Type, e.From, e.To)
			}
			if slices.Contains(m.Final, e.From) {
				return nil, fmt.Errorf("casework: %s: final state %s has a transition", m.Type, e.From)
			}
		}
		r.machines[m.Type] = m
	}
	return r, nil
}

// Machine returns the machine of a case type.
func (r *Registry) Machine(caseType string) (*Machine, bool) {
	m, ok := r.machines[caseType]
	return m, ok
}

// TypeFor returns the case type a submission opens: Gewerbeanzeigen (art set) have their own,
// every other procedure the generic "antrag".
func TypeFor(art string) string {
	if art != "" {
		return "gewerbeanzeige"
	}
	return "antrag"
}
