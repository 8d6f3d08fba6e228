package platform

import (
	"context"
	"encoding/json"
	"time"

	"github.com/rathaus-egov/rathaus/internal/audit"
)

// KeepFinishedJobs is how long finished jobs stay for inspection before maintenance removes them.
const KeepFinishedJobs = 7 * 24 * time.Hour

// Maintain removes expired data (sessions, unsubmitted drafts past their expiry and their
// uploads, one-time links, old login failures, old finished jobs) now and then every interval
// until ctx ends. Several nodes may run it at once: each purge is one idempotent transaction.
func (p *Platform) Maintain(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		p.maintainOnce(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (p *Platform) maintainOnce(ctx context.Context) {
	now := p.Now()
	purged, err := p.DB.PurgeExpired(ctx, now, KeepFinishedJobs)
	if err != nil {
		if ctx.Err() == nil {
			p.Log.Error("maintenance", "err", err)
		}
		return
	}
	if purged.Total() == 0 {
		return
	}
	detail, _ := json.Marshal(purged)
	if err := p.DB.Audit(ctx, now, audit.Record{Actor: "system:maintenance", Action: "data.purge_expired", Detail: string(detail)}); err != nil {
		p.Log.Error("maintenance audit", "err", err)
	}
	p.Log.Info("maintenance: expired data removed", "sessions", purged.Sessions, "drafts", purged.Drafts, "attachments", purged.Attachments,
		"email_tokens", purged.EmailTokens, "login_attempts", purged.LoginAttempts, "jobs", purged.Jobs)
}
