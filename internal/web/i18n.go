package web

import (
	"fmt"

	"github.com/rathaus-egov/rathaus/internal/apperr"
)

// Langs are the supported UI languages, German first.
var Langs = []string{"de", "en"}

// messages maps a message key to its German and English text. Every user-visible string of
// the web layer goes through this table; a test checks that every key used in a template
// exists in both languages.
var messages = map[string][2]string{
	"site.name":             {"Rathaus Sachsen", "Rathaus Saxony"},
	"page.title_errors":     {"Fehler (%d): ", "Errors (%d): "},
	"site.tagline":          {"Verwaltung online – für alle Gemeinden in Sachsen", "Public services online – for every municipality in Saxony"},
	"nav.skip":              {"Zum Inhalt springen", "Skip to content"},
	"nav.main":              {"Hauptnavigation", "Main navigation"},
	"nav.home":              {"Startseite", "Home"},
	"nav.services":          {"Leistungen", "Services"},
	"nav.login":             {"Anmelden", "Log in"},
	"nav.register":          {"Registrieren", "Register"},
	"nav.account":           {"Mein Konto", "My account"},
	"nav.logout":            {"Abmelden", "Log out"},
	"nav.staff":             {"Sachbearbeitung", "Case work"},
	"nav.admin":             {"Verwaltung der Plattform", "Platform administration"},
	"nav.lang_switch":       {"English", "Deutsch"},
	"nav.lang_switch_label": {"Switch to English", "Auf Deutsch wechseln"},
	"footer.label":          {"Service und Rechtliches", "Service and legal"},
	"footer.a11y":           {"Erklärung zur Barrierefreiheit", "Accessibility statement"},
	"footer.easy":           {"Leichte Sprache", "Easy language"},
	"footer.imprint":        {"Impressum", "Imprint"},
	"footer.privacy":        {"Datenschutz", "Privacy"},
	"footer.steering":       {"E-Government-Karte", "E-government map"},
	"footer.operator":       {"Ein Angebot für alle 418 Gemeinden des Freistaates Sachsen (Einer für Alle).", "A service for all 418 municipalities of the Free State of Saxony (One for all)."},

	"home.title":           {"Verwaltung online erledigen", "Handle public services online"},
	"home.intro":           {"Hier erledigen Sie Behördengänge bei Ihrer Gemeinde online: sicher, barrierefrei und ohne Papier. Ihre Angaben gehen direkt an die zuständigen Stellen.", "Here you can handle matters with your municipality online: securely, accessibly and without paper. Your data goes straight to the responsible authorities."},
	"home.services":        {"Beliebte Leistungen", "Popular services"},
	"home.municipalities":  {"%d Gemeinden in Sachsen sind angeschlossen.", "%d municipalities in Saxony are connected."},
	"home.account_hint":    {"Mit einem Konto speichern Sie Entwürfe, verfolgen den Stand Ihrer Anträge und erhalten Bescheide in Ihr Postfach.", "With an account you can save drafts, follow your applications and receive decisions in your mailbox."},
	"home.explain":         {"So funktioniert es", "How it works"},
	"home.step1":           {"Leistung auswählen und Ihre Gemeinde angeben.", "Choose a service and your municipality."},
	"home.step2":           {"Das Formular Schritt für Schritt ausfüllen. Sie können jederzeit speichern und später weitermachen.", "Fill in the form step by step. You can save at any time and continue later."},
	"home.step3":           {"Absenden: Sie erhalten sofort eine Eingangsbestätigung.", "Submit: you receive a confirmation at once."},
	"service.gewerbe_an":   {"Gewerbe anmelden", "Register a business"},
	"service.gewerbe_an_d": {"Gewerbe-Anmeldung nach § 14 GewO (GewA 1)", "Business registration under § 14 GewO (GewA 1)"},
	"service.gewerbe_um":   {"Gewerbe ummelden", "Change a business registration"},
	"service.gewerbe_um_d": {"Gewerbe-Ummeldung: Verlegung, Änderung der Tätigkeit (GewA 2)", "Change of site or activity (GewA 2)"},
	"service.gewerbe_ab":   {"Gewerbe abmelden", "Deregister a business"},
	"service.gewerbe_ab_d": {"Gewerbe-Abmeldung bei Aufgabe des Betriebs (GewA 3)", "Deregistration when closing the business (GewA 3)"},
	"service.hund":         {"Hund anmelden (Hundesteuer)", "Register a dog (dog tax)"},
	"service.hund_d":       {"Anmeldung eines Hundes zur Hundesteuer", "Registering a dog for dog tax"},

	"services.title":           {"Leistungen finden", "Find a service"},
	"services.search":          {"Wonach suchen Sie?", "What are you looking for?"},
	"services.search_hint":     {"Zum Beispiel „Gewerbeschein“, „Firma anmelden“ oder „Hund“.", "For example \"business registration\" or \"dog\"."},
	"services.search_submit":   {"Suchen", "Search"},
	"services.results":         {"%d Leistungen gefunden", "%d services found"},
	"services.result_one":      {"1 Leistung gefunden", "1 service found"},
	"services.none":            {"Keine Leistung gefunden. Versuchen Sie ein anderes Wort oder sehen Sie unten nach Lebenslagen.", "No service found. Try another word or browse the life events below."},
	"services.lebenslagen":     {"Lebenslagen", "Life events"},
	"service.online":           {"Online beantragen", "Apply online"},
	"service.kind.online":      {"online verfügbar", "available online"},
	"service.kind.information": {"nur Information – Antrag bei der Behörde", "information only – apply at the office"},
	"service.kind.extern":      {"Online-Dienst einer anderen Behörde", "online service of another authority"},
	"service.kind.not_offered": {"in dieser Gemeinde nicht angeboten", "not offered in this municipality"},
	"service.external":         {"Zum Online-Dienst", "Go to the online service"},
	"service.documents":        {"Benötigte Unterlagen", "Required documents"},
	"service.fee":              {"Gebühren", "Fees"},
	"service.legal":            {"Rechtsgrundlage", "Legal basis"},
	"service.key":              {"Leistungsschlüssel", "Service key"},
	"service.ozg":              {"OZG-Reifegrad", "OZG maturity level"},
	"service.responsible":      {"Zuständige Stelle", "Responsible office"},
	"service.finder":           {"Zuständige Stelle finden", "Find the responsible office"},
	"service.finder_label":     {"Postleitzahl oder Ort des Betriebs bzw. Ihres Wohnorts", "Postal code or place"},
	"service.finder_submit":    {"Stelle finden", "Find office"},
	"service.finder_none":      {"Zu dieser Angabe kennen wir keine sächsische Gemeinde. Bitte prüfen Sie die Postleitzahl oder den Ortsnamen.", "We know no Saxon municipality for this. Please check the postal code or place name."},
	"service.finder_more":      {"Es gibt weitere Treffer; gezeigt werden die 10 größten Gemeinden. Bitte suchen Sie genauer, zum Beispiel mit der Postleitzahl.", "There are more matches; the 10 largest municipalities are shown. Please search more precisely, for example with the postal code."},
	"service.finder_results":   {"Ergebnis für „%s“", "Result for \"%s\""},
	"service.delegated":        {"Diese Gemeinde lässt die Leistung von einer anderen Gemeinde erledigen (Verwaltungsgemeinschaft).", "This municipality has the service performed by another municipality."},
	"service.address":          {"Anschrift", "Address"},
	"service.phone":            {"Telefon", "Telephone"},
	"service.email":            {"E-Mail", "E-mail"},
	"service.hours":            {"Öffnungszeiten", "Opening hours"},
	"service.easy":             {"In Leichter Sprache", "In easy language"},

	"form.required":     {"Pflichtangabe", "required"},
	"form.errors_title": {"Bitte korrigieren Sie die folgenden Angaben:", "Please correct the following:"},
	"form.submit":       {"Absenden", "Submit"},
	"form.save":         {"Speichern", "Save"},

	"register.title":            {"Konto registrieren", "Create an account"},
	"register.intro":            {"Ein Konto ist kostenlos. Wir schicken Ihnen eine E-Mail, um Ihre Adresse zu bestätigen.", "An account is free. We send you an e-mail to confirm your address."},
	"register.name":             {"Vor- und Nachname", "Full name"},
	"register.email":            {"E-Mail-Adresse", "E-mail address"},
	"register.password":         {"Passwort", "Password"},
	"register.password_hint":    {"Mindestens 10 Zeichen. Ein langer Satz ist sicher und leicht zu merken.", "At least 10 characters. A long sentence is secure and easy to remember."},
	"register.password_confirm": {"Passwort wiederholen", "Repeat password"},
	"register.privacy":          {"Ich habe die Datenschutzhinweise gelesen.", "I have read the privacy notice."},
	"register.submit":           {"Konto anlegen", "Create account"},
	"register.sent_title":       {"Bitte bestätigen Sie Ihre E-Mail-Adresse", "Please confirm your e-mail address"},
	"register.sent_text":        {"Wir haben Ihnen eine E-Mail geschickt. Öffnen Sie den Link darin, um Ihr Konto zu aktivieren. Der Link ist 48 Stunden gültig. Keine E-Mail erhalten? Sehen Sie im Spam-Ordner nach.", "We have sent you an e-mail. Open the link in it to activate your account. The link is valid for 48 hours. No e-mail? Check your spam folder."},
	"register.confirmed_title":  {"E-Mail-Adresse bestätigt", "E-mail address confirmed"},
	"register.confirmed_text":   {"Ihr Konto ist aktiv. Sie können sich jetzt anmelden.", "Your account is active. You can now log in."},
	"register.invalid_link":     {"Dieser Link ist ungültig oder abgelaufen. Registrieren Sie sich erneut oder fordern Sie einen neuen Link an.", "This link is invalid or has expired. Register again or ask for a new link."},
	"register.mail_subject":     {"Bestätigen Sie Ihre E-Mail-Adresse für Rathaus Sachsen", "Confirm your e-mail address for Rathaus Saxony"},
	"register.mail_text":        {"Guten Tag,\n\nbitte bestätigen Sie Ihre E-Mail-Adresse, indem Sie diesen Link öffnen:\n\n%s\n\nDer Link ist 48 Stunden gültig. Wenn Sie sich nicht registriert haben, können Sie diese E-Mail ignorieren.\n\nIhr Rathaus Sachsen", "Hello,\n\nplease confirm your e-mail address by opening this link:\n\n%s\n\nThe link is valid for 48 hours. If you did not register, you can ignore this e-mail.\n\nRathaus Saxony"},
	"register.exists_mail_text": {"Guten Tag,\n\njemand hat versucht, mit Ihrer E-Mail-Adresse ein neues Konto anzulegen. Sie haben bereits ein Konto. Passwort vergessen? Hier können Sie es neu setzen:\n\n%s\n\nIhr Rathaus Sachsen", "Hello,\n\nsomeone tried to create a new account with your e-mail address. You already have an account. Forgot your password? Reset it here:\n\n%s\n\nRathaus Saxony"},

	"login.title":      {"Anmelden", "Log in"},
	"login.email":      {"E-Mail-Adresse", "E-mail address"},
	"login.password":   {"Passwort", "Password"},
	"login.submit":     {"Anmelden", "Log in"},
	"login.failed":     {"E-Mail-Adresse oder Passwort ist falsch.", "E-mail address or password is wrong."},
	"login.unverified": {"Bitte bestätigen Sie zuerst Ihre E-Mail-Adresse über den Link in unserer E-Mail.", "Please confirm your e-mail address first using the link in our e-mail."},
	"login.limited":    {"Zu viele Fehlversuche. Bitte warten Sie 15 Minuten oder setzen Sie Ihr Passwort zurück.", "Too many failed attempts. Please wait 15 minutes or reset your password."},
	"login.forgot":     {"Passwort vergessen?", "Forgot your password?"},
	"login.no_account": {"Noch kein Konto?", "No account yet?"},
	"login.logged_out": {"Sie wurden abgemeldet.", "You have been logged out."},

	"reset.title":        {"Passwort zurücksetzen", "Reset password"},
	"reset.intro":        {"Geben Sie die E-Mail-Adresse Ihres Kontos an. Wir schicken Ihnen einen Link, mit dem Sie ein neues Passwort setzen.", "Enter the e-mail address of your account. We will send you a link to set a new password."},
	"reset.submit":       {"Link anfordern", "Send link"},
	"reset.sent":         {"Wenn ein Konto mit dieser Adresse besteht, haben wir einen Link geschickt. Er ist 2 Stunden gültig.", "If an account with this address exists, we have sent a link. It is valid for 2 hours."},
	"reset.new_title":    {"Neues Passwort setzen", "Set a new password"},
	"reset.new_submit":   {"Passwort speichern", "Save password"},
	"reset.done":         {"Ihr Passwort wurde geändert. Bitte melden Sie sich an.", "Your password has been changed. Please log in."},
	"reset.mail_subject": {"Passwort zurücksetzen bei Rathaus Sachsen", "Reset your password at Rathaus Saxony"},
	"reset.mail_text":    {"Guten Tag,\n\nüber diesen Link setzen Sie ein neues Passwort:\n\n%s\n\nDer Link ist 2 Stunden gültig. Wenn Sie das nicht angefordert haben, ignorieren Sie diese E-Mail; Ihr Passwort bleibt unverändert.\n\nIhr Rathaus Sachsen", "Hello,\n\nuse this link to set a new password:\n\n%s\n\nThe link is valid for 2 hours. If you did not ask for this, ignore this e-mail; your password stays unchanged.\n\nRathaus Saxony"},

	"account.title":          {"Mein Konto", "My account"},
	"account.data":           {"Ihre Angaben", "Your details"},
	"account.name":           {"Name", "Name"},
	"account.email":          {"E-Mail-Adresse", "E-mail address"},
	"account.trust":          {"Vertrauensniveau", "Level of assurance"},
	"account.trust_hint":     {"Registrierung mit E-Mail-Adresse entspricht dem Niveau „basis“. Mit der Online-Ausweisfunktion (BundID) erreichen Sie „hoch“.", "Registration by e-mail is level \"basis\". With the online ID function (BundID) you reach \"hoch\" (high)."},
	"account.kind":           {"Kontoart", "Account type"},
	"account.orgs":           {"Unternehmenskonten", "Business accounts"},
	"account.org_none":       {"Sie sind keinem Unternehmenskonto zugeordnet.", "You are not a member of any business account."},
	"account.org_create":     {"Unternehmenskonto anlegen", "Create a business account"},
	"account.org_name":       {"Name des Unternehmens", "Name of the business"},
	"account.org_members":    {"Mitglieder", "Members"},
	"account.org_add":        {"Mitglied hinzufügen (E-Mail-Adresse eines bestehenden Kontos)", "Add member (e-mail address of an existing account)"},
	"account.org_add_submit": {"Hinzufügen", "Add"},
	"account.roles":          {"Ihre Rollen", "Your roles"},
	"account.export":         {"Meine Daten herunterladen (JSON)", "Download my data (JSON)"},
	"account.saved":          {"Gespeichert.", "Saved."},
	"account.kind.citizen":   {"Bürgerkonto", "Citizen account"},
	"account.kind.staff":     {"Mitarbeiterkonto", "Staff account"},
	"account.kind.admin":     {"Plattform-Administration", "Platform administrator"},

	"admin.title":              {"Gemeinden verwalten", "Manage municipalities"},
	"admin.search":             {"Gemeinde suchen (Name, AGS oder Postleitzahl)", "Find a municipality (name, AGS or postal code)"},
	"admin.search_submit":      {"Suchen", "Search"},
	"admin.col_ags":            {"AGS", "AGS"},
	"admin.col_name":           {"Gemeinde", "Municipality"},
	"admin.col_kreis":          {"Kreis", "District"},
	"admin.col_ew":             {"Einwohner", "Population"},
	"admin.results":            {"%d Gemeinden gefunden", "%d municipalities found"},
	"admin.tenant_offices":     {"Ämter", "Offices"},
	"admin.office_name":        {"Bezeichnung", "Name"},
	"admin.office_strasse":     {"Straße und Hausnummer", "Street and number"},
	"admin.office_plz":         {"Postleitzahl", "Postal code"},
	"admin.office_ort":         {"Ort", "Place"},
	"admin.office_email":       {"E-Mail-Adresse", "E-mail address"},
	"admin.office_tel":         {"Telefon", "Telephone"},
	"admin.office_hours":       {"Öffnungszeiten", "Opening hours"},
	"admin.office_save":        {"Amt speichern", "Save office"},
	"admin.delegation":         {"Aufgabenübertragung (Verwaltungsgemeinschaft)", "Delegation (administrative community)"},
	"admin.delegation_hint":    {"Die Gewerbeangelegenheiten dieser Gemeinde erledigt die Gemeinde mit diesem AGS. Leer lassen, wenn die Gemeinde sie selbst erledigt.", "The business registrations of this municipality are handled by the municipality with this AGS. Leave empty if it handles them itself."},
	"admin.delegation_save":    {"Übertragung speichern", "Save delegation"},
	"admin.delegate_ags":       {"AGS der ausführenden Gemeinde", "AGS of the performing municipality"},
	"admin.settings":           {"Einstellungen", "Settings"},
	"admin.settings_email":     {"Zentrale E-Mail-Adresse", "Central e-mail address"},
	"admin.settings_web":       {"Internetseite", "Website"},
	"admin.settings_save":      {"Einstellungen speichern", "Save settings"},
	"admin.delegated_to":       {"Gewerbeangelegenheiten erledigt: %s", "Business registrations handled by: %s"},
	"admin.services":           {"Leistungen in dieser Gemeinde", "Services in this municipality"},
	"admin.services_hint":      {"Wie bietet die Gemeinde diese Leistungen an? „Online verfügbar“ lässt Anträge über diese Plattform zu.", "How does the municipality offer these services? \"Available online\" accepts applications through this platform."},
	"admin.services_save":      {"Leistungen speichern", "Save services"},
	"steering.title":           {"E-Government-Karte: Leistungen online in Sachsen", "E-government map: services online in Saxony"},
	"steering.intro":           {"Welche Gemeinde bietet welche Leistung online an? Die Übersicht zeigt je Landkreis und kreisfreier Stadt, wie viele Gemeinden eine Leistung über diese Plattform annehmen.", "Which municipality offers which service online? Per district, the number of municipalities accepting a service through this platform."},
	"steering.caption":         {"Gemeinden mit Online-Angebot je Kreis", "Municipalities offering the service online, per district"},
	"steering.members_caption": {"Angebot der Gemeinden in %s", "Offers of the municipalities in %s"},
	"steering.municipalities":  {"Gemeinden", "Municipalities"},
	"steering.share":           {"%d von %d", "%d of %d"},
	"steering.total":           {"Sachsen gesamt", "Saxony total"},
	"steering.api":             {"Die Daten als JSON:", "The data as JSON:"},
	"admin.audit":              {"Protokoll (neueste Einträge)", "Audit log (newest entries)"},

	"staff.title": {"Sachbearbeitung", "Case work"},
	"staff.intro": {"Ihre Gemeinden", "Your municipalities"},

	"error.title":          {"Es ist ein Fehler aufgetreten", "An error occurred"},
	"error.not_found":      {"Die Seite wurde nicht gefunden.", "The page was not found."},
	"error.forbidden":      {"Dafür fehlt Ihnen die Berechtigung.", "You are not allowed to do this."},
	"error.internal":       {"Ein interner Fehler ist aufgetreten. Ihre Daten sind nicht verloren. Bitte versuchen Sie es später erneut.", "An internal error occurred. Your data is not lost. Please try again later."},
	"error.csrf":           {"Das Formular ist abgelaufen. Bitte laden Sie die Seite neu und senden Sie es erneut.", "The form has expired. Please reload the page and send it again."},
	"error.too_large":      {"Die Anfrage ist zu groß.", "The request is too large."},
	"error.invalid":        {"Die Angaben sind unvollständig oder fehlerhaft.", "The input is incomplete or wrong."},
	"error.malformed_json": {"Die Daten sind kein gültiges JSON.", "The data is not valid JSON."},
	"error.media_type":     {"Die Daten müssen als unkomprimiertes JSON (Content-Type: application/json) gesendet werden.", "The data must be sent as uncompressed JSON (Content-Type: application/json)."},
	"error.login_required": {"Bitte melden Sie sich an.", "Please log in."},
	"error.back_home":      {"Zur Startseite", "Back to the home page"},

	"a11y.title":    {"Erklärung zur Barrierefreiheit", "Accessibility statement"},
	"easy.title":    {"Leichte Sprache", "Easy language"},
	"imprint.title": {"Impressum", "Imprint"},
	"privacy.title": {"Datenschutzerklärung", "Privacy notice"},
}

// T returns the text for key in lang, formatted with args. An unknown key returns the key
// itself, so a missing text is visible, never silent.
func T(lang, key string, args ...any) string {
	s, ok := lookupMessage(lang, key)
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// lookupMessage returns the text of key in lang, unformatted.
func lookupMessage(lang, key string) (string, bool) {
	m, ok := messages[key]
	if !ok {
		if m, ok = antragMessages[key]; !ok {
			if m, ok = integrationMessages[key]; !ok {
				if m, ok = caseworkMessages[key]; !ok {
					return "", false
				}
			}
		}
	}
	if lang == "en" {
		return m[1], true
	}
	return m[0], true
}

// identityEnglish gives the English of the German messages internal/identity returns (it has
// no message keys): the portal shows them in the page's language.
var identityEnglish = map[string]string{
	"E-Mail-Adresse: Bitte geben Sie Ihre E-Mail-Adresse an.":                                    "E-mail address: please enter your e-mail address.",
	"E-Mail-Adresse: Bitte geben Sie eine gültige Adresse an, z. B. name@beispiel.de.":           "E-mail address: please enter a valid address, e.g. name@example.org.",
	"Passwort: Mindestens 10 Zeichen.":                                                           "Password: at least 10 characters.",
	"Passwort: Höchstens 200 Zeichen.":                                                           "Password: at most 200 characters.",
	"Name: Bitte geben Sie Ihren Namen an.":                                                      "Name: please enter your name.",
	"Name: Höchstens 120 Zeichen.":                                                               "Name: at most 120 characters.",
	"Passwort wiederholen: Die beiden Passwörter stimmen nicht überein.":                         "Repeat password: the two passwords do not match.",
	"Datenschutzhinweise: Bitte bestätigen Sie, dass Sie die Datenschutzhinweise gelesen haben.": "Privacy notice: please confirm that you have read the privacy notice.",
}

// inLang is msg, one of identity's German messages, in lang.
func inLang(lang, msg string) string {
	if lang == "en" {
		if en, ok := identityEnglish[msg]; ok {
			return en
		}
	}
	return msg
}

// errsInLang is inLang for each error's message.
func errsInLang(lang string, errs []apperr.FieldError) []apperr.FieldError {
	for i := range errs {
		errs[i].Message = inLang(lang, errs[i].Message)
	}
	return errs
}
