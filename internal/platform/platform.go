// Package platform wires the domain services, the storage, the background jobs and the web
// server into one running Rathaus. cmd/rathaus and the scenario tests (apptest) build the
// application through it, so both run the same wiring.
package platform

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rathaus-egov/rathaus/internal/blobstore"
	"github.com/rathaus-egov/rathaus/internal/casework"
	"github.com/rathaus-egov/rathaus/internal/catalog"
	"github.com/rathaus-egov/rathaus/internal/connector"
	"github.com/rathaus-egov/rathaus/internal/delivery"
	"github.com/rathaus-egov/rathaus/internal/form"
	"github.com/rathaus-egov/rathaus/internal/hub"
	"github.com/rathaus-egov/rathaus/internal/identity"
	"github.com/rathaus-egov/rathaus/internal/jobs"
	"github.com/rathaus-egov/rathaus/internal/mail"
	"github.com/rathaus-egov/rathaus/internal/routing"
	"github.com/rathaus-egov/rathaus/internal/sqlstore"
	"github.com/rathaus-egov/rathaus/internal/submission"
	"github.com/rathaus-egov/rathaus/internal/tenant"
	"github.com/rathaus-egov/rathaus/internal/web"
	"github.com/rathaus-egov/rathaus/internal/wz"
)

// Config is what a running platform needs from outside.
type Config struct {
	DB       *sqlstore.DB
	Blobs    blobstore.Store
	Mail     mail.Sender
	Log      *slog.Logger
	Now      func() time.Time
	BaseURL  string
	Worker   string // name of this process in job leases
	Workers  int
	Poll     time.Duration
	Registry *prometheus.Registry
	Secure   bool
	// RenderDelay postpones rendering a submission's documents after the commit (web.Config).
	RenderDelay time.Duration
	// Delivery is the integration hub's retry window and statistics batching; PushTimeout
	// bounds one HTTP push attempt (default 30 s); JobLease is how long a claimed job is held
	// before another node may take it over (default 2 min).
	Delivery    delivery.Policy
	PushTimeout time.Duration
	JobLease    time.Duration
}

// Platform is the wired application.
type Platform struct {
	Config
	Catalog     *catalog.Catalog
	Forms       *form.Registry
	Directory   *tenant.Directory
	WZ          *wz.Catalog
	Submissions *submission.Service
	Renderer    *submission.Renderer
	Runner      *jobs.Runner
	Web         *web.Server
	Hub         *hub.Hub
	Casework    *casework.Service
}

// wireCasework loads the case types and Bescheid templates (data) into the case service.
func (p *Platform) wireCasework() error {
	machines, err := casework.Load()
	if err != nil {
		return err
	}
	templates, err := casework.LoadTemplates()
	if err != nil {
		return err
	}
	p.Casework = &casework.Service{Machines: machines, Templates: templates, NewID: identity.NewSortableID}
	return nil
}

// New builds the platform. The tenants must already be in the database.
func New(ctx context.Context, cfg Config) (*Platform, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	p := &Platform{Config: cfg}
	var err error
	if p.Catalog, err = catalog.Load(); err != nil {
		return nil, err
	}
	if p.Forms, err = form.Default(); err != nil {
		return nil, err
	}
	for _, l := range p.Catalog.Leistungen {
		if l.Form != "" {
			if _, ok := p.Forms.Get(l.Form); !ok {
				return nil, fmt.Errorf("catalog: service %s names form %q, which does not exist", l.Key, l.Form)
			}
		}
	}
	if p.WZ, err = wz.Load(); err != nil {
		return nil, err
	}
	ts, err := cfg.DB.ListTenants(ctx)
	if err != nil {
		return nil, err
	}
	p.Directory = tenant.NewDirectory(ts)
	p.Submissions = &submission.Service{Catalog: p.Catalog, Forms: p.Forms, Gemeinden: p.Directory, WZ: p.WZ, Now: cfg.Now, NewID: identity.NewSortableID}
	p.Renderer = &submission.Renderer{Catalog: p.Catalog, Forms: p.Forms}

	p.Runner = &jobs.Runner{Store: cfg.DB, Worker: cfg.Worker, Now: cfg.Now, Log: cfg.Log, Workers: cfg.Workers, Poll: cfg.Poll, Lease: cfg.JobLease}
	p.Runner.Register(web.JobSendMail, func(ctx context.Context, j jobs.Job) error {
		var m mail.Message
		if err := json.Unmarshal(j.Payload, &m); err != nil {
			return jobs.Permanent(err)
		}
		return cfg.Mail.Send(ctx, m)
	})
	p.Runner.Register(web.JobRenderDocuments, web.RenderDocumentsJob(cfg.DB, cfg.Blobs, p.Renderer, cfg.Now))
	if err := p.wireHub(ctx); err != nil {
		return nil, err
	}
	p.Runner.Init()
	if err := p.wireCasework(); err != nil {
		return nil, err
	}

	// Every submission runs the same hooks, including the Abmeldung the Rückmeldeverfahren
	// files for the previous municipality (it opens a case there too).
	p.Hub.SubmitHooks = append(p.Hub.SubmitHooks, sqlstore.OpenCaseHook(p.Casework))
	p.Web, err = web.New(web.Config{
		DB: cfg.DB, Log: cfg.Log, Now: cfg.Now, BaseURL: cfg.BaseURL, Jobs: p.Runner, Registry: cfg.Registry, Secure: cfg.Secure, RenderDelay: cfg.RenderDelay,
		Catalog: p.Catalog, Forms: p.Forms, Directory: p.Directory, WZ: p.WZ, Submissions: p.Submissions, Renderer: p.Renderer, Blobs: cfg.Blobs,
		SubmitHooks: p.Hub.SubmitHooks, Hub: p.Hub,
		Casework: p.Casework, CaseDeliveries: p.caseDeliveries,
	})
	if err != nil {
		return nil, err
	}
	for kind, h := range p.Web.CaseJobs() {
		p.Runner.Register(kind, h)
	}
	// Background work takes turns while people wait for pages (set before Run starts).
	p.Runner.Yield = p.Web.PagesInFlight
	// At an intake peak background work runs one job at a time, like while pages are
	// served: in `rathaus bench` the submit phase went from about 970 to about 1,130
	// submissions/s on SQLite with one worker instead of eight.
	p.Runner.Throttle, p.Runner.ThrottledWorkers = p.Web.IntakeBusy, 1
	return p, nil
}

// caseDeliveries tells the case page and the Postfach how far the integration hub got in
// forwarding a submission (web.Config.CaseDeliveries).
func (p *Platform) caseDeliveries(ctx context.Context, submissionID string) (*web.Delivery, error) {
	ds, err := p.DB.DeliveriesOf(ctx, submissionID)
	if err != nil || len(ds) == 0 {
		return nil, err
	}
	out := &web.Delivery{Recipients: len(ds)}
	for _, d := range ds {
		if d.Status == delivery.StatusDelivered {
			out.Delivered++
		}
		out.Lines = append(out.Lines, web.DeliveryLine{Recipient: d.RecipientName, Status: string(d.Status), At: d.DeliveredAt})
	}
	return out, nil
}

// wireHub builds the integration hub, seeds the default recipients on first start and
// registers its job handlers; its submit hook routes every Gewerbe submission.
func (p *Platform) wireHub(ctx context.Context) error {
	rules, err := routing.Load()
	if err != nil {
		return err
	}
	cfg := p.Config
	p.Hub = &hub.Hub{DB: cfg.DB, Rules: rules, Directory: p.Directory, Catalog: p.Catalog, Submissions: p.Submissions,
		Connector: &connector.Mux{HTTP: &connector.HTTPPush{Timeout: cfg.PushTimeout, Now: cfg.Now}, SMTP: &connector.SMTP{Mail: cfg.Mail}, Folder: connector.Folder{}},
		Policy:    cfg.Delivery.WithDefaults(), Now: cfg.Now, Log: cfg.Log, Wake: p.Runner.Wake}
	p.Hub.SubmitHooks = []sqlstore.SubmitHook{p.Hub.Route}
	p.Submissions.KnownBusiness = p.Hub.KnownBusiness
	if _, err := p.Hub.Seed(ctx); err != nil {
		return fmt.Errorf("recipients: %w", err)
	}
	p.Runner.Register(sqlstore.JobDeliver, p.Hub.Deliver)
	p.Runner.Register(sqlstore.JobDeliverPlanned, p.Hub.Deliver)
	p.Runner.Register(hub.JobRueckmeldung, p.Hub.ProcessRueckmeldung)
	return nil
}
