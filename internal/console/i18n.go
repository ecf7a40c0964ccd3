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
		"too_few":          "This selection holds fewer than %d choices: its figures could describe one person, so they are not shown. Widen the period or the region.",
		"current_password": "Your current password", "wrong_password": "The password is wrong.",
		"confirm_open": "You followed a link from another site to a record about one person. Opening it is written to the audit trail in your name.", "open_record": "Open it",
		"add_second_factor": "Add a second factor (an authenticator app) to your account",
		"role":              "Role", "second_factor": "Second factor", "state": "State", "created": "Created", "actions": "Actions", "you": "you",
		"state_active": "active", "state_not_set_up": "not set up", "state_disabled": "disabled",
		"role_admin": "Administrator", "role_privacy_officer": "Privacy officer", "role_analyst": "Analyst", "role_auditor": "Auditor",
		"new_account": "New account", "create_account": "Create account",
		"setup_link_for": "Set-up link for %s", "reset_link_for": "New set-up link for %s", "setup_link_note": "Send this link to the staff member over a channel you trust. It works once, for %d hours, and is shown only now.",
		"reset": "Reset", "reset_account": "Reset account", "reset_note": "Resetting clears the password and the second factor, ends the account's sessions and gives a new set-up link.",
		"disable": "Disable", "disable_account": "Disable account", "disable_note": "The account can no longer sign in and its sessions end now. The console cannot enable it again.",
		"disabled_done": "The account %s is disabled and signed out everywhere.", "not_own_account": "You cannot reset or disable your own account here; ask another administrator.",
		"token_name": "Name", "token_id": "Id", "last_used": "Last used", "revoked": "Revoked", "never": "never", "expired": "expired",
		"new_token": "New API token", "expiry_days": "Valid for (days, 1–365)", "create_token": "Create token", "validity": "Validity", "validity_range": "must be a whole number of days from 1 to 365",
		"token_for": "API token %s", "token_once": "Copy this token now: it will not be shown again. Only its hash is stored.",
		"revoke": "Revoke", "revoke_token": "Revoke token", "revoke_note": "Programs using this token are refused from now on. A revoked token cannot be restored.",
		"token_revoked": "The token %s is revoked.", "no_tokens": "No API tokens yet.",
		"last_seen": "Last seen", "user_agent": "Browser", "this_session": "this session", "sessions_intro": "The browsers signed in to your account. Sessions end after %d minutes without use and at the latest %d hours after signing in.", "sign_out_everywhere_note": "If you do not recognise a session, or used a shared computer, sign out everywhere, this browser included.",
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
		"too_few":          "Cette sélection compte moins de %d choix : ses chiffres pourraient décrire une personne, ils ne sont donc pas affichés. Élargissez la période ou la région.",
		"current_password": "Votre mot de passe actuel", "wrong_password": "Le mot de passe est erroné.",
		"confirm_open": "Vous avez suivi un lien d’un autre site vers un registre concernant une personne. Son ouverture sera inscrite à votre nom au journal d’audit.", "open_record": "L’ouvrir",
		"add_second_factor": "Ajouter un second facteur (application d’authentification) à votre compte",
		"role":              "Rôle", "second_factor": "Second facteur", "state": "État", "created": "Créé", "actions": "Actions", "you": "vous",
		"state_active": "actif", "state_not_set_up": "non configuré", "state_disabled": "désactivé",
		"role_admin": "Administrateur", "role_privacy_officer": "Délégué à la protection des données", "role_analyst": "Analyste", "role_auditor": "Auditeur",
		"new_account": "Nouveau compte", "create_account": "Créer le compte",
		"setup_link_for": "Lien de création d’accès pour %s", "reset_link_for": "Nouveau lien de création d’accès pour %s", "setup_link_note": "Transmettez ce lien à la personne par un canal de confiance. Il ne sert qu’une fois, pendant %d heures, et n’est affiché que maintenant.",
		"reset": "Réinitialiser", "reset_account": "Réinitialiser le compte", "reset_note": "La réinitialisation efface le mot de passe et le second facteur, ferme les sessions du compte et donne un nouveau lien de création d’accès.",
		"disable": "Désactiver", "disable_account": "Désactiver le compte", "disable_note": "Le compte ne pourra plus se connecter et ses sessions sont fermées dès maintenant. La console ne peut pas le réactiver.",
		"disabled_done": "Le compte %s est désactivé et déconnecté partout.", "not_own_account": "Vous ne pouvez pas réinitialiser ni désactiver votre propre compte ici ; demandez à un autre administrateur.",
		"token_name": "Nom", "token_id": "Identifiant", "last_used": "Dernière utilisation", "revoked": "Révoqué", "never": "jamais", "expired": "expiré",
		"new_token": "Nouveau jeton d’API", "expiry_days": "Validité (jours, 1 à 365)", "create_token": "Créer le jeton", "validity": "Validité", "validity_range": "doit être un nombre entier de jours entre 1 et 365",
		"token_for": "Jeton d’API %s", "token_once": "Copiez ce jeton maintenant : il ne sera plus affiché. Seule son empreinte est conservée.",
		"revoke": "Révoquer", "revoke_token": "Révoquer le jeton", "revoke_note": "Les programmes qui utilisent ce jeton sont refusés dès maintenant. Un jeton révoqué ne peut pas être rétabli.",
		"token_revoked": "Le jeton %s est révoqué.", "no_tokens": "Aucun jeton d’API pour l’instant.",
		"last_seen": "Dernière activité", "user_agent": "Navigateur", "this_session": "cette session", "sessions_intro": "Les navigateurs connectés à votre compte. Une session se ferme après %d minutes sans activité et au plus tard %d heures après la connexion.", "sign_out_everywhere_note": "Si vous ne reconnaissez pas une session, ou avez utilisé un ordinateur partagé, déconnectez-vous partout, y compris dans ce navigateur.",
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
		"too_few":          "Diese Auswahl enthält weniger als %d Entscheidungen: Ihre Zahlen könnten eine Person beschreiben und werden daher nicht angezeigt. Wählen Sie einen längeren Zeitraum oder eine größere Region.",
		"current_password": "Ihr aktuelles Passwort", "wrong_password": "Das Passwort ist falsch.",
		"confirm_open": "Sie sind einem Link von einer anderen Website zu einem Nachweis über eine Person gefolgt. Das Öffnen wird unter Ihrem Namen im Prüfprotokoll vermerkt.", "open_record": "Öffnen",
		"add_second_factor": "Einen zweiten Faktor (Authenticator-App) zu Ihrem Konto hinzufügen",
		"role":              "Rolle", "second_factor": "Zweiter Faktor", "state": "Status", "created": "Erstellt", "actions": "Aktionen", "you": "Sie",
		"state_active": "aktiv", "state_not_set_up": "nicht eingerichtet", "state_disabled": "deaktiviert",
		"role_admin": "Administrator", "role_privacy_officer": "Datenschutzbeauftragte:r", "role_analyst": "Analyst:in", "role_auditor": "Prüfer:in",
		"new_account": "Neues Konto", "create_account": "Konto anlegen",
		"setup_link_for": "Einrichtungslink für %s", "reset_link_for": "Neuer Einrichtungslink für %s", "setup_link_note": "Senden Sie diesen Link über einen vertrauenswürdigen Kanal. Er gilt einmal, %d Stunden lang, und wird nur jetzt angezeigt.",
		"reset": "Zurücksetzen", "reset_account": "Konto zurücksetzen", "reset_note": "Das Zurücksetzen löscht Passwort und zweiten Faktor, beendet die Sitzungen des Kontos und erzeugt einen neuen Einrichtungslink.",
		"disable": "Deaktivieren", "disable_account": "Konto deaktivieren", "disable_note": "Das Konto kann sich nicht mehr anmelden, seine Sitzungen enden sofort. Die Konsole kann es nicht wieder aktivieren.",
		"disabled_done": "Das Konto %s ist deaktiviert und überall abgemeldet.", "not_own_account": "Ihr eigenes Konto können Sie hier weder zurücksetzen noch deaktivieren; bitten Sie eine andere Administratorin oder einen anderen Administrator.",
		"token_name": "Name", "token_id": "ID", "last_used": "Zuletzt verwendet", "revoked": "Widerrufen", "never": "nie", "expired": "abgelaufen",
		"new_token": "Neues API-Token", "expiry_days": "Gültig für (Tage, 1–365)", "create_token": "Token erstellen", "validity": "Gültigkeit", "validity_range": "muss eine ganze Zahl von Tagen zwischen 1 und 365 sein",
		"token_for": "API-Token %s", "token_once": "Kopieren Sie dieses Token jetzt: Es wird nicht noch einmal angezeigt. Gespeichert wird nur sein Hash.",
		"revoke": "Widerrufen", "revoke_token": "Token widerrufen", "revoke_note": "Programme, die dieses Token verwenden, werden ab sofort abgewiesen. Ein widerrufenes Token lässt sich nicht wiederherstellen.",
		"token_revoked": "Das Token %s ist widerrufen.", "no_tokens": "Noch keine API-Tokens.",
		"last_seen": "Zuletzt aktiv", "user_agent": "Browser", "this_session": "diese Sitzung", "sessions_intro": "Die Browser, die bei Ihrem Konto angemeldet sind. Eine Sitzung endet nach %d Minuten ohne Nutzung und spätestens %d Stunden nach der Anmeldung.", "sign_out_everywhere_note": "Wenn Sie eine Sitzung nicht erkennen oder einen fremden Computer benutzt haben, melden Sie sich überall ab, auch in diesem Browser.",
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
