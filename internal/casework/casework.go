// Package casework holds case work across offices (Vorgangsbearbeitung, Ämterbeteiligung):
// cases with a lifecycle defined as data, messages between office and applicant,
// participations of other offices, decisions (Bescheide), recorded permits and customs
// indications. It has no I/O: sqlstore stores the types, web shows them.
package casework

import (
	"slices"
	"strings"
	"time"

	"github.com/rathaus-egov/rathaus/internal/identity"
)

// Case is the work on one submission at the responsible office.
type Case struct {
	ID             string
	TenantAGS      string // the municipality of the responsible office (it works the case)
	OfficeID       string
	SubmissionID   string
	FiledAGS       string // the municipality the submission was filed with
	Type           string
	Leistung       string
	Reference      string // the submission's reference number
	DisplayName    string
	Status         Status
	AssigneeID     string
	AssigneeName   string
	DueAt          time.Time // the open question's or participation's deadline, if any
	Overdue        bool      // waited longer than the policy allows (office reminder sent)
	Version        int       // optimistic lock: every change increments it
	UserID         string    // the account that filed, if any
	OrganisationID string    // the business account filed for, if any
	StatusAt       time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Event kinds of a case's history.
const (
	EventOpened        = "eingegangen"
	EventTransition    = "status"
	EventNote          = "notiz"
	EventAssigned      = "zuweisung"
	EventMessage       = "nachricht"   // office → applicant
	EventReply         = "antwort"     // applicant → office
	EventRueckfrage    = "rueckfrage"  // office asks the applicant
	EventParticipation = "beteiligung" // another office asked
	EventPartAnswer    = "stellungnahme"
	EventPartOverdue   = "beteiligung_ueberfaellig"
	EventDecision      = "bescheid"
	EventDecisionRead  = "bescheid_gelesen"
	EventZoll          = "zoll"
	EventPermit        = "erlaubnis"
	EventReminder      = "erinnerung"
	EventEscalation    = "wartezeit"
)

// Event is one entry of a case's history. Public events are shown to the applicant too.
type Event struct {
	ID        string
	CaseID    string
	At        time.Time
	Kind      string
	ActorID   string
	ActorName string
	From, To  Status
	Text      string
	Public    bool
}

// Message directions and kinds.
const (
	FromOffice    = "office"
	FromApplicant = "applicant"

	KindMessage    = "nachricht"
	KindRueckfrage = "rueckfrage"
	KindNotice     = "hinweis" // sent by the platform (permit expiry, decision issued)
)

// Message is a message between the office and the applicant in the case's Postfach thread.
type Message struct {
	ID         string
	CaseID     string
	Direction  string
	Kind       string
	Body       string
	Deadline   time.Time // a Rückfrage's answer period
	AnsweredAt time.Time
	AuthorID   string
	AuthorName string
	CreatedAt  time.Time
	ReadAt     time.Time // when the other side first opened it
	Files      []File
}

// Open reports whether m is an unanswered Rückfrage.
func (m *Message) Open() bool { return m.Kind == KindRueckfrage && m.AnsweredAt.IsZero() }

// File owners.
const (
	OwnerMessage       = "message"
	OwnerParticipation = "participation"
)

// File is an attachment stored in the blob store.
type File struct {
	ID          string
	CaseID      string
	OwnerKind   string
	OwnerID     string
	Filename    string
	ContentType string
	BlobKey     string
	Size        int64
	CreatedAt   time.Time
}

// Part is a part of a case another office may be shown.
type Part string

// The parts of a case.
const (
	PartBetrieb   Part = "betriebsdaten" // the business, its site and activity
	PartPersonen  Part = "personen"      // the persons named in the notice
	PartDokumente Part = "dokumente"     // the filed documents (which contain everything)
)

// Parts lists the parts in display order.
var Parts = []Part{PartBetrieb, PartPersonen, PartDokumente}

// Participation states.
const (
	PartOpen     = "offen"
	PartAnswered = "beantwortet"
)

// Participation is the request of the lead office to another office (of the same or another
// municipality) to take part in a case.
type Participation struct {
	ID              string
	CaseID          string
	LeadAGS         string
	LeadOfficeID    string
	LeadOfficeName  string
	AGS             string // the participating office's municipality
	OfficeID        string
	OfficeName      string
	Question        string
	Deadline        time.Time
	Parts           []Part
	Status          string
	Answer          string
	AnsweredAt      time.Time
	AnsweredByName  string
	Overdue         bool // flagged by the deadline timer
	CreatedByName   string
	CreatedAt       time.Time
	Files           []File
	CaseReference   string // for lists
	CaseDisplayName string
	CaseLeistung    string
}

// Shares reports whether the participation shows part p.
func (p *Participation) Shares(part Part) bool { return slices.Contains(p.Parts, part) }

// IsOverdue reports whether the answer is late at now.
func (p *Participation) IsOverdue(now time.Time) bool {
	return p.Status == PartOpen && (p.Overdue || (!p.Deadline.IsZero() && now.After(p.Deadline)))
}

// Decision is an issued Bescheid.
type Decision struct {
	ID        string
	CaseID    string
	Result    Status
	Betreff   string
	Template  string
	BlobKey   string
	Size      int64
	Filename  string
	CreatedBy string
	CreatedAt time.Time
	ReadAt    time.Time // first download by the applicant (read receipt)
}

// Permit is a permit recorded in a case, with its expiry.
type Permit struct {
	ID        string
	CaseID    string
	Title     string
	ExpiresAt time.Time
	CreatedAt time.Time
}

// ZollIndication records that a notice must also go to customs (Zoll), e.g. because the
// business deals in goods subject to excise duty.
type ZollIndication struct {
	SubmissionID string
	CaseID       string
	TenantAGS    string
	Reasons      []string
	Note         string
	RecordedBy   string
	RecordedAt   time.Time
}

// ZollReasons are the indications an office can record, with German names.
var ZollReasons = []struct{ Code, Name string }{
	{"alkohol", "Alkohol und alkoholhaltige Waren (Alkoholsteuer)"},
	{"tabak", "Tabakwaren (Tabaksteuer)"},
	{"energie", "Energieerzeugnisse und Strom (Energie- und Stromsteuer)"},
	{"kaffee", "Kaffee (Kaffeesteuer)"},
	{"schaumwein", "Schaumwein und Zwischenerzeugnisse"},
	{"schwarzarbeit", "Hinweis für die Finanzkontrolle Schwarzarbeit"},
}

// KnownZollReason reports whether code is a recordable indication.
func KnownZollReason(code string) bool {
	for _, r := range ZollReasons {
		if r.Code == code {
			return true
		}
	}
	return false
}

// Case-work roles: staff with one of them in an office work its cases. tenant_admin alone
// administers the municipality but does not read cases.
var workRoles = []string{"sachbearbeitung", "leitung"}

// CanWork reports whether u works the cases of the office officeID of the municipality ags:
// a case-work role in that tenant, for that office or for every office (empty office id).
func CanWork(u *identity.User, ags, officeID string) bool {
	if u == nil || u.Kind != identity.KindStaff {
		return false
	}
	for _, r := range u.Roles {
		if r.TenantAGS == ags && (r.OfficeID == "" || r.OfficeID == officeID) && slices.Contains(workRoles, r.Role) {
			return true
		}
	}
	return false
}

// Desk is one (municipality, office) pair a staff member works for; an empty OfficeID means
// every office of the municipality.
type Desk struct {
	AGS      string
	OfficeID string
}

// Desks lists where u works cases.
func Desks(u *identity.User) []Desk {
	var out []Desk
	if u == nil || u.Kind != identity.KindStaff {
		return nil
	}
	for _, r := range u.Roles {
		if !slices.Contains(workRoles, r.Role) {
			continue
		}
		d := Desk{AGS: r.TenantAGS, OfficeID: r.OfficeID}
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}

// ApplicantOf reports whether u filed the case or is a member of the business it was filed
// for.
func ApplicantOf(u *identity.User, c *Case) bool {
	if u == nil {
		return false
	}
	if c.UserID != "" && c.UserID == u.ID {
		return true
	}
	for _, o := range u.Organisations {
		if c.OrganisationID != "" && o.ID == c.OrganisationID {
			return true
		}
	}
	return false
}

// trim normalises user text: trimmed, Windows line ends folded.
func trim(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
}
