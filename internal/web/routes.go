package web

import (
	"net/http"

	"github.com/rathaus-egov/rathaus/internal/identity"
)

// Access says who may call a route.
type Access int

// Access rules.
const (
	AccessPublic Access = iota // anyone
	AccessUser                 // any logged-in account
	AccessStaff                // staff or platform admin; tenant checks inside (404 for other tenants)
	AccessAdmin                // platform admin
	AccessToken                // API token with Scope
)

// Route is one entry of the route table. The table reads like a site map; tests walk it
// (security matrix, OpenAPI sync), so every route must be listed here.
type Route struct {
	Name    string
	Method  string
	Pattern string
	Access  Access
	Scope   identity.Scope
	MaxBody int64 // request body limit; 0 = MaxFormBody
	NoCSRF  bool  // only for endpoints without a session (none of the portal's forms)
	API     bool  // documented in the OpenAPI document
	Handler func(http.ResponseWriter, *http.Request) error
}

func (s *Server) routeTable() []Route {
	return []Route{
		// Portal
		{Name: "home", Method: "GET", Pattern: "/{$}", Handler: s.home},
		{Name: "static", Method: "GET", Pattern: "/static/{name}", Handler: s.staticFile},
		{Name: "barrierefreiheit", Method: "GET", Pattern: "/barrierefreiheit", Handler: s.infoPage("a11y")},
		{Name: "leichte_sprache", Method: "GET", Pattern: "/leichte-sprache", Handler: s.infoPage("easy")},
		{Name: "impressum", Method: "GET", Pattern: "/impressum", Handler: s.infoPage("imprint")},
		{Name: "datenschutz", Method: "GET", Pattern: "/datenschutz", Handler: s.infoPage("privacy")},
		{Name: "services", Method: "GET", Pattern: "/leistungen", Handler: s.servicesSearch},
		{Name: "steering", Method: "GET", Pattern: "/steuerung", Handler: s.steering},
		{Name: "service", Method: "GET", Pattern: "/leistungen/{key}", Handler: s.serviceDetail},

		// Online applications (drafts, steps, review, submit, receipt). GET /antrag/{id}/pruefen
		// (the review page) is served by antrag_step: a pattern of its own would conflict
		// with /antrag/eingang/{sid}.
		{Name: "antrag_new", Method: "GET", Pattern: "/antrag/neu", Handler: s.antragNew},
		{Name: "antrag_resume", Method: "GET", Pattern: "/antrag/fortsetzen", Handler: s.antragResume},
		{Name: "antrag_step", Method: "GET", Pattern: "/antrag/{id}/{step}", Handler: s.antragStep},
		{Name: "antrag_step_post", Method: "POST", Pattern: "/antrag/{id}/{step}", MaxBody: MaxUploadBody, Handler: s.antragPost},
		{Name: "antrag_submit", Method: "POST", Pattern: "/antrag/{id}/absenden", Handler: s.antragSubmit},
		{Name: "antrag_link", Method: "POST", Pattern: "/antrag/{id}/link", MaxBody: MaxUploadBody, Handler: s.antragLink},
		{Name: "antrag_move", Method: "POST", Pattern: "/antrag/{id}/gemeinde", Handler: s.antragMove},
		{Name: "antrag_delete", Method: "POST", Pattern: "/antrag/{id}/loeschen", MaxBody: MaxUploadBody, Handler: s.antragDelete},
		{Name: "antrag_receipt", Method: "GET", Pattern: "/antrag/eingang/{sid}", Handler: s.antragReceipt},
		{Name: "antrag_document", Method: "GET", Pattern: "/antrag/eingang/{sid}/{name}", Handler: s.antragDocument},

		// Accounts
		{Name: "register_form", Method: "GET", Pattern: "/registrieren", Handler: s.registerForm},
		{Name: "register", Method: "POST", Pattern: "/registrieren", Handler: s.register},
		{Name: "register_sent", Method: "GET", Pattern: "/registrieren/gesendet", Handler: s.registerSent},
		{Name: "register_confirm", Method: "GET", Pattern: "/registrieren/bestaetigen", Handler: s.registerConfirm},
		{Name: "login_form", Method: "GET", Pattern: "/anmelden", Handler: s.loginForm},
		{Name: "login", Method: "POST", Pattern: "/anmelden", Handler: s.login},
		{Name: "logout", Method: "POST", Pattern: "/abmelden", Handler: s.logout},
		{Name: "reset_form", Method: "GET", Pattern: "/passwort-vergessen", Handler: s.resetForm},
		{Name: "reset_request", Method: "POST", Pattern: "/passwort-vergessen", Handler: s.resetRequest},
		{Name: "reset_new_form", Method: "GET", Pattern: "/passwort-neu", Handler: s.resetNewForm},
		{Name: "reset_new", Method: "POST", Pattern: "/passwort-neu", Handler: s.resetNew},
		{Name: "account", Method: "GET", Pattern: "/konto", Access: AccessUser, Handler: s.account},
		{Name: "account_export", Method: "GET", Pattern: "/konto/export", Access: AccessUser, Handler: s.accountExport},
		{Name: "org_create", Method: "POST", Pattern: "/konto/unternehmen", Access: AccessUser, Handler: s.orgCreate},
		{Name: "org_member_add", Method: "POST", Pattern: "/konto/unternehmen/{id}/mitglieder", Access: AccessUser, Handler: s.orgMemberAdd},

		// Staff and administration
		{Name: "staff_home", Method: "GET", Pattern: "/amt", Access: AccessStaff, Handler: s.staffHome},

		// Integration hub: deliveries, Rückmeldungen and tasks of the staff's offices; the
		// recipient directory (platform admins)
		{Name: "staff_deliveries", Method: "GET", Pattern: "/amt/zustellungen", Access: AccessStaff, Handler: s.staffDeliveries},
		{Name: "staff_delivery", Method: "GET", Pattern: "/amt/zustellungen/{zid}", Access: AccessStaff, Handler: s.staffDeliveryPage},
		{Name: "staff_delivery_replay", Method: "POST", Pattern: "/amt/zustellungen/{zid}/wiederholen", Access: AccessStaff, Handler: s.staffDeliveryReplay},
		{Name: "staff_delivery_redirect", Method: "POST", Pattern: "/amt/zustellungen/{zid}/umleiten", Access: AccessStaff, Handler: s.staffDeliveryRedirect},
		{Name: "admin_recipients", Method: "GET", Pattern: "/verwaltung/empfaenger", Access: AccessAdmin, Handler: s.adminRecipients},
		{Name: "admin_recipient", Method: "GET", Pattern: "/verwaltung/empfaenger/{rid}", Access: AccessAdmin, Handler: s.adminRecipient},
		{Name: "admin_recipient_save", Method: "POST", Pattern: "/verwaltung/empfaenger/{rid}", Access: AccessAdmin, Handler: s.adminRecipientSave},
		{Name: "admin_tenants", Method: "GET", Pattern: "/verwaltung/gemeinden", Access: AccessStaff, Handler: s.adminTenants},
		{Name: "admin_tenant", Method: "GET", Pattern: "/verwaltung/gemeinden/{ags}", Access: AccessStaff, Handler: s.adminTenant},
		{Name: "admin_office_save", Method: "POST", Pattern: "/verwaltung/gemeinden/{ags}/aemter/{id}", Access: AccessStaff, Handler: s.adminOfficeSave},
		{Name: "admin_settings_save", Method: "POST", Pattern: "/verwaltung/gemeinden/{ags}/einstellungen", Access: AccessStaff, Handler: s.adminSettingsSave},
		{Name: "admin_services_save", Method: "POST", Pattern: "/verwaltung/gemeinden/{ags}/leistungen", Access: AccessStaff, Handler: s.adminServicesSave},
		{Name: "admin_delegation_save", Method: "POST", Pattern: "/verwaltung/gemeinden/{ags}/uebertragung", Access: AccessAdmin, Handler: s.adminDelegationSave},

		// Case work (staff workbench, participations) and the applicant's Postfach
		{Name: "cases", Method: "GET", Pattern: "/amt/vorgaenge", Access: AccessStaff, Handler: s.caseInbox},
		{Name: "case", Method: "GET", Pattern: "/amt/vorgaenge/{cid}", Access: AccessStaff, Handler: s.caseDetail},
		{Name: "case_assign", Method: "POST", Pattern: "/amt/vorgaenge/{cid}/zuweisung", Access: AccessStaff, Handler: s.caseAction("zuweisung", s.caseAssign)},
		{Name: "case_status", Method: "POST", Pattern: "/amt/vorgaenge/{cid}/status", Access: AccessStaff, Handler: s.caseAction("status", s.caseTransition)},
		{Name: "case_note", Method: "POST", Pattern: "/amt/vorgaenge/{cid}/notiz", Access: AccessStaff, Handler: s.caseAction("notiz", s.caseNote)},
		{Name: "case_ask", Method: "POST", Pattern: "/amt/vorgaenge/{cid}/rueckfrage", Access: AccessStaff, MaxBody: MaxCaseUpload, Handler: s.caseAction("rueckfrage", s.caseAsk)},
		{Name: "case_message", Method: "POST", Pattern: "/amt/vorgaenge/{cid}/nachricht", Access: AccessStaff, MaxBody: MaxCaseUpload, Handler: s.caseAction("nachricht", s.caseMessage)},
		{Name: "case_participate", Method: "POST", Pattern: "/amt/vorgaenge/{cid}/beteiligung", Access: AccessStaff, Handler: s.caseAction("beteiligung", s.caseParticipate)},
		{Name: "case_zoll", Method: "POST", Pattern: "/amt/vorgaenge/{cid}/zoll", Access: AccessStaff, Handler: s.caseAction("zoll", s.caseZoll)},
		{Name: "case_close", Method: "POST", Pattern: "/amt/vorgaenge/{cid}/abschluss", Access: AccessStaff, Handler: s.caseAction("abschluss", s.caseClose)},
		{Name: "case_document", Method: "GET", Pattern: "/amt/vorgaenge/{cid}/dokumente/{name}", Access: AccessStaff, Handler: s.caseDocument},
		{Name: "case_file", Method: "GET", Pattern: "/amt/vorgaenge/{cid}/dateien/{fid}", Access: AccessStaff, Handler: s.caseFile},
		{Name: "case_upload", Method: "GET", Pattern: "/amt/vorgaenge/{cid}/unterlagen/{aid}", Access: AccessStaff, Handler: s.caseUploadFile},
		{Name: "case_decision", Method: "GET", Pattern: "/amt/vorgaenge/{cid}/bescheide/{did}", Access: AccessStaff, Handler: s.caseDecisionFile},
		{Name: "participations", Method: "GET", Pattern: "/amt/beteiligungen", Access: AccessStaff, Handler: s.participations},
		{Name: "participation", Method: "GET", Pattern: "/amt/beteiligungen/{pid}", Access: AccessStaff, Handler: s.participation},
		{Name: "participation_answer", Method: "POST", Pattern: "/amt/beteiligungen/{pid}/antwort", Access: AccessStaff, MaxBody: MaxCaseUpload, Handler: s.participationAnswer},
		{Name: "participation_document", Method: "GET", Pattern: "/amt/beteiligungen/{pid}/dokumente/{name}", Access: AccessStaff, Handler: s.participationDocument},
		{Name: "participation_file", Method: "GET", Pattern: "/amt/beteiligungen/{pid}/dateien/{fid}", Access: AccessStaff, Handler: s.participationFile},
		{Name: "postfach", Method: "GET", Pattern: "/postfach", Access: AccessUser, Handler: s.postfach},
		{Name: "postfach_case", Method: "GET", Pattern: "/postfach/{cid}", Access: AccessUser, Handler: s.postfachCase},
		{Name: "postfach_reply", Method: "POST", Pattern: "/postfach/{cid}/nachricht", Access: AccessUser, MaxBody: MaxCaseUpload, Handler: s.postfachReply},
		{Name: "postfach_decision", Method: "GET", Pattern: "/postfach/{cid}/bescheide/{did}", Access: AccessUser, Handler: s.postfachDecision},
		{Name: "postfach_file", Method: "GET", Pattern: "/postfach/{cid}/dateien/{fid}", Access: AccessUser, Handler: s.postfachFile},

		// API
		{Name: "api_tenants", Method: "GET", Pattern: "/api/v1/tenants", API: true, Handler: s.apiTenants},
		{Name: "api_tenant", Method: "GET", Pattern: "/api/v1/tenants/{ags}", API: true, Handler: s.apiTenant},
		{Name: "api_availability", Method: "GET", Pattern: "/api/v1/availability", API: true, Handler: s.apiAvailability},
		{Name: "api_services", Method: "GET", Pattern: "/api/v1/services", API: true, Handler: s.apiServices},
		{Name: "api_delivery_message", Method: "GET", Pattern: "/api/v1/submissions/{id}/deliveries/{deliveryId}/message", API: true, Handler: s.apiDeliveryMessage},
		{Name: "api_inbox", Method: "GET", Pattern: "/api/v1/inbox", Access: AccessToken, Scope: identity.ScopeInbox, API: true, Handler: s.apiInbox},
		{Name: "api_inbox_message", Method: "GET", Pattern: "/api/v1/inbox/{mid}", Access: AccessToken, Scope: identity.ScopeInbox, API: true, Handler: s.apiInboxMessage},
		{Name: "api_inbox_ack", Method: "POST", Pattern: "/api/v1/inbox/{mid}/ack", Access: AccessToken, Scope: identity.ScopeInbox, MaxBody: 4 << 10, API: true, Handler: s.apiInboxAck},
		{Name: "api_wz", Method: "GET", Pattern: "/api/v1/wz", API: true, Handler: s.apiWZ},
		{Name: "api_submit", Method: "POST", Pattern: "/api/v1/submissions", Access: AccessToken, Scope: identity.ScopeSubmit, MaxBody: MaxSubmissionBody, API: true, Handler: s.apiSubmit},
		{Name: "api_submission", Method: "GET", Pattern: "/api/v1/submissions/{id}", API: true, Handler: s.apiSubmission},
		{Name: "api_submission_document", Method: "GET", Pattern: "/api/v1/submissions/{id}/documents/{name}", API: true, Handler: s.apiSubmissionDocument},
		{Name: "api_cases", Method: "GET", Pattern: "/api/v1/cases", Access: AccessToken, Scope: identity.ScopeCases, API: true, Handler: s.apiCases},
		{Name: "api_case", Method: "GET", Pattern: "/api/v1/cases/{cid}", Access: AccessToken, Scope: identity.ScopeCases, API: true, Handler: s.apiCase},
		{Name: "api_case_transition", Method: "POST", Pattern: "/api/v1/cases/{cid}/transitions", Access: AccessToken, Scope: identity.ScopeCases, MaxBody: 64 << 10, API: true, Handler: s.apiCaseTransition},
		{Name: "api_openapi", Method: "GET", Pattern: "/api/v1/openapi.json", Handler: s.apiOpenAPI},

		// Operations
		{Name: "healthz", Method: "GET", Pattern: "/healthz", Handler: s.healthz},
		{Name: "readyz", Method: "GET", Pattern: "/readyz", Handler: s.readyz},
		{Name: "metrics", Method: "GET", Pattern: "/metrics", Handler: s.metricsHandler},
	}
}
