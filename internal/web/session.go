package web

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/rathaus-egov/rathaus/internal/identity"
	"github.com/rathaus-egov/rathaus/internal/sqlstore"
)

const (
	cookieSession = "rathaus_session"
	cookiePre     = "rathaus_pre" // anonymous visitor id that binds the CSRF token before log-in
	cookieLang    = "rathaus_lang"
)

// reqState is what the middleware learned about a request.
type reqState struct {
	route     Route
	lang      string
	sessionID string // raw cookie value; its hash is the session key
	session   *sqlstore.Session
	user      *identity.User
	token     *identity.Token
	csrf      string
}

func state(r *http.Request) *reqState {
	st, _ := r.Context().Value(keyState).(*reqState)
	if st == nil {
		st = &reqState{lang: "de"}
	}
	return st
}

func isAPI(p string) bool { return strings.HasPrefix(p, "/api/") }

func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

// prepare authenticates the request and enforces CSRF and the route's access rule.
func (s *Server) prepare(w http.ResponseWriter, r *http.Request, st *reqState) error {
	st.lang = "de"
	if c, err := r.Cookie(cookieLang); err == nil && c.Value == "en" {
		st.lang = "en"
	}
	if l := r.URL.Query().Get("lang"); l == "de" || l == "en" {
		st.lang = l
		if !isAPI(r.URL.Path) {
			http.SetCookie(w, &http.Cookie{Name: cookieLang, Value: l, Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true, Secure: s.Secure, SameSite: http.SameSiteLaxMode})
		}
	}
	if isAPI(r.URL.Path) {
		if err := s.authenticateToken(r, st); err != nil {
			return err
		}
		// The portal reads the API with its session cookie; writes need a token.
		if st.token == nil && !unsafeMethod(r.Method) {
			if err := s.loadSession(w, r, st); err != nil {
				return err
			}
		}
	} else {
		if err := s.loadSession(w, r, st); err != nil {
			return err
		}
		if unsafeMethod(r.Method) && !st.route.NoCSRF {
			if err := s.checkCSRF(r, st); err != nil {
				return err
			}
		}
	}
	return s.authorize(r, st)
}

func (s *Server) authenticateToken(r *http.Request, st *reqState) error {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil
	}
	secret, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || secret == "" {
		return &httpError{status: 401, key: "error.login_required", detail: "Der Authorization-Header muss „Bearer <Token>“ lauten."}
	}
	t, err := s.DB.TokenByHash(r.Context(), identity.HashSecret(strings.TrimSpace(secret)))
	if err != nil {
		return &httpError{status: 401, key: "error.login_required", detail: "Das Token ist unbekannt oder widerrufen."}
	}
	st.token = t
	return nil
}

func (s *Server) loadSession(w http.ResponseWriter, r *http.Request, st *reqState) error {
	ctx := r.Context()
	now := s.Now()
	if c, err := r.Cookie(cookieSession); err == nil && c.Value != "" && len(c.Value) < 100 {
		sess, u, err := s.DB.SessionUser(ctx, identity.HashSecret(c.Value), now)
		if err == nil && now.Sub(sess.CreatedAt) < identity.SessionAbsolute {
			if !u.Disabled {
				st.session, st.user, st.sessionID, st.csrf = sess, u, c.Value, sess.CSRF
				if now.Sub(sess.LastSeenAt) > time.Minute {
					exp := minTime(now.Add(identity.SessionIdle), sess.CreatedAt.Add(identity.SessionAbsolute))
					_ = s.DB.TouchSession(ctx, sess.IDHash, now, exp)
				}
				return nil
			}
		}
		// Unknown or expired: drop the cookie.
		http.SetCookie(w, &http.Cookie{Name: cookieSession, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.Secure, SameSite: http.SameSiteLaxMode})
	}
	pre := ""
	if c, err := r.Cookie(cookiePre); err == nil && len(c.Value) >= 20 && len(c.Value) < 100 {
		pre = c.Value
	} else {
		pre, _ = identity.NewSecret("")
		http.SetCookie(w, &http.Cookie{Name: cookiePre, Value: pre, Path: "/", HttpOnly: true, Secure: s.Secure, SameSite: http.SameSiteLaxMode})
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			// A fresh visitor: the token is bound to the new cookie.
		} else {
			pre = "" // a POST without the cookie cannot carry a valid token
		}
	}
	if pre != "" {
		st.csrf = s.preCSRF(pre)
	}
	return nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// preCSRF derives the CSRF token of an anonymous visitor from its cookie, keyed with the
// platform's secret so nobody else can compute it.
func (s *Server) preCSRF(pre string) string {
	m := hmac.New(sha256.New, s.DB.CSRFKey())
	m.Write([]byte("csrf:" + pre))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s *Server) checkCSRF(r *http.Request, st *reqState) error {
	if o := r.Header.Get("Origin"); o != "" && o != "null" && s.BaseURL != "" {
		if !sameOrigin(o, r) {
			return errCSRF
		}
	}
	var err error
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		// Uploads: the body limit of the route bounds the whole request already.
		limit := st.route.MaxBody
		if limit == 0 {
			limit = MaxFormBody
		}
		err = r.ParseMultipartForm(limit)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		if isTooLarge(err) {
			return err
		}
		return &httpError{status: 400, key: "error.invalid", detail: err.Error()}
	}
	got := r.PostFormValue("csrf_token")
	if got == "" {
		got = r.Header.Get("X-CSRF-Token")
	}
	if st.csrf == "" || subtle.ConstantTimeCompare([]byte(got), []byte(st.csrf)) != 1 {
		return errCSRF
	}
	return nil
}

func sameOrigin(origin string, r *http.Request) bool {
	o := strings.TrimPrefix(strings.TrimPrefix(origin, "https://"), "http://")
	return o == r.Host
}

// startSession logs the user in: it creates a new session id (never reusing one that existed
// before log-in: no session fixation) and sets the cookie.
func (s *Server) startSession(ctx context.Context, w http.ResponseWriter, st *reqState, u *identity.User) error {
	now := s.Now()
	if st.session != nil {
		_ = s.DB.DeleteSession(ctx, st.session.IDHash)
	}
	secret, hash := identity.NewSecret("")
	csrf, _ := identity.NewSecret("")
	sess := sqlstore.Session{IDHash: hash, UserID: u.ID, CSRF: csrf, Lang: st.lang, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(identity.SessionIdle)}
	if err := s.DB.CreateSession(ctx, sess); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: cookieSession, Value: secret, Path: "/", HttpOnly: true, Secure: s.Secure, SameSite: http.SameSiteLaxMode})
	st.session, st.user, st.sessionID, st.csrf = &sess, u, secret, csrf
	return nil
}

func (s *Server) endSession(ctx context.Context, w http.ResponseWriter, st *reqState) error {
	if st.session != nil {
		if err := s.DB.DeleteSession(ctx, st.session.IDHash); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: cookieSession, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.Secure, SameSite: http.SameSiteLaxMode})
	st.session, st.user = nil, nil
	return nil
}

// authorize enforces the route's access rule.
func (s *Server) authorize(r *http.Request, st *reqState) error {
	switch st.route.Access {
	case AccessPublic:
		return nil
	case AccessUser:
		if st.user == nil {
			return errLoginNeeded
		}
	case AccessStaff:
		if st.user == nil {
			return errLoginNeeded
		}
		if st.user.Kind != identity.KindStaff && st.user.Kind != identity.KindAdmin {
			return errNotFound
		}
	case AccessAdmin:
		if st.user == nil {
			return errLoginNeeded
		}
		if st.user.Kind != identity.KindAdmin {
			return errNotFound
		}
	case AccessToken:
		if st.token == nil {
			return &httpError{status: 401, key: "error.login_required", detail: "Ein Bearer-Token ist erforderlich."}
		}
		if st.route.Scope != "" && !st.token.Has(st.route.Scope) {
			return &httpError{status: 403, key: "error.forbidden", detail: "Dem Token fehlt das Recht " + string(st.route.Scope) + "."}
		}
	}
	return nil
}
