// Package web is the HTTP adapter: the citizen portal, the staff and admin pages, the JSON
// API and the operational endpoints. Handlers return errors; one adapter (serveError) turns
// them into the error page or an RFC 9457 problem document.
package web

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rathaus-egov/rathaus/internal/blobstore"
	"github.com/rathaus-egov/rathaus/internal/casework"
	"github.com/rathaus-egov/rathaus/internal/catalog"
	"github.com/rathaus-egov/rathaus/internal/form"
	"github.com/rathaus-egov/rathaus/internal/hub"
	"github.com/rathaus-egov/rathaus/internal/jobs"
	"github.com/rathaus-egov/rathaus/internal/sqlstore"
	"github.com/rathaus-egov/rathaus/internal/submission"
	"github.com/rathaus-egov/rathaus/internal/tenant"
	"github.com/rathaus-egov/rathaus/internal/web/formui"
	"github.com/rathaus-egov/rathaus/internal/web/tmplfold"
	"github.com/rathaus-egov/rathaus/internal/wz"
)

//go:embed templates static
var assets embed.FS

// Config wires the server.
type Config struct {
	DB       *sqlstore.DB
	Log      *slog.Logger
	Now      func() time.Time
	BaseURL  string // public URL without trailing slash, used in mails
	Jobs     *jobs.Runner
	Registry *prometheus.Registry
	Secure   bool // cookies with Secure flag and HSTS (served over TLS)

	Catalog     *catalog.Catalog
	Forms       *form.Registry
	Directory   *tenant.Directory
	WZ          *wz.Catalog
	Submissions *submission.Service
	Renderer    *submission.Renderer
	Blobs       blobstore.Store
	// RenderDelay postpones the job that renders and stores a submission's documents after
	// the commit, so bursts are accepted before the CPU-heavy rendering runs.
	RenderDelay time.Duration
	// SubmitHooks add rows to the submit transaction (routing and deliveries, case work).
	SubmitHooks []sqlstore.SubmitHook
	// SubmitJobs returns extra jobs to enqueue with a submission.
	SubmitJobs func(p *submission.Prepared) []jobs.Job
	// Casework decides case changes (the staff workbench, the Postfach, the cases API).
	Casework *casework.Service
	// CaseDeliveries is the integration hub's hook: how far a submission's forwarding to its
	// recipients got, shown on the case page and in the Postfach timeline ("an N Stellen
	// übermittelt"). Nil until the hub provides it.
	CaseDeliveries func(ctx context.Context, submissionID string) (*Delivery, error)
	// Hub is the integration hub (routing, deliveries, inbox, recipients).
	Hub *hub.Hub
}

// Server serves every HTTP endpoint.
type Server struct {
	Config
	pages map[string]map[string]*template.Template // lang → page → template
	// partCache holds rendered parts of the services page (servicesPart).
	partMu    sync.Mutex
	partCache map[string]template.HTML
	static    map[string][]byte // hashed name → content
	css       string            // hashed URL of the stylesheet
	routes    []Route
	formUI    *formui.Renderer // form steps and review pages of the portal's online procedures
	mux       *http.ServeMux
	metrics   *metrics
	// pagesInFlight counts requests to routes outside the API (pages and their static
	// files) being served: the job runner yields while it is above zero (PagesInFlight).
	pagesInFlight atomic.Int64
	// intake counts submissions being accepted (portal and API, see submit).
	intake intakeGauge
}

// IntakeBusy reports whether the platform is accepting submissions at its limit (IntakeBusyAt
// at once, now or on average while they keep arriving): the job runner (jobs.Runner.Throttle) then
// runs fewer background handlers, so the writes of intake are not slowed by the delivery of
// what was accepted a moment ago. Deliveries are durable and catch up when the peak is over.
func (s *Server) IntakeBusy() bool {
	return s.intake.busy(monoNow())
}

// PagesInFlight reports whether a portal page request is being served. The job runner
// (jobs.Runner.Yield) takes it as the sign that people are waiting and lets background work
// take turns; API clients are machines and do not slow the runner down.
func (s *Server) PagesInFlight() bool {
	return s.pagesInFlight.Load() > 0
}

// New builds the server; a broken template fails here, not in a request.
func New(cfg Config) (*Server, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	s := &Server{Config: cfg}
	if err := s.loadStatic(); err != nil {
		return nil, err
	}
	if err := s.loadTemplates(); err != nil {
		return nil, err
	}
	var err error
	if s.formUI, err = formui.New(); err != nil {
		return nil, err
	}
	s.metrics = newMetrics(cfg.Registry, cfg.DB)
	s.routes = s.routeTable()
	s.mux = http.NewServeMux()
	for _, r := range s.routes {
		s.mux.Handle(r.Method+" "+r.Pattern, s.wrap(r))
	}
	s.mux.Handle("/", s.wrap(Route{Name: "notfound", Pattern: "/", Handler: func(w http.ResponseWriter, r *http.Request) error {
		return errNotFound
	}}))
	return s, nil
}

// Routes returns the route table (for tests: security matrix, OpenAPI sync).
func (s *Server) Routes() []Route { return s.routes }

// Handler returns the root handler with the outer middleware.
func (s *Server) Handler() http.Handler {
	return s.outer(s.mux)
}

func (s *Server) loadStatic() error {
	s.static = map[string][]byte{}
	return fs.WalkDir(assets, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := assets.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ext := path.Ext(p)
		name := strings.TrimSuffix(path.Base(p), ext) + "." + hex.EncodeToString(sum[:6]) + ext
		s.static[name] = b
		if path.Base(p) == "app.css" {
			s.css = "/static/" + name
		}
		return nil
	})
}

func (s *Server) loadTemplates() error {
	s.pages = map[string]map[string]*template.Template{}
	entries, err := fs.Glob(assets, "templates/page_*.html")
	if err != nil {
		return err
	}
	for _, lang := range Langs {
		funcs := template.FuncMap{
			"t":    func(key string, args ...any) string { return T(lang, key, args...) },
			"lang": func() string { return lang },
			"fmtDate": func(t time.Time) string {
				if t.IsZero() {
					return "—"
				}
				return t.In(berlin).Format("02.01.2006")
			},
			"fmtDateTime": func(t time.Time) string {
				if t.IsZero() {
					return "—"
				}
				if lang == "en" {
					return t.In(berlin).Format("02.01.2006, 15:04")
				}
				return t.In(berlin).Format("02.01.2006, 15:04") + " Uhr"
			},
			"join": strings.Join,
			// leistung names a service by its key (the key itself when the catalog lost it).
			"leistung": func(key string) string { return s.leistungName(lang, key) },
		}
		// Fixed texts ({{t "key"}} without arguments) are put into the source per language
		// before parsing (tmplfold): the same bytes, without two reflective calls each per
		// request.
		source := func(file string) (string, error) {
			b, err := assets.ReadFile(file)
			if err != nil {
				return "", err
			}
			return tmplfold.Fold(string(b), func(key string) (string, bool) { return lookupMessage(lang, key) }), nil
		}
		src, err := source("templates/base.html")
		if err != nil {
			return err
		}
		base, err := template.New("base.html").Funcs(funcs).Parse(src)
		if err != nil {
			return fmt.Errorf("template base: %w", err)
		}
		s.pages[lang] = map[string]*template.Template{}
		for _, e := range entries {
			name := strings.TrimSuffix(strings.TrimPrefix(path.Base(e), "page_"), ".html")
			src, err := source(e)
			if err != nil {
				return err
			}
			t, err := template.Must(base.Clone()).New(path.Base(e)).Parse(src)
			if err != nil {
				return fmt.Errorf("template %s: %w", e, err)
			}
			s.pages[lang][name] = t
		}
	}
	return nil
}

// Ready reports whether the database answers and is migrated.
func (s *Server) Ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	applied, latest, err := s.DB.SchemaStatus(ctx)
	if err != nil {
		return err
	}
	if applied < latest {
		return fmt.Errorf("schema at version %d, %d expected", applied, latest)
	}
	return nil
}
