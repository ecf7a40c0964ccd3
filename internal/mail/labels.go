package mail

import "github.com/custos-privacy/custos/internal/custos"

// The words the templates take from Go: request types, reasons for a
// refusal, months. The sentences are in templates/.

var typeNames = map[string]map[custos.RequestType]string{
	"en": {
		custos.RequestInformation:       "information about your data",
		custos.RequestAccess:            "a copy of your data",
		custos.RequestPortability:       "your data in a portable format",
		custos.RequestErasure:           "erasure of your data",
		custos.RequestRectification:     "correction of your data",
		custos.RequestRestriction:       "restriction of processing",
		custos.RequestObjection:         "objection to processing",
		custos.RequestConsentWithdrawal: "withdrawal of consent",
	},
	"fr": {
		custos.RequestInformation:       "information sur vos données",
		custos.RequestAccess:            "copie de vos données",
		custos.RequestPortability:       "portabilité de vos données",
		custos.RequestErasure:           "effacement de vos données",
		custos.RequestRectification:     "rectification de vos données",
		custos.RequestRestriction:       "limitation du traitement",
		custos.RequestObjection:         "opposition au traitement",
		custos.RequestConsentWithdrawal: "retrait du consentement",
	},
	"de": {
		custos.RequestInformation:       "Auskunft über Ihre Daten",
		custos.RequestAccess:            "Kopie Ihrer Daten",
		custos.RequestPortability:       "Datenübertragbarkeit",
		custos.RequestErasure:           "Löschung Ihrer Daten",
		custos.RequestRectification:     "Berichtigung Ihrer Daten",
		custos.RequestRestriction:       "Einschränkung der Verarbeitung",
		custos.RequestObjection:         "Widerspruch gegen die Verarbeitung",
		custos.RequestConsentWithdrawal: "Widerruf der Einwilligung",
	},
}

// staffTypeNames name the types in reminders to staff.
var staffTypeNames = map[string]map[custos.RequestType]string{
	"en": {
		custos.RequestInformation: "information", custos.RequestAccess: "access", custos.RequestPortability: "portability",
		custos.RequestErasure: "erasure", custos.RequestRectification: "rectification", custos.RequestRestriction: "restriction",
		custos.RequestObjection: "objection", custos.RequestConsentWithdrawal: "consent withdrawal",
	},
	"fr": {
		custos.RequestInformation: "information", custos.RequestAccess: "accès", custos.RequestPortability: "portabilité",
		custos.RequestErasure: "effacement", custos.RequestRectification: "rectification", custos.RequestRestriction: "limitation",
		custos.RequestObjection: "opposition", custos.RequestConsentWithdrawal: "retrait du consentement",
	},
	"de": {
		custos.RequestInformation: "Auskunft", custos.RequestAccess: "Kopie", custos.RequestPortability: "Datenübertragbarkeit",
		custos.RequestErasure: "Löschung", custos.RequestRectification: "Berichtigung", custos.RequestRestriction: "Einschränkung",
		custos.RequestObjection: "Widerspruch", custos.RequestConsentWithdrawal: "Widerruf der Einwilligung",
	},
}

var reasonTexts = map[string]map[string]string{
	"en": {
		custos.DenyNoMatch:                  "We found no personal data about you linked to the details you gave us.",
		custos.DenyInsufficientVerification: "We could not confirm your identity with enough certainty. To protect your data, we act on a request only when we are sure it comes from the person it concerns.",
		custos.DenyClaimNotCovered:          "What the request asks for is not covered by the right it relies on, or the law makes an exception in this case.",
		custos.DenyOutsideJurisdiction:      "The law the request relies on does not apply to our processing of your data.",
		custos.DenyTooManyRequests:          "The request repeats earlier ones made a short time ago. The law allows us to refuse requests that are manifestly unfounded or excessive.",
		custos.DenySuspectedFraud:           "We have reason to believe that the request was not made by the person it concerns, nor by someone entitled to act for them.",
		custos.DenyOther:                    "Our privacy team explains it in the note below.",
	},
	"fr": {
		custos.DenyNoMatch:                  "Nous n'avons trouvé aucune donnée personnelle vous concernant liée aux informations que vous nous avez données.",
		custos.DenyInsufficientVerification: "Nous n'avons pas pu confirmer votre identité avec une certitude suffisante. Pour protéger vos données, nous ne donnons suite à une demande que lorsque nous sommes sûrs qu'elle vient de la personne concernée.",
		custos.DenyClaimNotCovered:          "Ce que demande la requête n'est pas couvert par le droit invoqué, ou la loi prévoit une exception dans ce cas.",
		custos.DenyOutsideJurisdiction:      "La loi invoquée par la demande ne s'applique pas au traitement de vos données par nos soins.",
		custos.DenyTooManyRequests:          "La demande répète des demandes faites peu de temps auparavant. La loi nous permet de refuser les demandes manifestement infondées ou excessives.",
		custos.DenySuspectedFraud:           "Nous avons des raisons de penser que la demande n'a pas été faite par la personne concernée, ni par une personne habilitée à agir pour elle.",
		custos.DenyOther:                    "Notre équipe l'explique dans la note ci-dessous.",
	},
	"de": {
		custos.DenyNoMatch:                  "Wir haben zu den von Ihnen angegebenen Daten keine personenbezogenen Daten über Sie gefunden.",
		custos.DenyInsufficientVerification: "Wir konnten Ihre Identität nicht mit ausreichender Sicherheit bestätigen. Zum Schutz Ihrer Daten bearbeiten wir eine Anfrage nur, wenn wir sicher sind, dass sie von der betroffenen Person stammt.",
		custos.DenyClaimNotCovered:          "Was die Anfrage verlangt, ist von dem geltend gemachten Recht nicht umfasst, oder das Gesetz sieht in diesem Fall eine Ausnahme vor.",
		custos.DenyOutsideJurisdiction:      "Das Gesetz, auf das sich die Anfrage stützt, gilt nicht für unsere Verarbeitung Ihrer Daten.",
		custos.DenyTooManyRequests:          "Die Anfrage wiederholt Anfragen, die erst kurz zuvor gestellt wurden. Das Gesetz erlaubt uns, offenkundig unbegründete oder exzessive Anfragen abzulehnen.",
		custos.DenySuspectedFraud:           "Wir haben Grund zu der Annahme, dass die Anfrage weder von der betroffenen Person noch von jemandem gestellt wurde, der für sie handeln darf.",
		custos.DenyOther:                    "Unser Datenschutzteam erläutert ihn im folgenden Hinweis.",
	},
}

// reasonOtherNoNote replaces the text of DenyOther when there is no note
// to point to.
var reasonOtherNoNote = map[string]string{
	"en": "Please write to us if you would like to know more.",
	"fr": "N'hésitez pas à nous écrire si vous souhaitez en savoir plus.",
	"de": "Schreiben Sie uns gern, wenn Sie mehr erfahren möchten.",
}

var monthNames = map[string][12]string{
	"en": {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	"fr": {"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
	"de": {"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"},
}
