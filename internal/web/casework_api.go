package web

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"

	"github.com/rathaus-egov/rathaus/internal/apperr"
	"github.com/rathaus-egov/rathaus/internal/audit"
	"github.com/rathaus-egov/rathaus/internal/casework"
	"github.com/rathaus-egov/rathaus/internal/sqlstore"
	"github.com/rathaus-egov/rathaus/internal/tenant"
)

type apiCase struct {
	ID           string `json:"id"`
	Reference    string `json:"reference"`
	SubmissionID string `json:"submission"`
	Type         string `json:"type"`
	Leistung     string `json:"leistung"`
	AGS          string `json:"ags"`
	Office       string `json:"office"`
	Status       string `json:"status"`
	Assignee     string `json:"assignee,omitempty"`
	DueAt        string `json:"dueAt,omitempty"`
	Overdue      bool   `json:"overdue"`
	Version      int    `json:"version"`
	CreatedAt    string `json:"createdAt"`
	UpdatedAt    string `json:"updatedAt"`
}

type apiCaseEvent struct {
	At   string `json:"at"`
	Kind string `json:"kind"`
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	Text string `json:"text,omitempty"`
}

type apiCaseDetail struct {
	apiCase
	Next   []string       `json:"next"`
	Events []apiCaseEvent `json:"events"`
}

const apiTime = "2006-01-02T15:04:05Z"

func caseJSON(c *casework.Case) apiCase {
	a := apiCase{ID: c.ID, Reference: c.Reference, SubmissionID: c.SubmissionID, Type: c.Type, Leistung: c.Leistung, AGS: c.TenantAGS, Office: c.OfficeID,
		Status: string(c.Status), Assignee: c.AssigneeName, Overdue: c.Overdue, Version: c.Version,
		CreatedAt: c.CreatedAt.UTC().Format(apiTime), UpdatedAt: c.UpdatedAt.UTC().Format(apiTime)}
	if !c.DueAt.IsZero() {
		a.DueAt = c.DueAt.UTC().Format(apiTime)
	}
	return a
}

// casesToken returns the municipality a cases token is bound to; a platform-wide token
// cannot read cases (they are always one municipality's).
func casesToken(st *reqState) (string, error) {
	if st.token.TenantAGS == "" {
		return "", &httpError{status: http.StatusForbidden, key: "error.forbidden", detail: "Ein Token mit dem Recht cases muss an eine Gemeinde gebunden sein."}
	}
	return st.token.TenantAGS, nil
}

// apiCases lists the municipality's cases: ?status= and ?office= (office id or kind).
func (s *Server) apiCases(w http.ResponseWriter, r *http.Request) error {
	st := state(r)
	ags, err := casesToken(st)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := sqlstore.CaseFilter{Desks: []casework.Desk{{AGS: ags}}, Status: q.Get("status"), Limit: 100, After: q.Get("cursor")}
	if st := f.Status; st != "" && !slices.Contains(caseStatuses, casework.Status(st)) {
		return &httpError{status: http.StatusBadRequest, key: "error.invalid", detail: "status: Unbekannter Vorgangsstatus " + strconv.Quote(st) + "."}
	}
	if !sqlstore.ValidCaseCursor(f.After) {
		return &httpError{status: http.StatusBadRequest, key: "error.invalid", detail: "cursor: Kein Cursor dieser Liste (bitte next der vorigen Seite verwenden)."}
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 500 {
			return &httpError{status: http.StatusBadRequest, key: "error.invalid", detail: "limit: eine Zahl von 1 bis 500."}
		}
		f.Limit = n
	}
	if o := q.Get("office"); o != "" {
		if tenant.KnownOfficeKind(o) {
			off, err := s.DB.OfficeByKind(r.Context(), ags, tenant.OfficeKind(o))
			if err != nil {
				return writeJSON(w, http.StatusOK, map[string]any{"count": 0, "total": 0, "cases": []apiCase{}})
			}
			o = off.ID
		}
		f.OfficeID = o
	}
	cases, more, err := s.DB.ListCases(r.Context(), f)
	if err != nil {
		return err
	}
	total, err := s.DB.CountCases(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]apiCase, 0, len(cases))
	for _, c := range cases {
		out = append(out, caseJSON(c))
	}
	if err := s.DB.Audit(r.Context(), s.Now(), audit.Record{Actor: actorOf(st), TenantAGS: ags, Action: "case.list", Detail: `{"count":` + itoa(len(out)) + `}`}); err != nil {
		return err
	}
	resp := map[string]any{"count": len(out), "total": total, "cases": out}
	if more {
		resp["next"] = sqlstore.CaseCursor(cases[len(cases)-1])
	}
	return writeJSON(w, http.StatusOK, resp)
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func (s *Server) apiCaseLoad(r *http.Request) (*casework.Case, error) {
	st := state(r)
	ags, err := casesToken(st)
	if err != nil {
		return nil, err
	}
	c, err := s.DB.GetCase(r.Context(), ags, r.PathValue("cid"))
	if err != nil {
		return nil, err
	}
	if r.Method == http.MethodGet {
		if err := s.DB.Audit(r.Context(), s.Now(), audit.Record{Actor: actorOf(st), TenantAGS: ags, Action: "case.read", Object: "case:" + c.ID, Detail: `{"path":"` + r.URL.Path + `"}`}); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func (s *Server) apiCaseDetail(r *http.Request, c *casework.Case) (apiCaseDetail, error) {
	d := apiCaseDetail{apiCase: caseJSON(c), Next: []string{}, Events: []apiCaseEvent{}}
	for _, n := range s.Casework.Machine(c).Next(c.Status) {
		d.Next = append(d.Next, string(n))
	}
	es, err := s.DB.CaseEvents(r.Context(), c.TenantAGS, c.ID, false)
	if err != nil {
		return d, err
	}
	for _, e := range es {
		d.Events = append(d.Events, apiCaseEvent{At: e.At.UTC().Format(apiTime), Kind: e.Kind, From: string(e.From), To: string(e.To), Text: e.Text})
	}
	return d, nil
}

func (s *Server) apiCase(w http.ResponseWriter, r *http.Request) error {
	c, err := s.apiCaseLoad(r)
	if err != nil {
		return err
	}
	d, err := s.apiCaseDetail(r, c)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, d)
}

type transitionRequest struct {
	To   string `json:"to"`
	Note string `json:"note"`
}

// apiCaseTransition moves a case: {to, note}. A transition the case type does not allow is
// a 409 problem naming both states.
func (s *Server) apiCaseTransition(w http.ResponseWriter, r *http.Request) error {
	st := state(r)
	var req transitionRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	c, err := s.apiCaseLoad(r)
	if err != nil {
		return err
	}
	if req.To == "" || !slices.Contains(s.Casework.Machine(c).States, casework.Status(req.To)) {
		return invalidField("/to", "unknown", "to: Unbekannter Bearbeitungsstand; erlaubt sind die Werte in \"next\" des Vorgangs.")
	}
	ch, err := s.Casework.Transition(c, caseActor(st), casework.Status(req.To), req.Note, s.Now())
	if err != nil {
		return err
	}
	if err := s.applyCase(r.Context(), c, ch, actorOf(st)); err != nil {
		return err
	}
	d, err := s.apiCaseDetail(r, c)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, d)
}

func invalidField(pointer, code, msg string) error {
	return apperr.Invalid(apperr.FieldError{Pointer: pointer, Code: code, Message: msg})
}
