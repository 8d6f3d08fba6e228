package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/rathaus-egov/rathaus/internal/clock"
)

var berlin = clock.Berlin

type ctxKey int

const (
	keyRequestID ctxKey = iota
	keyState
)

// MaxFormBody limits form posts without files; API routes and uploads set their own limits.
const MaxFormBody = 64 << 10

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = 200
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func newRequestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// outer adds the request id, security headers, panic recovery and the access log.
func (s *Server) outer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rid := r.Header.Get("X-Request-Id")
		if rid == "" || len(rid) > 64 || strings.ContainsAny(rid, " \r\n") {
			rid = newRequestID()
		}
		ctx := context.WithValue(r.Context(), keyRequestID, rid)
		sw := &statusWriter{ResponseWriter: w}
		h := sw.Header()
		h.Set("X-Request-Id", rid)
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if s.Secure || r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		defer func() {
			if p := recover(); p != nil {
				s.Log.Error("panic", "request_id", rid, "panic", p, "stack", string(debug.Stack()))
				if sw.status == 0 {
					http.Error(sw, "internal error", http.StatusInternalServerError)
				}
			}
			s.Log.LogAttrs(ctx, slog.LevelInfo, "request",
				slog.String("request_id", rid), slog.String("method", r.Method), slog.String("path", r.URL.Path),
				slog.Int("status", sw.status), slog.Int("bytes", sw.bytes), slog.Duration("duration", time.Since(start)))
		}()
		next.ServeHTTP(sw, r.WithContext(ctx))
	})
}

// wrap turns a Route into a handler: metrics, body limit, session, CSRF, access control,
// and the error adapter.
func (s *Server) wrap(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		if !rt.API {
			s.pagesInFlight.Add(1)
			defer s.pagesInFlight.Add(-1)
		}
		sw, ok := w.(*statusWriter)
		if !ok {
			sw = &statusWriter{ResponseWriter: w}
		}
		defer func() {
			s.metrics.observe(rt.Name, r.Method, sw.status, time.Since(start))
		}()
		limit := rt.MaxBody
		if limit == 0 {
			limit = MaxFormBody
		}
		if r.Body != nil {
			r.Body = http.MaxBytesReader(sw, r.Body, limit)
		}
		st := &reqState{route: rt}
		r = r.WithContext(context.WithValue(r.Context(), keyState, st))
		err := s.prepare(sw, r, st)
		if err == nil {
			err = rt.Handler(sw, r)
		}
		if err != nil {
			s.serveError(sw, r, err)
		}
	})
}

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(keyRequestID).(string)
	return id
}

// httpError is an error with a status code and a message key.
type httpError struct {
	status int
	key    string
	detail string
}

func (e *httpError) Error() string { return strconv.Itoa(e.status) + " " + e.key }

var (
	errNotFound     = &httpError{status: 404, key: "error.not_found"}
	errCSRF         = &httpError{status: 403, key: "error.csrf"}
	errLoginNeeded  = &httpError{status: 401, key: "error.login_required"}
	errForbiddenErr = &httpError{status: 403, key: "error.forbidden"}
)

func isTooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}
