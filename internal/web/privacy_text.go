package web

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"

	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/dsr"
)

// The privacy centre speaks English, French and German. A page is in the
// site's locale chosen for the visitor (site.BestLocale), its texts in that
// locale's language, or English for a language they do not exist in.

// privacyText is the centre's texts in one language.
type privacyText struct {
	lang string
	m    map[string]string
}

// S returns the text of key, or the English one, or the key itself.
func (t *privacyText) S(key string) string {
	if s, ok := t.m[key]; ok {
		return s
	}
	if s, ok := privacyCatalog["en"][key]; ok {
		return s
	}
	return key
}

// F formats the text of key with args.
func (t *privacyText) F(key string, args ...any) string { return fmt.Sprintf(t.S(key), args...) }

// textFor returns the texts for a locale ("fr-CA" gives French).
func textFor(locale string) *privacyText {
	base := locale
	if tag, err := language.Parse(locale); err == nil {
		b, _ := tag.Base()
		base = b.String()
	}
	if m, ok := privacyCatalog[base]; ok {
		return &privacyText{lang: base, m: m}
	}
	return &privacyText{lang: "en", m: privacyCatalog["en"]}
}

var uiMatcher = language.NewMatcher([]language.Tag{language.English, language.French, language.German})

// bestUILanguage picks a language of the catalogue when there is no site
// to choose from (the page of an unknown site).
func bestUILanguage(explicit, acceptLanguage string) string {
	if _, ok := privacyCatalog[explicit]; ok {
		return explicit
	}
	tag, _ := language.MatchStrings(uiMatcher, acceptLanguage)
	b, _ := tag.Base()
	if _, ok := privacyCatalog[b.String()]; ok {
		return b.String()
	}
	return "en"
}

var months = map[string][12]string{
	"en": {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	"fr": {"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
	"de": {"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"},
}

// longDate writes a date as people of the language do: 2 March 2026,
// 2 mars 2026 (1er mars), 2. März 2026.
func (t *privacyText) longDate(d time.Time) string {
	y, m, day := d.Date()
	name := months[t.lang][m-1]
	switch t.lang {
	case "fr":
		ds := strconv.Itoa(day)
		if day == 1 {
			ds = "1er"
		}
		return ds + " " + name + " " + strconv.Itoa(y)
	case "de":
		return strconv.Itoa(day) + ". " + name + " " + strconv.Itoa(y)
	}
	return strconv.Itoa(day) + " " + name + " " + strconv.Itoa(y)
}

func (t *privacyText) dateTime(d time.Time) string {
	return t.F("date_time", t.longDate(d), d.Format("15:04"))
}

// fieldMessage words the service's error about a form field in the page's
// language. The service's messages are English; they are classified
// ("required", "too long", otherwise invalid), and the English one is the
// fallback for a field the catalogue does not know.
func (t *privacyText) fieldMessage(field, msg string) string {
	kind := "invalid"
	switch {
	case strings.HasPrefix(msg, "required"):
		kind = "required"
	case strings.HasPrefix(msg, "too long"):
		kind = "long"
	}
	if s, ok := t.m["err_"+field+"_"+kind]; ok {
		return s
	}
	if s, ok := t.m["err_"+field+"_invalid"]; ok {
		return s
	}
	return msg
}

// codeMessage words the service's refusal of a code.
func (t *privacyText) codeMessage(err error) string {
	var r *dsr.Refusal
	if !errors.As(err, &r) {
		return fieldMessage(err)
	}
	switch r.Reason {
	case dsr.RefusedWrong:
		switch r.Left {
		case 0:
			return t.S("code_wrong_last")
		case 1:
			return t.S("code_wrong_1")
		}
		return t.F("code_wrong_n", strconv.Itoa(r.Left))
	case dsr.RefusedFormat:
		return t.S("code_format")
	case dsr.RefusedUsed:
		return t.S("code_used")
	case dsr.RefusedExpired:
		return t.S("code_expired")
	case dsr.RefusedLocked:
		return t.S("code_locked")
	}
	return t.S("code_unknown")
}

// linkMessage words the service's refusal of a verification link.
func (t *privacyText) linkMessage(err error) string {
	var r *dsr.Refusal
	if !errors.As(err, &r) {
		return fieldMessage(err)
	}
	switch r.Reason {
	case dsr.RefusedInvalid:
		return t.S("link_invalid")
	case dsr.RefusedUsed:
		return t.S("link_used")
	case dsr.RefusedExpired:
		return t.S("link_expired")
	}
	return t.S("link_unknown")
}

// fieldMessage is the message of err's first field, else its own.
func fieldMessage(err error) string {
	if fs := custos.ErrorFields(err); len(fs) > 0 {
		return fs[0].Message
	}
	return custos.ErrorMessage(err)
}

var privacyCatalog = map[string]map[string]string{
	"en": {
		"languages": "Languages", "privacy_centre": "Privacy centre", "back_to_centre": "Back to the privacy centre",
		"required": "required", "optional": "optional", "date_time": "%s at %s",

		"centre_title": "Privacy centre",
		"centre_intro": "Everything about your personal data at %s, in one place.",
		"notice_h":     "Privacy notice", "notice_text": "How we use your personal data, why, for how long, who receives it, and what your rights are.",
		"notice_link": "Read the privacy notice", "no_notice": "No privacy notice is published here yet; write to the contact below.",
		"cookies_h": "Cookie declaration", "cookies_text": "Every cookie this site uses, what it is for, how long it lasts and who sets it.",
		"cookies_link": "See the cookies",
		"prefs_h":      "Your cookie choices", "prefs_text": "Give, change or withdraw your consent to cookies at any time: withdrawing is as easy as giving.",
		"prefs_button": "Open the cookie settings", "prefs_noscript": "The cookie settings need JavaScript. Without it, nothing that needs your consent runs either.",
		"requests_h": "Your rights over your data", "requests_text": "You can ask us for any of the following. We answer by e-mail, and you can follow your request on a private page.",
		"requests_link": "Make a request",
		"contact_h":     "Who is responsible", "contact_text": "%s decides how your personal data is used (the controller).",
		"contact_email": "Privacy contact", "contact_dpo": "Data protection officer", "contact_address": "Address",

		"type_information": "Information about your data", "type_information_help": "Learn what personal data we process, why, for how long, who receives it and where it comes from.",
		"type_access": "A copy of your data", "type_access_help": "Receive a copy of the personal data we hold about you.",
		"type_portability": "Your data in a portable format", "type_portability_help": "Receive the data you gave us in a machine-readable file, to reuse it or take it elsewhere.",
		"type_erasure": "Erasure of your data", "type_erasure_help": "Have your personal data deleted, except what the law requires us to keep.",
		"type_rectification": "Correction of your data", "type_rectification_help": "Have inaccurate or incomplete data about you corrected; write the correction in the details.",
		"type_restriction": "Restriction of processing", "type_restriction_help": "Have us keep your data without otherwise using it for a while, for example while a correction is checked.",
		"type_objection": "Objection to processing", "type_objection_help": "Stop a use of your data: one based on our legitimate interests, direct marketing, or its sale or sharing.",
		"type_consent_withdrawal": "Withdrawal of consent", "type_consent_withdrawal_help": "Withdraw the consents you gave us; what was done before stays lawful, and nothing more is done on their basis.",
		"scope_legitimate_interests": "Processing based on our legitimate interests",
		"scope_direct_marketing":     "Direct marketing",
		"scope_sale_sharing":         "Sale or sharing of my personal information",

		"form_title":  "Make a request about your data",
		"form_intro":  "Tell us what you ask for and where to answer. We first e-mail you a code to confirm that the address is yours; nothing happens before that.",
		"form_errors": "The request was not sent. Please correct what is marked below.",
		"type_legend": "What do you ask for?", "scope_legend": "What do you object to?", "scope_help": "Only for an objection.",
		"email_label": "Your e-mail address", "email_help": "We send the code and our answer to this address, and use it for nothing else.",
		"region_label": "Where you live", "region_help": "A country code such as FR or DE, or a US state such as US-CA: it decides which law and deadlines apply.",
		"region_fixed":  "Found from your connection.",
		"details_label": "Details", "details_help": "For a correction, required: the correction you ask for (what is wrong, and what it should be). Otherwise optional: anything that helps us.",
		"consent_label": "Include the consent choices of this browser", "consent_help": "Your request then also covers the cookie choices made in this browser, which are stored under a random id rather than your name.",
		"consent_none": "This browser holds no cookie choice for this site; the request will be sent without one.",
		"submit":       "Send the request", "honeypot_label": "Leave this field empty",

		"err_type_required": "Choose what you ask for.", "err_type_invalid": "Choose one of the requests listed.",
		"err_objection_required": "For an objection, choose what you object to.", "err_objection_invalid": "Choose one of the listed choices.",
		"err_email_required": "Give your e-mail address.", "err_email_long": "This address is too long: at most 254 characters.",
		"err_email_invalid":    "This is not an e-mail address; write it as name@example.com.",
		"err_region_invalid":   "Write a country code such as FR, or a US state such as US-CA.",
		"err_details_required": "For a correction, say what is wrong and what it should be.", "err_details_long": "Too long: at most 2,000 characters.",
		"err_details_invalid":    "Remove the control characters from this text.",
		"err_consent_id_invalid": "The cookie choices of this browser could not be read; untick the box to send the request without them.",
		"err_locale_invalid":     "This form is out of date; reload the page.", "err_site_invalid": "This form is out of date; reload the page.",

		"code_title": "Confirm your e-mail address",
		"code_intro": "We have e-mailed you a 6-digit code. Enter it below within 10 minutes. The e-mail also has a link that confirms the request for 24 hours.",
		"code_label": "Code", "confirm": "Confirm",
		"new_code":    "No e-mail, or the code has expired? Look in your spam folder, or file the same request again with the same address: we send a new code, and the two are merged, not counted twice.",
		"file_again":  "File the request again",
		"code_format": "Enter the 6 digits of the code we e-mailed you.", "code_unknown": "This code is wrong or has expired; ask for a new one.",
		"code_used": "This code has already been used.", "code_expired": "This code has expired (a code is valid for 10 minutes); ask for a new one.",
		"code_locked": "Too many wrong codes; ask for a new one.", "code_wrong_n": "This code is wrong; %s attempts left.", "code_wrong_1": "This code is wrong; 1 attempt left.",
		"code_wrong_last": "This code is wrong and no attempts are left; ask for a new one.",

		"confirm_title": "Confirm your request", "confirm_intro": "Press the button to confirm that this e-mail address is yours and to send your request. Nothing happens until you do.",
		"confirm_button": "Confirm my request",
		"link_title":     "This link does not work",
		"link_invalid":   "This link is not valid. Open the link from the e-mail as it is, or copy all of it into the address bar.",
		"link_unknown":   "This link is not valid, or its request has expired. File the request again.",
		"link_used":      "This link has already been used. The e-mail confirming your request has the link to follow it.",
		"link_expired":   "This link has expired (a link is valid for 24 hours). File the request again.",

		"received_title": "Request received", "received": "We have received your request and e-mailed you a confirmation, with a private link where you can follow it.",

		"status_title": "Your request", "status_private": "This page is private: anyone with its link can see it, so do not share the link.",
		"ref": "Reference", "request": "Request", "state": "Status", "received_on": "Received", "due": "Answer due", "objection_scope": "Objection to",
		"due_without_delay": "Without delay, and by %s at the latest", "extended": "The deadline was extended: %s", "extended_no_reason": "The deadline was extended.",
		"dates_zone":       "Dates are in %s time.",
		"state_unverified": "Waiting for you to confirm your e-mail address", "state_open": "Received; waiting to be dealt with",
		"state_in_progress": "Being dealt with", "state_completed": "Answered", "state_denied": "Refused",
		"history": "History", "event_received": "Request received", "event_verified": "E-mail address confirmed", "event_extended": "Deadline extended",
		"event_approved": "Request accepted", "event_completed": "Answer sent", "event_denied": "Request refused", "event_downloaded": "Answer downloaded",
		"deny_h": "Why we refused", "deny_note_h": "Note from our privacy team", "complain": "If you disagree, write to us, or complain to a data protection authority.",
		"answered": "We have answered your request; the e-mail we sent you says what we did.",
		"answer_h": "Your answer is ready", "answer_text": "You can download it until %s. To protect it, we first e-mail you a code.", "send_code": "Send me a code",
		"deny_no_match":                  "We found no personal data about you linked to the details you gave us.",
		"deny_insufficient_verification": "We could not confirm your identity with enough certainty. To protect your data, we act on a request only when we are sure it comes from the person it concerns.",
		"deny_claim_not_covered":         "What the request asks for is not covered by the right it relies on, or the law makes an exception in this case.",
		"deny_outside_jurisdiction":      "The law the request relies on does not apply to our processing of your data.",
		"deny_too_many_requests":         "The request repeats earlier ones made a short time ago. The law allows us to refuse requests that are manifestly unfounded or excessive.",
		"deny_suspected_fraud":           "We have reason to believe that the request was not made by the person it concerns, nor by someone entitled to act for them.",
		"deny_other":                     "Our privacy team explains it in the note below.",
		"deny_other_no_note":             "Please write to us if you would like to know more.",

		"download_title": "Download your answer", "download_intro": "We have e-mailed you a 6-digit code. Enter it below within 10 minutes to download your answer.",
		"download": "Download", "download_new": "No e-mail, or the code has expired? Go back to your request and ask for a new code.", "back_to_request": "Back to your request",

		"not_found_title": "Page not found", "not_found": "This page does not exist, or its link is incomplete. If you came from an e-mail, copy the whole link.",
		"too_many_title": "Too many requests", "too_many": "Too many requests have come from here or for this address. Please try again later.", "too_many_contact": "If you cannot wait, write to us at %s.",
		"unavailable_title": "Not available", "unavailable": "This service is not available at the moment. Please try again later.",
		"error_title": "Something went wrong", "error": "Something went wrong on our side. Please try again later.",
		"cross_site_title": "Request refused", "cross_site": "This form was sent from another website, so it was refused. Open the form on this site and send it again.",
		"too_large_title": "Too much text", "too_large": "The form holds more text than we accept. Shorten the details and send it again.",
		"bad_form_title": "The form could not be read", "bad_form": "The form could not be read. Reload the page and send it again.",
	},
	"fr": {
		"languages": "Langues", "privacy_centre": "Centre de confidentialité", "back_to_centre": "Retour au centre de confidentialité",
		"required": "obligatoire", "optional": "facultatif", "date_time": "%s à %s",

		"centre_title": "Centre de confidentialité",
		"centre_intro": "Tout ce qui concerne vos données personnelles chez %s, au même endroit.",
		"notice_h":     "Politique de confidentialité", "notice_text": "Comment nous utilisons vos données personnelles, pourquoi, pendant combien de temps, qui les reçoit et quels sont vos droits.",
		"notice_link": "Lire la politique de confidentialité", "no_notice": "Aucune politique de confidentialité n'est encore publiée ici ; écrivez au contact ci-dessous.",
		"cookies_h": "Déclaration des cookies", "cookies_text": "Chaque cookie utilisé par ce site, à quoi il sert, combien de temps il dure et qui le dépose.",
		"cookies_link": "Voir les cookies",
		"prefs_h":      "Vos choix en matière de cookies", "prefs_text": "Donnez, modifiez ou retirez votre consentement aux cookies à tout moment : le retirer est aussi simple que le donner.",
		"prefs_button": "Ouvrir les paramètres des cookies", "prefs_noscript": "Les paramètres des cookies nécessitent JavaScript. Sans lui, rien de ce qui requiert votre consentement ne s'exécute non plus.",
		"requests_h": "Vos droits sur vos données", "requests_text": "Vous pouvez nous demander l'une des choses suivantes. Nous répondons par e-mail, et vous pouvez suivre votre demande sur une page privée.",
		"requests_link": "Faire une demande",
		"contact_h":     "Qui est responsable", "contact_text": "%s décide de l'utilisation de vos données personnelles (le responsable du traitement).",
		"contact_email": "Contact confidentialité", "contact_dpo": "Délégué à la protection des données", "contact_address": "Adresse",

		"type_information": "Information sur vos données", "type_information_help": "Savoir quelles données personnelles nous traitons, pourquoi, pendant combien de temps, qui les reçoit et d'où elles viennent.",
		"type_access": "Copie de vos données", "type_access_help": "Recevoir une copie des données personnelles que nous détenons sur vous.",
		"type_portability": "Portabilité de vos données", "type_portability_help": "Recevoir les données que vous nous avez fournies dans un fichier lisible par machine, pour les réutiliser ou les transmettre ailleurs.",
		"type_erasure": "Effacement de vos données", "type_erasure_help": "Faire supprimer vos données personnelles, sauf celles que la loi nous oblige à conserver.",
		"type_rectification": "Rectification de vos données", "type_rectification_help": "Faire corriger des données inexactes ou incomplètes vous concernant ; écrivez la correction dans les précisions.",
		"type_restriction": "Limitation du traitement", "type_restriction_help": "Nous faire conserver vos données sans les utiliser autrement pendant un temps, par exemple pendant la vérification d'une correction.",
		"type_objection": "Opposition au traitement", "type_objection_help": "Mettre fin à une utilisation de vos données : fondée sur notre intérêt légitime, à des fins de prospection, ou leur vente ou leur partage.",
		"type_consent_withdrawal": "Retrait du consentement", "type_consent_withdrawal_help": "Retirer les consentements que vous nous avez donnés ; ce qui a été fait avant reste licite, et plus rien n'est fait sur leur base.",
		"scope_legitimate_interests": "Les traitements fondés sur notre intérêt légitime",
		"scope_direct_marketing":     "La prospection commerciale",
		"scope_sale_sharing":         "La vente ou le partage de mes données personnelles",

		"form_title":  "Faire une demande sur vos données",
		"form_intro":  "Dites-nous ce que vous demandez et où vous répondre. Nous vous envoyons d'abord un code par e-mail pour confirmer que l'adresse est bien la vôtre ; rien ne se passe avant.",
		"form_errors": "La demande n'a pas été envoyée. Veuillez corriger ce qui est signalé ci-dessous.",
		"type_legend": "Que demandez-vous ?", "scope_legend": "À quoi vous opposez-vous ?", "scope_help": "Uniquement pour une opposition.",
		"email_label": "Votre adresse e-mail", "email_help": "Nous envoyons le code et notre réponse à cette adresse, et ne l'utilisons pour rien d'autre.",
		"region_label": "Où vous résidez", "region_help": "Un code de pays comme FR ou DE, ou un État américain comme US-CA : il détermine la loi et les délais applicables.",
		"region_fixed":  "Déterminé d'après votre connexion.",
		"details_label": "Précisions", "details_help": "Pour une rectification, obligatoire : la correction demandée (ce qui est faux, et ce qui est juste). Sinon facultatif : tout ce qui peut nous aider.",
		"consent_label": "Inclure les choix de consentement de ce navigateur", "consent_help": "Votre demande couvre alors aussi les choix de cookies faits dans ce navigateur, enregistrés sous un identifiant aléatoire et non sous votre nom.",
		"consent_none": "Ce navigateur ne contient aucun choix de cookies pour ce site ; la demande sera envoyée sans.",
		"submit":       "Envoyer la demande", "honeypot_label": "Laissez ce champ vide",

		"err_type_required": "Choisissez ce que vous demandez.", "err_type_invalid": "Choisissez l'une des demandes proposées.",
		"err_objection_required": "Pour une opposition, choisissez ce à quoi vous vous opposez.", "err_objection_invalid": "Choisissez l'un des choix proposés.",
		"err_email_required": "Indiquez votre adresse e-mail.", "err_email_long": "Cette adresse est trop longue : 254 caractères au plus.",
		"err_email_invalid":    "Ce n'est pas une adresse e-mail ; écrivez-la sous la forme nom@exemple.fr.",
		"err_region_invalid":   "Écrivez un code de pays comme FR, ou un État américain comme US-CA.",
		"err_details_required": "Pour une rectification, indiquez ce qui est faux et ce qui est juste.", "err_details_long": "Trop long : 2 000 caractères au plus.",
		"err_details_invalid":    "Retirez les caractères de contrôle de ce texte.",
		"err_consent_id_invalid": "Les choix de cookies de ce navigateur n'ont pas pu être lus ; décochez la case pour envoyer la demande sans eux.",
		"err_locale_invalid":     "Ce formulaire n'est plus à jour ; rechargez la page.", "err_site_invalid": "Ce formulaire n'est plus à jour ; rechargez la page.",

		"code_title": "Confirmez votre adresse e-mail",
		"code_intro": "Nous vous avons envoyé un code à 6 chiffres par e-mail. Saisissez-le ci-dessous dans les 10 minutes. L'e-mail contient aussi un lien qui confirme la demande pendant 24 heures.",
		"code_label": "Code", "confirm": "Confirmer",
		"new_code":    "Pas d'e-mail, ou le code a expiré ? Regardez dans vos courriers indésirables, ou refaites la même demande avec la même adresse : nous envoyons un nouveau code, et les deux demandes sont fusionnées, pas comptées deux fois.",
		"file_again":  "Refaire la demande",
		"code_format": "Saisissez les 6 chiffres du code que nous vous avons envoyé.", "code_unknown": "Ce code est faux ou a expiré ; demandez-en un nouveau.",
		"code_used": "Ce code a déjà été utilisé.", "code_expired": "Ce code a expiré (un code est valable 10 minutes) ; demandez-en un nouveau.",
		"code_locked": "Trop de codes faux ; demandez-en un nouveau.", "code_wrong_n": "Ce code est faux ; il reste %s essais.", "code_wrong_1": "Ce code est faux ; il reste 1 essai.",
		"code_wrong_last": "Ce code est faux et il ne reste aucun essai ; demandez-en un nouveau.",

		"confirm_title": "Confirmez votre demande", "confirm_intro": "Appuyez sur le bouton pour confirmer que cette adresse e-mail est la vôtre et envoyer votre demande. Rien ne se passe tant que vous ne l'avez pas fait.",
		"confirm_button": "Confirmer ma demande",
		"link_title":     "Ce lien ne fonctionne pas",
		"link_invalid":   "Ce lien n'est pas valide. Ouvrez le lien de l'e-mail tel quel, ou copiez-le en entier dans la barre d'adresse.",
		"link_unknown":   "Ce lien n'est pas valide, ou sa demande a expiré. Refaites la demande.",
		"link_used":      "Ce lien a déjà été utilisé. L'e-mail qui confirme votre demande contient le lien pour la suivre.",
		"link_expired":   "Ce lien a expiré (un lien est valable 24 heures). Refaites la demande.",

		"received_title": "Demande reçue", "received": "Nous avons reçu votre demande et vous avons envoyé une confirmation par e-mail, avec un lien privé pour la suivre.",

		"status_title": "Votre demande", "status_private": "Cette page est privée : toute personne qui a son lien peut la voir, ne partagez donc pas le lien.",
		"ref": "Référence", "request": "Demande", "state": "État", "received_on": "Reçue le", "due": "Réponse attendue le", "objection_scope": "Opposition à",
		"due_without_delay": "Sans délai, et au plus tard le %s", "extended": "Le délai a été prolongé : %s", "extended_no_reason": "Le délai a été prolongé.",
		"dates_zone":       "Les dates sont à l'heure de %s.",
		"state_unverified": "En attente de la confirmation de votre adresse e-mail", "state_open": "Reçue ; en attente de traitement",
		"state_in_progress": "En cours de traitement", "state_completed": "Traitée", "state_denied": "Refusée",
		"history": "Historique", "event_received": "Demande reçue", "event_verified": "Adresse e-mail confirmée", "event_extended": "Délai prolongé",
		"event_approved": "Demande acceptée", "event_completed": "Réponse envoyée", "event_denied": "Demande refusée", "event_downloaded": "Réponse téléchargée",
		"deny_h": "Pourquoi nous avons refusé", "deny_note_h": "Note de notre équipe", "complain": "Si vous n'êtes pas d'accord, écrivez-nous, ou adressez une réclamation à une autorité de protection des données.",
		"answered": "Nous avons répondu à votre demande ; l'e-mail que nous vous avons envoyé indique ce que nous avons fait.",
		"answer_h": "Votre réponse est prête", "answer_text": "Vous pouvez la télécharger jusqu'au %s. Pour la protéger, nous vous envoyons d'abord un code par e-mail.", "send_code": "M'envoyer un code",
		"deny_no_match":                  "Nous n'avons trouvé aucune donnée personnelle vous concernant liée aux informations que vous nous avez données.",
		"deny_insufficient_verification": "Nous n'avons pas pu confirmer votre identité avec une certitude suffisante. Pour protéger vos données, nous ne donnons suite à une demande que lorsque nous sommes sûrs qu'elle vient de la personne concernée.",
		"deny_claim_not_covered":         "Ce que demande la requête n'est pas couvert par le droit invoqué, ou la loi prévoit une exception dans ce cas.",
		"deny_outside_jurisdiction":      "La loi invoquée par la demande ne s'applique pas au traitement de vos données par nos soins.",
		"deny_too_many_requests":         "La demande répète des demandes faites peu de temps auparavant. La loi nous permet de refuser les demandes manifestement infondées ou excessives.",
		"deny_suspected_fraud":           "Nous avons des raisons de penser que la demande n'a pas été faite par la personne concernée, ni par une personne habilitée à agir pour elle.",
		"deny_other":                     "Notre équipe l'explique dans la note ci-dessous.",
		"deny_other_no_note":             "N'hésitez pas à nous écrire si vous souhaitez en savoir plus.",

		"download_title": "Télécharger votre réponse", "download_intro": "Nous vous avons envoyé un code à 6 chiffres par e-mail. Saisissez-le ci-dessous dans les 10 minutes pour télécharger votre réponse.",
		"download": "Télécharger", "download_new": "Pas d'e-mail, ou le code a expiré ? Revenez à votre demande et demandez un nouveau code.", "back_to_request": "Revenir à votre demande",

		"not_found_title": "Page introuvable", "not_found": "Cette page n'existe pas, ou son lien est incomplet. Si vous venez d'un e-mail, copiez le lien en entier.",
		"too_many_title": "Trop de demandes", "too_many": "Trop de demandes viennent d'ici ou concernent cette adresse. Veuillez réessayer plus tard.", "too_many_contact": "Si vous ne pouvez pas attendre, écrivez-nous à %s.",
		"unavailable_title": "Indisponible", "unavailable": "Ce service n'est pas disponible pour le moment. Veuillez réessayer plus tard.",
		"error_title": "Une erreur s'est produite", "error": "Une erreur s'est produite de notre côté. Veuillez réessayer plus tard.",
		"cross_site_title": "Demande refusée", "cross_site": "Ce formulaire a été envoyé depuis un autre site, il a donc été refusé. Ouvrez le formulaire sur ce site et envoyez-le à nouveau.",
		"too_large_title": "Trop de texte", "too_large": "Le formulaire contient plus de texte que nous n'en acceptons. Raccourcissez les précisions et envoyez-le à nouveau.",
		"bad_form_title": "Le formulaire n'a pas pu être lu", "bad_form": "Le formulaire n'a pas pu être lu. Rechargez la page et envoyez-le à nouveau.",
	},
	"de": {
		"languages": "Sprachen", "privacy_centre": "Datenschutzzentrum", "back_to_centre": "Zurück zum Datenschutzzentrum",
		"required": "Pflichtfeld", "optional": "freiwillig", "date_time": "%s um %s Uhr",

		"centre_title": "Datenschutzzentrum",
		"centre_intro": "Alles zu Ihren personenbezogenen Daten bei %s an einem Ort.",
		"notice_h":     "Datenschutzerklärung", "notice_text": "Wie wir Ihre personenbezogenen Daten nutzen, warum, wie lange, wer sie erhält und welche Rechte Sie haben.",
		"notice_link": "Datenschutzerklärung lesen", "no_notice": "Hier ist noch keine Datenschutzerklärung veröffentlicht; schreiben Sie an den Kontakt unten.",
		"cookies_h": "Cookie-Erklärung", "cookies_text": "Jedes Cookie dieser Website: wofür es dient, wie lange es besteht und wer es setzt.",
		"cookies_link": "Cookies ansehen",
		"prefs_h":      "Ihre Cookie-Auswahl", "prefs_text": "Erteilen, ändern oder widerrufen Sie Ihre Einwilligung in Cookies jederzeit: Der Widerruf ist so einfach wie die Einwilligung.",
		"prefs_button": "Cookie-Einstellungen öffnen", "prefs_noscript": "Die Cookie-Einstellungen benötigen JavaScript. Ohne JavaScript läuft auch nichts, was Ihre Einwilligung braucht.",
		"requests_h": "Ihre Rechte an Ihren Daten", "requests_text": "Sie können Folgendes von uns verlangen. Wir antworten per E-Mail, und Sie können Ihre Anfrage auf einer privaten Seite verfolgen.",
		"requests_link": "Anfrage stellen",
		"contact_h":     "Wer verantwortlich ist", "contact_text": "%s entscheidet über die Nutzung Ihrer personenbezogenen Daten (der Verantwortliche).",
		"contact_email": "Datenschutzkontakt", "contact_dpo": "Datenschutzbeauftragte(r)", "contact_address": "Anschrift",

		"type_information": "Auskunft über Ihre Daten", "type_information_help": "Erfahren, welche personenbezogenen Daten wir verarbeiten, warum, wie lange, wer sie erhält und woher sie stammen.",
		"type_access": "Kopie Ihrer Daten", "type_access_help": "Eine Kopie der personenbezogenen Daten erhalten, die wir über Sie gespeichert haben.",
		"type_portability": "Datenübertragbarkeit", "type_portability_help": "Die Daten, die Sie uns gegeben haben, als maschinenlesbare Datei erhalten, um sie weiterzuverwenden oder mitzunehmen.",
		"type_erasure": "Löschung Ihrer Daten", "type_erasure_help": "Ihre personenbezogenen Daten löschen lassen, außer denen, die wir von Gesetzes wegen aufbewahren müssen.",
		"type_rectification": "Berichtigung Ihrer Daten", "type_rectification_help": "Unrichtige oder unvollständige Daten über Sie berichtigen lassen; schreiben Sie die Berichtigung in die Angaben.",
		"type_restriction": "Einschränkung der Verarbeitung", "type_restriction_help": "Ihre Daten eine Zeit lang nur speichern und nicht anders nutzen lassen, etwa während eine Berichtigung geprüft wird.",
		"type_objection": "Widerspruch gegen die Verarbeitung", "type_objection_help": "Einer Nutzung Ihrer Daten widersprechen: auf Grundlage unserer berechtigten Interessen, für Direktwerbung oder ihrem Verkauf oder ihrer Weitergabe.",
		"type_consent_withdrawal": "Widerruf der Einwilligung", "type_consent_withdrawal_help": "Ihre Einwilligungen widerrufen; was zuvor geschah, bleibt rechtmäßig, und auf ihrer Grundlage geschieht nichts mehr.",
		"scope_legitimate_interests": "Verarbeitungen auf Grundlage unserer berechtigten Interessen",
		"scope_direct_marketing":     "Direktwerbung",
		"scope_sale_sharing":         "Verkauf oder Weitergabe meiner personenbezogenen Daten",

		"form_title":  "Anfrage zu Ihren Daten stellen",
		"form_intro":  "Sagen Sie uns, was Sie verlangen und wohin wir antworten sollen. Wir senden Ihnen zuerst einen Code per E-Mail, um zu bestätigen, dass die Adresse Ihnen gehört; vorher geschieht nichts.",
		"form_errors": "Die Anfrage wurde nicht gesendet. Bitte korrigieren Sie, was unten markiert ist.",
		"type_legend": "Was verlangen Sie?", "scope_legend": "Wogegen widersprechen Sie?", "scope_help": "Nur bei einem Widerspruch.",
		"email_label": "Ihre E-Mail-Adresse", "email_help": "Wir senden den Code und unsere Antwort an diese Adresse und nutzen sie für nichts anderes.",
		"region_label": "Wo Sie wohnen", "region_help": "Ein Ländercode wie DE oder AT oder ein US-Bundesstaat wie US-CA: Er bestimmt, welches Gesetz und welche Fristen gelten.",
		"region_fixed":  "Aus Ihrer Verbindung ermittelt.",
		"details_label": "Angaben", "details_help": "Bei einer Berichtigung Pflicht: die verlangte Berichtigung (was falsch ist und was richtig wäre). Sonst freiwillig: alles, was uns hilft.",
		"consent_label": "Die Einwilligungen dieses Browsers einbeziehen", "consent_help": "Ihre Anfrage umfasst dann auch die Cookie-Auswahl in diesem Browser, die unter einer zufälligen Kennung statt Ihres Namens gespeichert ist.",
		"consent_none": "Dieser Browser enthält keine Cookie-Auswahl für diese Website; die Anfrage wird ohne gesendet.",
		"submit":       "Anfrage senden", "honeypot_label": "Dieses Feld leer lassen",

		"err_type_required": "Wählen Sie, was Sie verlangen.", "err_type_invalid": "Wählen Sie eine der aufgeführten Anfragen.",
		"err_objection_required": "Wählen Sie bei einem Widerspruch, wogegen Sie widersprechen.", "err_objection_invalid": "Wählen Sie eine der aufgeführten Möglichkeiten.",
		"err_email_required": "Geben Sie Ihre E-Mail-Adresse an.", "err_email_long": "Diese Adresse ist zu lang: höchstens 254 Zeichen.",
		"err_email_invalid":    "Das ist keine E-Mail-Adresse; schreiben Sie sie als name@beispiel.de.",
		"err_region_invalid":   "Schreiben Sie einen Ländercode wie DE oder einen US-Bundesstaat wie US-CA.",
		"err_details_required": "Geben Sie bei einer Berichtigung an, was falsch ist und was richtig wäre.", "err_details_long": "Zu lang: höchstens 2.000 Zeichen.",
		"err_details_invalid":    "Entfernen Sie die Steuerzeichen aus diesem Text.",
		"err_consent_id_invalid": "Die Cookie-Auswahl dieses Browsers konnte nicht gelesen werden; entfernen Sie das Häkchen, um die Anfrage ohne sie zu senden.",
		"err_locale_invalid":     "Dieses Formular ist veraltet; laden Sie die Seite neu.", "err_site_invalid": "Dieses Formular ist veraltet; laden Sie die Seite neu.",

		"code_title": "Bestätigen Sie Ihre E-Mail-Adresse",
		"code_intro": "Wir haben Ihnen einen 6-stelligen Code per E-Mail gesendet. Geben Sie ihn innerhalb von 10 Minuten unten ein. Die E-Mail enthält auch einen Link, der die Anfrage 24 Stunden lang bestätigt.",
		"code_label": "Code", "confirm": "Bestätigen",
		"new_code":    "Keine E-Mail, oder der Code ist abgelaufen? Sehen Sie im Spam-Ordner nach, oder stellen Sie dieselbe Anfrage mit derselben Adresse noch einmal: Wir senden einen neuen Code, und beide Anfragen werden zusammengeführt, nicht doppelt gezählt.",
		"file_again":  "Anfrage erneut stellen",
		"code_format": "Geben Sie die 6 Ziffern des Codes ein, den wir Ihnen gesendet haben.", "code_unknown": "Dieser Code ist falsch oder abgelaufen; fordern Sie einen neuen an.",
		"code_used": "Dieser Code wurde bereits verwendet.", "code_expired": "Dieser Code ist abgelaufen (ein Code gilt 10 Minuten); fordern Sie einen neuen an.",
		"code_locked": "Zu viele falsche Codes; fordern Sie einen neuen an.", "code_wrong_n": "Dieser Code ist falsch; noch %s Versuche.", "code_wrong_1": "Dieser Code ist falsch; noch 1 Versuch.",
		"code_wrong_last": "Dieser Code ist falsch, und es sind keine Versuche mehr übrig; fordern Sie einen neuen an.",

		"confirm_title": "Bestätigen Sie Ihre Anfrage", "confirm_intro": "Drücken Sie die Schaltfläche, um zu bestätigen, dass diese E-Mail-Adresse Ihnen gehört, und Ihre Anfrage zu senden. Vorher geschieht nichts.",
		"confirm_button": "Meine Anfrage bestätigen",
		"link_title":     "Dieser Link funktioniert nicht",
		"link_invalid":   "Dieser Link ist ungültig. Öffnen Sie den Link aus der E-Mail unverändert, oder kopieren Sie ihn vollständig in die Adresszeile.",
		"link_unknown":   "Dieser Link ist ungültig, oder seine Anfrage ist abgelaufen. Stellen Sie die Anfrage erneut.",
		"link_used":      "Dieser Link wurde bereits verwendet. Die E-Mail, die Ihre Anfrage bestätigt, enthält den Link, um sie zu verfolgen.",
		"link_expired":   "Dieser Link ist abgelaufen (ein Link gilt 24 Stunden). Stellen Sie die Anfrage erneut.",

		"received_title": "Anfrage erhalten", "received": "Wir haben Ihre Anfrage erhalten und Ihnen eine Bestätigung per E-Mail gesendet, mit einem privaten Link, unter dem Sie sie verfolgen können.",

		"status_title": "Ihre Anfrage", "status_private": "Diese Seite ist privat: Jede Person mit ihrem Link kann sie sehen, geben Sie den Link also nicht weiter.",
		"ref": "Referenz", "request": "Anfrage", "state": "Stand", "received_on": "Eingegangen am", "due": "Antwort fällig am", "objection_scope": "Widerspruch gegen",
		"due_without_delay": "Unverzüglich, spätestens am %s", "extended": "Die Frist wurde verlängert: %s", "extended_no_reason": "Die Frist wurde verlängert.",
		"dates_zone":       "Zeitangaben in der Zeitzone %s.",
		"state_unverified": "Wartet auf die Bestätigung Ihrer E-Mail-Adresse", "state_open": "Eingegangen; wartet auf Bearbeitung",
		"state_in_progress": "In Bearbeitung", "state_completed": "Beantwortet", "state_denied": "Abgelehnt",
		"history": "Verlauf", "event_received": "Anfrage eingegangen", "event_verified": "E-Mail-Adresse bestätigt", "event_extended": "Frist verlängert",
		"event_approved": "Anfrage angenommen", "event_completed": "Antwort gesendet", "event_denied": "Anfrage abgelehnt", "event_downloaded": "Antwort heruntergeladen",
		"deny_h": "Warum wir abgelehnt haben", "deny_note_h": "Hinweis unseres Datenschutzteams", "complain": "Wenn Sie nicht einverstanden sind, schreiben Sie uns, oder beschweren Sie sich bei einer Datenschutzaufsichtsbehörde.",
		"answered": "Wir haben Ihre Anfrage beantwortet; die E-Mail, die wir Ihnen gesendet haben, sagt, was wir getan haben.",
		"answer_h": "Ihre Antwort liegt bereit", "answer_text": "Sie können sie bis zum %s herunterladen. Zu ihrem Schutz senden wir Ihnen zuerst einen Code per E-Mail.", "send_code": "Code senden",
		"deny_no_match":                  "Wir haben zu den von Ihnen angegebenen Daten keine personenbezogenen Daten über Sie gefunden.",
		"deny_insufficient_verification": "Wir konnten Ihre Identität nicht mit ausreichender Sicherheit bestätigen. Zum Schutz Ihrer Daten bearbeiten wir eine Anfrage nur, wenn wir sicher sind, dass sie von der betroffenen Person stammt.",
		"deny_claim_not_covered":         "Was die Anfrage verlangt, ist von dem geltend gemachten Recht nicht umfasst, oder das Gesetz sieht in diesem Fall eine Ausnahme vor.",
		"deny_outside_jurisdiction":      "Das Gesetz, auf das sich die Anfrage stützt, gilt nicht für unsere Verarbeitung Ihrer Daten.",
		"deny_too_many_requests":         "Die Anfrage wiederholt Anfragen, die erst kurz zuvor gestellt wurden. Das Gesetz erlaubt uns, offenkundig unbegründete oder exzessive Anfragen abzulehnen.",
		"deny_suspected_fraud":           "Wir haben Grund zu der Annahme, dass die Anfrage weder von der betroffenen Person noch von jemandem gestellt wurde, der für sie handeln darf.",
		"deny_other":                     "Unser Datenschutzteam erläutert ihn im folgenden Hinweis.",
		"deny_other_no_note":             "Schreiben Sie uns gern, wenn Sie mehr erfahren möchten.",

		"download_title": "Ihre Antwort herunterladen", "download_intro": "Wir haben Ihnen einen 6-stelligen Code per E-Mail gesendet. Geben Sie ihn innerhalb von 10 Minuten unten ein, um Ihre Antwort herunterzuladen.",
		"download": "Herunterladen", "download_new": "Keine E-Mail, oder der Code ist abgelaufen? Gehen Sie zurück zu Ihrer Anfrage und fordern Sie einen neuen Code an.", "back_to_request": "Zurück zu Ihrer Anfrage",

		"not_found_title": "Seite nicht gefunden", "not_found": "Diese Seite gibt es nicht, oder ihr Link ist unvollständig. Wenn Sie von einer E-Mail kommen, kopieren Sie den ganzen Link.",
		"too_many_title": "Zu viele Anfragen", "too_many": "Von hier oder für diese Adresse kamen zu viele Anfragen. Bitte versuchen Sie es später noch einmal.", "too_many_contact": "Wenn Sie nicht warten können, schreiben Sie uns an %s.",
		"unavailable_title": "Nicht verfügbar", "unavailable": "Dieser Dienst ist gerade nicht verfügbar. Bitte versuchen Sie es später noch einmal.",
		"error_title": "Etwas ist schiefgegangen", "error": "Bei uns ist etwas schiefgegangen. Bitte versuchen Sie es später noch einmal.",
		"cross_site_title": "Anfrage abgelehnt", "cross_site": "Dieses Formular wurde von einer anderen Website gesendet und deshalb abgelehnt. Öffnen Sie das Formular auf dieser Website und senden Sie es erneut.",
		"too_large_title": "Zu viel Text", "too_large": "Das Formular enthält mehr Text, als wir annehmen. Kürzen Sie die Angaben und senden Sie es erneut.",
		"bad_form_title": "Das Formular konnte nicht gelesen werden", "bad_form": "Das Formular konnte nicht gelesen werden. Laden Sie die Seite neu und senden Sie es erneut.",
	},
}
