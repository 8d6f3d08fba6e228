package web

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/rathaus-egov/rathaus/internal/apperr"
	"github.com/rathaus-egov/rathaus/internal/casework"
	"github.com/rathaus-egov/rathaus/internal/jobs"
)

// CaseJobs returns the handlers of the case timers (proactive administration): the reminder
// before a Rückfrage's deadline, the office reminder for a case waiting too long, the flag on
// an overdue participation and the notice before a recorded permit expires. Each re-reads the
// case and lets the casework.Service decide, so a timer whose reason has gone does nothing;
// each change is applied with the case's version, so a concurrent change makes the job retry.
func (s *Server) CaseJobs() map[string]jobs.Handler {
	return map[string]jobs.Handler{
		casework.JobOfficeReminder: s.caseTimer(func(ctx context.Context, c *casework.Case, p casework.TimerPayload) (*casework.Change, error) {
			return s.Casework.Waiting(c, p.Since, s.Now()), nil
		}),
		casework.JobRueckfrageReminder: s.caseTimer(func(ctx context.Context, c *casework.Case, p casework.TimerPayload) (*casework.Change, error) {
			ms, err := s.DB.CaseMessages(ctx, c.TenantAGS, c.ID)
			if err != nil {
				return nil, err
			}
			i := slices.IndexFunc(ms, func(m casework.Message) bool { return m.ID == p.Ref })
			if i < 0 {
				return nil, nil
			}
			return s.Casework.RueckfrageReminder(c, &ms[i], s.Now()), nil
		}),
		casework.JobParticipationOverdue: s.caseTimer(func(ctx context.Context, c *casework.Case, p casework.TimerPayload) (*casework.Change, error) {
			part, err := s.DB.ParticipationByID(ctx, p.Ref)
			if apperr.KindOf(err) == apperr.KindNotFound || (err == nil && part.CaseID != c.ID) {
				return nil, nil
			}
			if err != nil {
				return nil, err
			}
			return s.Casework.ParticipationOverdue(c, part, s.Now()), nil
		}),
		casework.JobPermitExpiry: s.caseTimer(func(ctx context.Context, c *casework.Case, p casework.TimerPayload) (*casework.Change, error) {
			ps, err := s.DB.CasePermits(ctx, c.TenantAGS, c.ID)
			if err != nil {
				return nil, err
			}
			i := slices.IndexFunc(ps, func(x casework.Permit) bool { return x.ID == p.Ref })
			if i < 0 {
				return nil, nil
			}
			return s.Casework.PermitExpiry(c, &ps[i], s.Now()), nil
		}),
	}
}

func (s *Server) caseTimer(decide func(ctx context.Context, c *casework.Case, p casework.TimerPayload) (*casework.Change, error)) jobs.Handler {
	return func(ctx context.Context, j jobs.Job) error {
		var p casework.TimerPayload
		if err := json.Unmarshal(j.Payload, &p); err != nil {
			return jobs.Permanent(err)
		}
		c, err := s.DB.GetCase(ctx, j.TenantAGS, p.Case)
		if apperr.KindOf(err) == apperr.KindNotFound {
			return jobs.Permanent(err)
		}
		if err != nil {
			return err
		}
		ch, err := decide(ctx, c, p)
		if err != nil || ch == nil {
			return err
		}
		return s.applyCase(ctx, c, ch, "system")
	}
}
