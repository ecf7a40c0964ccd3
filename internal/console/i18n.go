package console

import (
	"net/http"
	"strings"

	"golang.org/x/text/language"
)

// The console speaks English, French and German; a staff member's browser
// chooses (Accept-Language), a ?lang= link overrides it for the session's
// cookie.

var consoleLangs = []language.Tag{language.English, language.French, language.German}

var langMatcher = language.NewMatcher(consoleLangs)

// messages are the console's texts in one language.
type messages struct {
	Lang string
	m    map[string]string
}

// S returns the text for key, or the English one, or the key itself.
func (t *messages) S(key string) string {
	if s, ok := t.m[key]; ok {
		return s
	}
	if s, ok := catalog["en"][key]; ok {
		return s
	}
	return key
}

func messagesFor(r *http.Request) *messages {
	lang := ""
	if c, err := r.Cookie(langCookie); err == nil {
		lang = c.Value
	}
	if q := r.URL.Query().Get("lang"); q != "" {
		lang = q
	}
	if _, ok := catalog[lang]; !ok {
		tag, _ := language.MatchStrings(langMatcher, r.Header.Get("Accept-Language"))
		base, _ := tag.Base()
		lang = base.String()
	}
	if _, ok := catalog[lang]; !ok {
		lang = "en"
	}
	return &messages{Lang: lang, m: catalog[lang]}
}

const langCookie = "custos_console_lang"

func normalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

var catalog = map[string]map[string]string{
	"en": {
		"setup": "Set up your account", "setup_intro": "Choose a password of at least 12 characters that you do not use anywhere else.", "new_password": "New password", "repeat_password": "The same password again", "save": "Save", "passwords_differ": "The two passwords differ.", "setup_done": "Your password is set. Administrators now set up a second factor when they first sign in.",
		"enroll": "Second factor", "enroll_intro": "Add this key to your authenticator app (or open the otpauth link below with it), then enter the code it shows.", "secret": "Key", "totp_only": "Code from your authenticator app", "confirm": "Confirm", "enroll_done": "Your second factor is set up.", "recovery_intro": "Keep these recovery codes somewhere safe: each signs you in once if you lose your phone. They are shown only now.",
		"app": "Custos console", "skip": "Skip to content", "language": "Language",
		"sign_in": "Sign in", "email": "E-mail address", "password": "Password", "totp": "Code from your authenticator app, or a recovery code",
		"sign_in_failed": "The e-mail address, password or code is wrong, or the account is locked for a while.",
		"sign_out":       "Sign out", "sign_out_everywhere": "Sign out everywhere", "signed_in_as": "Signed in as",
		"dashboard": "Dashboard", "consents": "Consent records", "audit": "Audit trail", "manifest": "Manifest",
		"staff": "Staff", "tokens": "API tokens", "sessions": "Your sessions",
		"from": "From", "to": "To", "site": "Site", "region": "Region or jurisdiction", "all": "All", "apply": "Show",
		"consents_per_day": "Consents per day", "opt_in_rate": "Opt-in rate per category",
		"accept_all": "Accept all", "reject_all": "Reject all", "custom": "Custom", "other": "Other (closed, GPC, withdrawn, API)",
		"total": "Choices recorded", "share": "Share", "period": "Period",
		"search": "Search", "consent_id": "Consent id", "receipt_id": "Receipt id", "no_results": "Nothing matches.",
		"receipt": "Receipt", "signature_ok": "Signature verified with key", "signature_bad": "The signature does NOT verify",
		"choices": "Choices", "method": "Method", "issued": "Issued", "expires": "Expires", "jurisdiction": "Jurisdiction",
		"fingerprint": "Manifest fingerprint", "notice_version": "Notice version", "gpc": "Global Privacy Control", "ip_prefix": "IP (shortened)",
		"granted": "granted", "refused": "refused", "yes": "yes", "no": "no", "older": "Older records",
		"chain_ok": "The chain verifies: %d entries, head %s.", "chain_bad": "The chain is BROKEN: %s",
		"seq": "#", "time": "Time", "actor": "Actor", "action": "Action", "object": "Object",
		"manifest_in_force": "Manifest in force", "versions": "Versions loaded", "loaded_at": "Loaded", "source": "Source", "content_hash": "Content hash",
		"forbidden": "Your role does not allow this page.", "not_found": "Not found.", "error": "Something went wrong.",
		"access_logged": "Your opening of this record is written to the audit trail.",
		"filter":        "Filter", "next": "Next page",
	},
	"fr": {
		"setup": "Créer votre accès", "setup_intro": "Choisissez un mot de passe d’au moins 12 caractères que vous n’utilisez nulle part ailleurs.", "new_password": "Nouveau mot de passe", "repeat_password": "Le même mot de passe", "save": "Enregistrer", "passwords_differ": "Les deux mots de passe diffèrent.", "setup_done": "Votre mot de passe est enregistré. Les administrateurs configurent un second facteur à leur première connexion.",
		"enroll": "Second facteur", "enroll_intro": "Ajoutez cette clé à votre application d’authentification (ou ouvrez-y le lien otpauth ci-dessous), puis saisissez le code affiché.", "secret": "Clé", "totp_only": "Code de votre application d’authentification", "confirm": "Confirmer", "enroll_done": "Votre second facteur est configuré.", "recovery_intro": "Conservez ces codes de secours en lieu sûr : chacun permet une connexion si vous perdez votre téléphone. Ils ne sont affichés qu’une fois.",
		"app": "Console Custos", "skip": "Aller au contenu", "language": "Langue",
		"sign_in": "Se connecter", "email": "Adresse e-mail", "password": "Mot de passe", "totp": "Code de votre application d’authentification, ou code de secours",
		"sign_in_failed": "L’adresse e-mail, le mot de passe ou le code est erroné, ou le compte est bloqué pour un moment.",
		"sign_out":       "Se déconnecter", "sign_out_everywhere": "Se déconnecter partout", "signed_in_as": "Connecté en tant que",
		"dashboard": "Tableau de bord", "consents": "Registres de consentement", "audit": "Journal d’audit", "manifest": "Manifeste",
		"staff": "Équipe", "tokens": "Jetons d’API", "sessions": "Vos sessions",
		"from": "Du", "to": "Au", "site": "Site", "region": "Région ou juridiction", "all": "Tous", "apply": "Afficher",
		"consents_per_day": "Consentements par jour", "opt_in_rate": "Taux d’acceptation par catégorie",
		"accept_all": "Tout accepter", "reject_all": "Tout refuser", "custom": "Personnalisé", "other": "Autres (fermé, GPC, retrait, API)",
		"total": "Choix enregistrés", "share": "Part", "period": "Période",
		"search": "Rechercher", "consent_id": "Identifiant de consentement", "receipt_id": "Identifiant de reçu", "no_results": "Aucun résultat.",
		"receipt": "Reçu", "signature_ok": "Signature vérifiée avec la clé", "signature_bad": "La signature NE se vérifie PAS",
		"choices": "Choix", "method": "Méthode", "issued": "Émis", "expires": "Expire", "jurisdiction": "Juridiction",
		"fingerprint": "Empreinte du manifeste", "notice_version": "Version de la notice", "gpc": "Global Privacy Control", "ip_prefix": "IP (raccourcie)",
		"granted": "accepté", "refused": "refusé", "yes": "oui", "no": "non", "older": "Registres plus anciens",
		"chain_ok": "La chaîne est intègre : %d entrées, tête %s.", "chain_bad": "La chaîne est ROMPUE : %s",
		"seq": "n°", "time": "Heure", "actor": "Acteur", "action": "Action", "object": "Objet",
		"manifest_in_force": "Manifeste en vigueur", "versions": "Versions chargées", "loaded_at": "Chargé le", "source": "Source", "content_hash": "Empreinte du contenu",
		"forbidden": "Votre rôle ne permet pas d’ouvrir cette page.", "not_found": "Introuvable.", "error": "Une erreur s’est produite.",
		"access_logged": "Votre consultation de ce registre est inscrite au journal d’audit.",
		"filter":        "Filtrer", "next": "Page suivante",
	},
	"de": {
		"setup": "Konto einrichten", "setup_intro": "Wählen Sie ein Passwort mit mindestens 12 Zeichen, das Sie nirgendwo sonst verwenden.", "new_password": "Neues Passwort", "repeat_password": "Dasselbe Passwort noch einmal", "save": "Speichern", "passwords_differ": "Die beiden Passwörter unterscheiden sich.", "setup_done": "Ihr Passwort ist gesetzt. Administratoren richten bei der ersten Anmeldung einen zweiten Faktor ein.",
		"enroll": "Zweiter Faktor", "enroll_intro": "Fügen Sie diesen Schlüssel Ihrer Authenticator-App hinzu (oder öffnen Sie den otpauth-Link unten damit) und geben Sie den angezeigten Code ein.", "secret": "Schlüssel", "totp_only": "Code aus Ihrer Authenticator-App", "confirm": "Bestätigen", "enroll_done": "Ihr zweiter Faktor ist eingerichtet.", "recovery_intro": "Bewahren Sie diese Wiederherstellungscodes sicher auf: Jeder erlaubt eine Anmeldung, falls Sie Ihr Telefon verlieren. Sie werden nur jetzt angezeigt.",
		"app": "Custos-Konsole", "skip": "Zum Inhalt springen", "language": "Sprache",
		"sign_in": "Anmelden", "email": "E-Mail-Adresse", "password": "Passwort", "totp": "Code aus Ihrer Authenticator-App oder ein Wiederherstellungscode",
		"sign_in_failed": "E-Mail-Adresse, Passwort oder Code ist falsch, oder das Konto ist vorübergehend gesperrt.",
		"sign_out":       "Abmelden", "sign_out_everywhere": "Überall abmelden", "signed_in_as": "Angemeldet als",
		"dashboard": "Übersicht", "consents": "Einwilligungsnachweise", "audit": "Prüfprotokoll", "manifest": "Manifest",
		"staff": "Mitarbeitende", "tokens": "API-Tokens", "sessions": "Ihre Sitzungen",
		"from": "Von", "to": "Bis", "site": "Website", "region": "Region oder Rechtsraum", "all": "Alle", "apply": "Anzeigen",
		"consents_per_day": "Einwilligungen pro Tag", "opt_in_rate": "Zustimmungsquote je Kategorie",
		"accept_all": "Alle akzeptieren", "reject_all": "Alle ablehnen", "custom": "Individuell", "other": "Sonstige (geschlossen, GPC, Widerruf, API)",
		"total": "Erfasste Entscheidungen", "share": "Anteil", "period": "Zeitraum",
		"search": "Suchen", "consent_id": "Einwilligungs-ID", "receipt_id": "Beleg-ID", "no_results": "Keine Treffer.",
		"receipt": "Beleg", "signature_ok": "Signatur geprüft mit Schlüssel", "signature_bad": "Die Signatur ist NICHT gültig",
		"choices": "Entscheidungen", "method": "Methode", "issued": "Ausgestellt", "expires": "Läuft ab", "jurisdiction": "Rechtsraum",
		"fingerprint": "Manifest-Fingerabdruck", "notice_version": "Version der Datenschutzerklärung", "gpc": "Global Privacy Control", "ip_prefix": "IP (gekürzt)",
		"granted": "erteilt", "refused": "abgelehnt", "yes": "ja", "no": "nein", "older": "Ältere Nachweise",
		"chain_ok": "Die Kette ist intakt: %d Einträge, Kopf %s.", "chain_bad": "Die Kette ist UNTERBROCHEN: %s",
		"seq": "Nr.", "time": "Zeit", "actor": "Akteur", "action": "Aktion", "object": "Objekt",
		"manifest_in_force": "Geltendes Manifest", "versions": "Geladene Versionen", "loaded_at": "Geladen", "source": "Quelle", "content_hash": "Inhalts-Hash",
		"forbidden": "Ihre Rolle erlaubt diese Seite nicht.", "not_found": "Nicht gefunden.", "error": "Etwas ist schiefgelaufen.",
		"access_logged": "Ihr Aufruf dieses Nachweises wird im Prüfprotokoll vermerkt.",
		"filter":        "Filtern", "next": "Nächste Seite",
	},
}
