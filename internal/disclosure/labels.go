package disclosure

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/custos-privacy/custos/internal/banner"
	"github.com/custos-privacy/custos/internal/manifest"
)

// labels are the fixed words of the documents in one language; the
// manifest supplies the site's own texts. Patterns take the arguments
// their comment names, through fmt; a %s that becomes a link is split
// around (see sentence).
//
// Every string field and every map must be filled in every language:
// TestLabelsComplete checks it.
type labels struct {
	lang string // the language these labels are written in

	// The information document (GDPR Art. 15(1)).
	InfoTitle       string
	InfoIntro       string // %s: site name
	Contents        string // the label of the table of contents
	ControllerHead  string
	ControllerName  string
	Address         string
	PrivacyContact  string
	DPO             string
	PurposesHead    string // (a)
	PurposesIntro   string
	Purpose         string
	LegalBasis      string
	ThroughCategory string // %s: the consent categories of a purpose
	DirectMarketing string // a purpose that is direct marketing
	LegalHold       string // %s: why data is kept despite an erasure request
	DataHead        string // (b), (d), (g)
	DataIntro       string
	Data            string
	Purposes        string
	Retention       string
	Source          string
	RetentionNote   string
	RecipientsHead  string // (c)
	RecipientsIntro string
	NoRecipients    string
	Recipient       string
	Role            string
	Country         string
	Safeguard       string
	SafeguardCopy   string // %s: the privacy contact, as a link
	RightsHead      string // (e)
	RightsIntro     string
	Exercise        string // %s: the privacy contact, as a link
	ExerciseNoMail  string // %s: the controller's name
	ExerciseDPO     string // %s: the DPO, as a link
	Verify          string
	AnswerWithin    string // %s: a period in words
	AnswerNoDelay   string
	Extension       string // %s: a period in words
	ExtensionReason string // %s: a period in words; the reason is told
	WithdrawHow     string
	ComplaintHead   string // (f)
	Complaint       string
	AuthorityFor    string // %s: the authority, as a link
	AuthorityList   string // %s: the EDPB's list, as a link
	AuthorityListLk string // the text of that link
	AutomatedHead   string // (h)
	Automated       string
	NoticeMore      string // %s: the privacy notice, as a link
	NoticeLink      string // the text of that link
	Prepared        string // %s: date
	Fingerprint     string // %s: manifest fingerprint
	BusinessDay     string // %d: one business day
	BusinessDays    string // %d: several business days
	None            string // an empty cell

	// The package of an access or portability request.
	PackageTitle    string
	PackageIntro    string // %[1]s: request type, %[2]s: date received, %[3]s: reference
	PackageIntroAny string // %s: site name; when no request is named
	HoldsHead       string
	File            string
	FileContent     string
	FileIndex       string
	FileInformation string
	FileData        string
	FileConsents    string
	FileRequests    string
	FileEvents      string
	FileReadme      string
	FileSystem      string // a file from another system; %s is its name
	SummaryHead     string
	Email           string
	ConsentIDs      string
	CountConsents   string
	CountRequests   string
	CountEvents     string
	CountMarks      string
	InformationLink string // %s: information.html, as a link
	InformationText string // the text of that link
	ConsentsHead    string
	ConsentsIntro   string // %s: the time zone
	Legend          string // %[1]s: accepted, %[2]s: refused, %[3]s: not asked
	NoConsents      string
	Date            string
	Method          string
	Browser         string
	RequestsHead    string
	NoRequests      string
	Received        string
	Request         string
	State           string
	Due             string
	Closed          string
	Reference       string
	ThisRequest     string
	DeniedBecause   string // %s: the reason
	HistoryHead     string
	Event           string
	Note            string
	MarksHead       string
	Kind            string
	Since           string
	Lifted          string
	InForce         string
	IssuedBy        string // %[1]s: issuer, %[2]s: date
	ReadmeIntro     string // the localised head of README.txt; %s: site name

	ListSep  string // between the items of a list
	Thousand string // thousands separator
	// DateFormat writes a date: %[1]d day, %[2]s month, %[3]d year.
	DateFormat string
	Months     [12]string

	Bases      map[string]string // legal bases, by manifest id
	Roles      map[string]string // processor roles
	Safeguards map[string]string // transfer safeguards, explained
	Sources    map[string]string // sources of data categories
	DataNames  map[string]string // well-known data category ids
	RightNames map[string]string // by right; see rights
	RightTexts map[string]string
	Types      map[string]string // request types
	States     map[string]string // request states
	Events     map[string]string // request event kinds
	Methods    map[string]string // consent methods
	Scopes     map[string]string // objection scopes
	Denials    map[string]string // deny reasons
	Marks      map[string]string // subject mark kinds

	// words are the banner's texts in the same language: durations are
	// written with them, so that the banner, the cookie declaration and
	// these documents agree.
	words *banner.Strings
	// countries names countries in the language.
	countries display.Namer
}

// rights lists the rights of GDPR Art. 15(1)(e) and those around it, in the
// order the document shows them; opt_out is shown in opt-out jurisdictions
// only.
var rights = []string{"access", "rectification", "erasure", "restriction", "portability", "objection", "consent_withdrawal", "opt_out"}

var allLabels = map[string]*labels{
	"en": {
		InfoTitle:       "How we process your personal data",
		InfoIntro:       "This document sets out, as Article 15(1) of the General Data Protection Regulation (GDPR) provides, how %s processes personal data: for which purposes and on which legal basis, which data, who receives it, how long it is kept, where it comes from, and your rights.",
		Contents:        "Contents",
		ControllerHead:  "Who is responsible",
		ControllerName:  "Controller",
		Address:         "Address",
		PrivacyContact:  "Privacy contact",
		DPO:             "Data protection officer",
		PurposesHead:    "Why we process your data, and on which legal basis",
		PurposesIntro:   "We process personal data for the following purposes only.",
		Purpose:         "Purpose",
		LegalBasis:      "Legal basis",
		ThroughCategory: "Cookie categories concerned: %s",
		DirectMarketing: "Direct marketing: you can object to it at any time, without giving a reason (Art. 21(2) GDPR).",
		LegalHold:       "Kept even if you ask for erasure: %s.",
		DataHead:        "Which data, for how long, and where it comes from",
		DataIntro:       "These are the categories of personal data we process, the purposes we process them for, how long we keep them and where we obtain them.",
		Data:            "Data",
		Purposes:        "Purposes",
		Retention:       "Kept for",
		Source:          "Source",
		RetentionNote:   "When a retention period ends, the data is deleted or made anonymous.",
		RecipientsHead:  "Who receives your data",
		RecipientsIntro: "These recipients receive personal data from us. Where they are outside the European Economic Area, the transfer is protected by the safeguard shown.",
		NoRecipients:    "We disclose your personal data to no recipient.",
		Recipient:       "Recipient",
		Role:            "Role",
		Country:         "Country",
		Safeguard:       "Safeguard for the transfer",
		SafeguardCopy:   "You can obtain a copy of these safeguards by writing to %s.",
		RightsHead:      "Your rights",
		RightsIntro:     "You have the following rights over your personal data:",
		Exercise:        "To exercise any of these rights, write to %s. It is free of charge.",
		ExerciseNoMail:  "To exercise any of these rights, contact %s. It is free of charge.",
		ExerciseDPO:     "You can also contact our data protection officer: %s.",
		Verify:          "We may ask you to confirm your e-mail address, so that we give your data to you and nobody else.",
		AnswerWithin:    "We answer within %s of receiving your request.",
		AnswerNoDelay:   "We answer without undue delay.",
		Extension:       "If your request is complex, or we receive many, we may extend this period by %s; we then tell you within the first period.",
		ExtensionReason: "If your request is complex, or we receive many, we may extend this period by %s; we then tell you, with the reasons, within the first period.",
		WithdrawHow:     "You can withdraw your consent to cookies at any time, as easily as you gave it, in the cookie preference centre linked from every page of the site.",
		ComplaintHead:   "Your right to complain",
		Complaint:       "You have the right to lodge a complaint with a supervisory authority, in particular in the country where you live or work or where you think your rights were infringed (Art. 77 GDPR).",
		AuthorityFor:    "Where you are, the authority is: %s.",
		AuthorityList:   "The European Data Protection Board lists the authority of each country: %s.",
		AuthorityListLk: "members of the EDPB",
		AutomatedHead:   "Automated decisions",
		Automated:       "We make no decision about you based solely on automated processing, including profiling, that produces legal effects concerning you or similarly significantly affects you (Art. 22 GDPR).",
		NoticeMore:      "Our %s says more about all of this.",
		NoticeLink:      "privacy notice",
		Prepared:        "Prepared on %s.",
		Fingerprint:     "Generated from the privacy manifest (fingerprint %s).",
		BusinessDay:     "%d business day",
		BusinessDays:    "%d business days",
		None:            "—",

		PackageTitle:    "Your personal data",
		PackageIntro:    "This package answers your request of %[2]s (%[1]s, reference %[3]s). It holds a copy of the personal data we keep about you in our records of consent choices and of requests: in a readable form on this page, and in machine-readable files.",
		PackageIntroAny: "This package holds a copy of the personal data %s keeps about you in its records of consent choices and of requests: in a readable form on this page, and in machine-readable files.",
		HoldsHead:       "What this package holds",
		File:            "File",
		FileContent:     "Content",
		FileIndex:       "This page.",
		FileInformation: "How we process your personal data, and your rights (GDPR Art. 15(1)).",
		FileData:        "All the data below in one machine-readable JSON document, consent receipts included.",
		FileConsents:    "Your consent choices, one row each, for spreadsheets.",
		FileRequests:    "Your requests, one row each, for spreadsheets.",
		FileEvents:      "The history of your requests, one row per step, for spreadsheets.",
		FileReadme:      "A description of the files and of their fields.",
		FileSystem:      "What %s holds about you, as the system gave it.",
		SummaryHead:     "In short",
		Email:           "E-mail address",
		ConsentIDs:      "Browser identifiers (consent ids)",
		CountConsents:   "Consent choices",
		CountRequests:   "Requests",
		CountEvents:     "Steps in the history of your requests",
		CountMarks:      "Restrictions and objections",
		InformationLink: "How we process your data, and your rights: %s.",
		InformationText: "information about the processing",
		ConsentsHead:    "Your consent choices over time",
		ConsentsIntro:   "One line per choice, the oldest first. Times are in the %s time zone.",
		Legend:          "%[1]s accepted · %[2]s refused · %[3]s not asked",
		NoConsents:      "We hold no consent choice linked to you.",
		Date:            "Date",
		Method:          "Choice",
		Browser:         "Browser",
		RequestsHead:    "Your requests",
		NoRequests:      "We hold no request from you.",
		Received:        "Received",
		Request:         "Request",
		State:           "Status",
		Due:             "Due",
		Closed:          "Closed",
		Reference:       "Reference",
		ThisRequest:     "this request",
		DeniedBecause:   "Reason: %s",
		HistoryHead:     "History of your requests",
		Event:           "Step",
		Note:            "Note",
		MarksHead:       "Restrictions and objections",
		Kind:            "Kind",
		Since:           "Since",
		Lifted:          "Lifted",
		InForce:         "in force",
		IssuedBy:        "Prepared by %[1]s on %[2]s.",
		ReadmeIntro:     "Your personal data held by %s. Open index.html in a web browser to read it.",

		ListSep:    ", ",
		Thousand:   ",",
		DateFormat: "%[1]d %[2]s %[3]d",
		Months:     [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},

		Bases: map[string]string{
			manifest.BasisConsent:            "Your consent (Art. 6(1)(a) GDPR)",
			manifest.BasisContract:           "A contract with you, or steps you asked for before entering one (Art. 6(1)(b) GDPR)",
			manifest.BasisLegalObligation:    "A legal obligation we are subject to (Art. 6(1)(c) GDPR)",
			manifest.BasisVitalInterests:     "The protection of vital interests (Art. 6(1)(d) GDPR)",
			manifest.BasisPublicTask:         "A task carried out in the public interest (Art. 6(1)(e) GDPR)",
			manifest.BasisLegitimateInterest: "Our legitimate interests (Art. 6(1)(f) GDPR)",
		},
		Roles: map[string]string{
			"processor":        "Processor, acting on our behalf and on our instructions",
			"controller":       "Independent controller",
			"joint_controller": "Joint controller with us",
			"recipient":        "Recipient",
		},
		Safeguards: map[string]string{
			"none":       "None needed: no transfer outside the European Economic Area.",
			"adequacy":   "An adequacy decision of the European Commission: the country ensures an adequate level of protection (Art. 45 GDPR).",
			"scc":        "Standard contractual clauses adopted by the European Commission (Art. 46(2)(c) GDPR).",
			"bcr":        "Binding corporate rules approved by a supervisory authority (Art. 47 GDPR).",
			"dpf":        "The EU-US Data Privacy Framework: the recipient is certified under this adequacy decision of the European Commission (Art. 45 GDPR).",
			"derogation": "A derogation for specific situations, such as your explicit consent or the performance of a contract with you (Art. 49 GDPR).",
		},
		Sources: map[string]string{
			"subject":    "You",
			"cookies":    "Cookies and similar technologies on your device",
			"connection": "Your browser's connection to our servers",
		},
		DataNames: map[string]string{
			"user.name":                      "Name",
			"user.contact.email":             "E-mail address",
			"user.contact.phone_number":      "Phone number",
			"user.contact.address":           "Postal address",
			"user.contact.address.country":   "Country",
			"user.job_title":                 "Job title",
			"user.workplace":                 "Company you work for",
			"user.content.private":           "Your messages",
			"user.behavior.browsing_history": "Browsing history on the site",
			"user.device.cookie_id":          "Cookie identifiers",
			"user.device.ip_address":         "IP address",
			"user.device":                    "Information about your device",
			"user.location":                  "Location",
			"user.account":                   "Account data",
			"user.privacy_preferences":       "Your consent choices",
		},
		RightNames: map[string]string{
			"access":             "Access",
			"rectification":      "Rectification",
			"erasure":            "Erasure",
			"restriction":        "Restriction of processing",
			"portability":        "Data portability",
			"objection":          "Objection",
			"consent_withdrawal": "Withdrawal of consent",
			"opt_out":            "Opting out of sale or sharing",
		},
		RightTexts: map[string]string{
			"access":             "To know whether we process data about you, and to receive a copy of it with the information in this document (Art. 15 GDPR).",
			"rectification":      "To have inaccurate data about you corrected, and incomplete data completed (Art. 16 GDPR).",
			"erasure":            "To have your data deleted, for instance when we no longer need it or you withdraw your consent, unless we must keep it, such as to meet a legal obligation (Art. 17 GDPR).",
			"restriction":        "To have us do nothing with your data but store it, for instance while its accuracy or the lawfulness of its processing is checked (Art. 18 GDPR).",
			"portability":        "To receive the data you gave us on the basis of your consent or of a contract in a structured, commonly used and machine-readable format, or to have it sent to another controller (Art. 20 GDPR).",
			"objection":          "To object at any time, on grounds relating to your particular situation, to processing based on our legitimate interests, and without giving any reason to direct marketing (Art. 21 GDPR).",
			"consent_withdrawal": "To withdraw your consent at any time, as easily as you gave it; withdrawing does not affect the lawfulness of the processing before (Art. 7(3) GDPR).",
			"opt_out":            "To opt out of the sale or sharing of your personal information, under the privacy laws of US states; we also treat a Global Privacy Control signal from your browser as an opt-out.",
		},
		Types: map[string]string{
			"information":        "information about the processing",
			"access":             "access to your data",
			"portability":        "portability of your data",
			"erasure":            "erasure of your data",
			"rectification":      "rectification of your data",
			"restriction":        "restriction of processing",
			"objection":          "objection to processing",
			"consent_withdrawal": "withdrawal of your consent",
		},
		States: map[string]string{
			"unverified":  "Awaiting confirmation of your e-mail address",
			"open":        "Received",
			"in_progress": "In progress",
			"completed":   "Completed",
			"denied":      "Refused",
		},
		Events: map[string]string{
			"received":   "Request received",
			"merged":     "Same request made again",
			"verified":   "E-mail address confirmed",
			"viewed":     "Opened by our staff",
			"assigned":   "Assigned to a member of our staff",
			"note":       "Note by our staff",
			"approved":   "Approved and carried out",
			"extended":   "Time limit extended",
			"denied":     "Refused",
			"completed":  "Completed",
			"mailed":     "E-mail sent to you",
			"downloaded": "Answer downloaded",
			"reminded":   "Reminder to our staff",
		},
		Methods: map[string]string{
			"accept_all": "Accepted all",
			"reject_all": "Rejected all",
			"custom":     "Chose by category",
			"withdraw":   "Withdrew consent",
			"gpc":        "Global Privacy Control signal",
			"api":        "Recorded by our systems",
			"close":      "Closed the banner (refusal)",
		},
		Scopes: map[string]string{
			"legitimate_interests": "processing based on legitimate interests",
			"direct_marketing":     "direct marketing",
			"sale_sharing":         "sale or sharing of personal information",
		},
		Denials: map[string]string{
			"no_match":                  "we found no data about you",
			"insufficient_verification": "your identity could not be verified",
			"claim_not_covered":         "the right invoked does not apply to this processing",
			"outside_jurisdiction":      "the law invoked does not apply to you",
			"too_many_requests":         "manifestly unfounded or excessive requests",
			"suspected_fraud":           "suspected fraud",
			"other":                     "another reason",
		},
		Marks: map[string]string{
			"restricted": "Restriction of processing",
			"objected":   "Objection",
		},
	},
	"fr": {
		InfoTitle:       "Comment nous traitons vos données personnelles",
		InfoIntro:       "Ce document indique, comme le prévoit l'article 15, paragraphe 1, du règlement général sur la protection des données (RGPD), comment %s traite des données personnelles\u00a0: à quelles fins et sur quelle base juridique, quelles données, qui les reçoit, combien de temps elles sont conservées, d'où elles proviennent, et quels sont vos droits.",
		Contents:        "Sommaire",
		ControllerHead:  "Qui est responsable",
		ControllerName:  "Responsable du traitement",
		Address:         "Adresse",
		PrivacyContact:  "Contact pour la protection des données",
		DPO:             "Délégué à la protection des données",
		PurposesHead:    "Pourquoi nous traitons vos données, et sur quelle base juridique",
		PurposesIntro:   "Nous traitons des données personnelles pour les seules finalités suivantes.",
		Purpose:         "Finalité",
		LegalBasis:      "Base juridique",
		ThroughCategory: "Catégories de cookies concernées\u00a0: %s",
		DirectMarketing: "Prospection commerciale\u00a0: vous pouvez vous y opposer à tout moment, sans avoir à vous justifier (art. 21.2 du RGPD).",
		LegalHold:       "Conservées même si vous en demandez l'effacement\u00a0: %s.",
		DataHead:        "Quelles données, pour combien de temps, et d'où elles proviennent",
		DataIntro:       "Voici les catégories de données personnelles que nous traitons, les finalités pour lesquelles nous les traitons, leur durée de conservation et leur provenance.",
		Data:            "Données",
		Purposes:        "Finalités",
		Retention:       "Durée de conservation",
		Source:          "Provenance",
		RetentionNote:   "À l'issue de la durée de conservation, les données sont supprimées ou anonymisées.",
		RecipientsHead:  "Qui reçoit vos données",
		RecipientsIntro: "Ces destinataires reçoivent de nous des données personnelles. Lorsqu'ils se trouvent hors de l'Espace économique européen, le transfert est encadré par la garantie indiquée.",
		NoRecipients:    "Nous ne communiquons vos données personnelles à aucun destinataire.",
		Recipient:       "Destinataire",
		Role:            "Rôle",
		Country:         "Pays",
		Safeguard:       "Garantie du transfert",
		SafeguardCopy:   "Vous pouvez obtenir une copie de ces garanties en écrivant à %s.",
		RightsHead:      "Vos droits",
		RightsIntro:     "Vous disposez des droits suivants sur vos données personnelles\u00a0:",
		Exercise:        "Pour exercer l'un de ces droits, écrivez à %s. C'est gratuit.",
		ExerciseNoMail:  "Pour exercer l'un de ces droits, contactez %s. C'est gratuit.",
		ExerciseDPO:     "Vous pouvez aussi contacter notre délégué à la protection des données\u00a0: %s.",
		Verify:          "Nous pouvons vous demander de confirmer votre adresse e-mail, afin de ne remettre vos données qu'à vous.",
		AnswerWithin:    "Nous répondons dans un délai de %s à compter de la réception de votre demande.",
		AnswerNoDelay:   "Nous répondons dans les meilleurs délais.",
		Extension:       "Si votre demande est complexe, ou si nous en recevons un grand nombre, ce délai peut être prolongé de %s\u00a0; nous vous en informons alors dans le délai initial.",
		ExtensionReason: "Si votre demande est complexe, ou si nous en recevons un grand nombre, ce délai peut être prolongé de %s\u00a0; nous vous en informons alors, avec les motifs, dans le délai initial.",
		WithdrawHow:     "Vous pouvez retirer à tout moment votre consentement aux cookies, aussi simplement que vous l'avez donné, dans le centre de préférences des cookies accessible depuis chaque page du site.",
		ComplaintHead:   "Votre droit d'introduire une réclamation",
		Complaint:       "Vous avez le droit d'introduire une réclamation auprès d'une autorité de contrôle, notamment dans le pays où vous résidez ou travaillez, ou dans celui où vous estimez que vos droits ont été méconnus (art. 77 du RGPD).",
		AuthorityFor:    "Là où vous vous trouvez, l'autorité compétente est\u00a0: %s.",
		AuthorityList:   "Le Comité européen de la protection des données publie la liste des autorités de chaque pays\u00a0: %s.",
		AuthorityListLk: "membres du CEPD",
		AutomatedHead:   "Décisions automatisées",
		Automated:       "Nous ne prenons à votre égard aucune décision fondée exclusivement sur un traitement automatisé, y compris le profilage, produisant des effets juridiques vous concernant ou vous affectant de manière significative de façon similaire (art. 22 du RGPD).",
		NoticeMore:      "Notre %s en dit plus sur tout cela.",
		NoticeLink:      "politique de confidentialité",
		Prepared:        "Établi le %s.",
		Fingerprint:     "Généré à partir du manifeste de confidentialité (empreinte %s).",
		BusinessDay:     "%d jour ouvré",
		BusinessDays:    "%d jours ouvrés",
		None:            "—",

		PackageTitle:    "Vos données personnelles",
		PackageIntro:    "Ce dossier répond à votre demande du %[2]s (%[1]s, référence %[3]s). Il contient une copie des données personnelles que nous conservons à votre sujet dans nos registres de choix de consentement et de demandes\u00a0: sous une forme lisible sur cette page, et dans des fichiers lisibles par machine.",
		PackageIntroAny: "Ce dossier contient une copie des données personnelles que %s conserve à votre sujet dans ses registres de choix de consentement et de demandes\u00a0: sous une forme lisible sur cette page, et dans des fichiers lisibles par machine.",
		HoldsHead:       "Contenu de ce dossier",
		File:            "Fichier",
		FileContent:     "Contenu",
		FileIndex:       "Cette page.",
		FileInformation: "Comment nous traitons vos données personnelles, et vos droits (art. 15, par. 1, du RGPD).",
		FileData:        "Toutes les données ci-dessous dans un seul document JSON lisible par machine, preuves de consentement comprises.",
		FileConsents:    "Vos choix de consentement, un par ligne, pour les tableurs.",
		FileRequests:    "Vos demandes, une par ligne, pour les tableurs.",
		FileEvents:      "L'historique de vos demandes, une étape par ligne, pour les tableurs.",
		FileReadme:      "La description des fichiers et de leurs champs.",
		FileSystem:      "Ce que %s détient sur vous, tel que le système l'a fourni.",
		SummaryHead:     "En bref",
		Email:           "Adresse e-mail",
		ConsentIDs:      "Identifiants de navigateur (identifiants de consentement)",
		CountConsents:   "Choix de consentement",
		CountRequests:   "Demandes",
		CountEvents:     "Étapes de l'historique de vos demandes",
		CountMarks:      "Limitations et oppositions",
		InformationLink: "Comment nous traitons vos données, et vos droits\u00a0: %s.",
		InformationText: "informations sur le traitement",
		ConsentsHead:    "Vos choix de consentement au fil du temps",
		ConsentsIntro:   "Une ligne par choix, du plus ancien au plus récent. Les heures sont indiquées dans le fuseau horaire %s.",
		Legend:          "%[1]s accepté · %[2]s refusé · %[3]s non demandé",
		NoConsents:      "Nous ne détenons aucun choix de consentement lié à vous.",
		Date:            "Date",
		Method:          "Choix",
		Browser:         "Navigateur",
		RequestsHead:    "Vos demandes",
		NoRequests:      "Nous ne détenons aucune demande de votre part.",
		Received:        "Reçue le",
		Request:         "Demande",
		State:           "État",
		Due:             "Échéance",
		Closed:          "Close le",
		Reference:       "Référence",
		ThisRequest:     "cette demande",
		DeniedBecause:   "Motif\u00a0: %s",
		HistoryHead:     "Historique de vos demandes",
		Event:           "Étape",
		Note:            "Remarque",
		MarksHead:       "Limitations et oppositions",
		Kind:            "Nature",
		Since:           "Depuis le",
		Lifted:          "Levée le",
		InForce:         "en vigueur",
		IssuedBy:        "Établi par %[1]s le %[2]s.",
		ReadmeIntro:     "Vos données personnelles détenues par %s. Ouvrez index.html dans un navigateur web pour les consulter.",

		ListSep:    ", ",
		Thousand:   "\u202f",
		DateFormat: "%[1]d %[2]s %[3]d",
		Months:     [12]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},

		Bases: map[string]string{
			manifest.BasisConsent:            "Votre consentement (art. 6.1.a du RGPD)",
			manifest.BasisContract:           "Un contrat conclu avec vous, ou des mesures précontractuelles prises à votre demande (art. 6.1.b du RGPD)",
			manifest.BasisLegalObligation:    "Une obligation légale à laquelle nous sommes soumis (art. 6.1.c du RGPD)",
			manifest.BasisVitalInterests:     "La sauvegarde d'intérêts vitaux (art. 6.1.d du RGPD)",
			manifest.BasisPublicTask:         "L'exécution d'une mission d'intérêt public (art. 6.1.e du RGPD)",
			manifest.BasisLegitimateInterest: "Nos intérêts légitimes (art. 6.1.f du RGPD)",
		},
		Roles: map[string]string{
			"processor":        "Sous-traitant, agissant pour notre compte et sur nos instructions",
			"controller":       "Responsable du traitement distinct",
			"joint_controller": "Responsable conjoint du traitement avec nous",
			"recipient":        "Destinataire",
		},
		Safeguards: map[string]string{
			"none":       "Aucune nécessaire\u00a0: pas de transfert hors de l'Espace économique européen.",
			"adequacy":   "Une décision d'adéquation de la Commission européenne\u00a0: le pays assure un niveau de protection adéquat (art. 45 du RGPD).",
			"scc":        "Des clauses contractuelles types adoptées par la Commission européenne (art. 46.2.c du RGPD).",
			"bcr":        "Des règles d'entreprise contraignantes approuvées par une autorité de contrôle (art. 47 du RGPD).",
			"dpf":        "Le cadre de protection des données UE-États-Unis (Data Privacy Framework)\u00a0: le destinataire est certifié au titre de cette décision d'adéquation de la Commission européenne (art. 45 du RGPD).",
			"derogation": "Une dérogation pour des situations particulières, comme votre consentement explicite ou l'exécution d'un contrat conclu avec vous (art. 49 du RGPD).",
		},
		Sources: map[string]string{
			"subject":    "Vous",
			"cookies":    "Cookies et technologies similaires sur votre appareil",
			"connection": "La connexion de votre navigateur à nos serveurs",
		},
		DataNames: map[string]string{
			"user.name":                      "Nom",
			"user.contact.email":             "Adresse e-mail",
			"user.contact.phone_number":      "Numéro de téléphone",
			"user.contact.address":           "Adresse postale",
			"user.contact.address.country":   "Pays",
			"user.job_title":                 "Fonction",
			"user.workplace":                 "Entreprise pour laquelle vous travaillez",
			"user.content.private":           "Vos messages",
			"user.behavior.browsing_history": "Historique de navigation sur le site",
			"user.device.cookie_id":          "Identifiants de cookies",
			"user.device.ip_address":         "Adresse IP",
			"user.device":                    "Informations sur votre appareil",
			"user.location":                  "Localisation",
			"user.account":                   "Données de compte",
			"user.privacy_preferences":       "Vos choix de consentement",
		},
		RightNames: map[string]string{
			"access":             "Droit d'accès",
			"rectification":      "Droit de rectification",
			"erasure":            "Droit à l'effacement",
			"restriction":        "Droit à la limitation du traitement",
			"portability":        "Droit à la portabilité",
			"objection":          "Droit d'opposition",
			"consent_withdrawal": "Retrait du consentement",
			"opt_out":            "Refus de la vente ou du partage",
		},
		RightTexts: map[string]string{
			"access":             "Savoir si nous traitons des données vous concernant, et en obtenir une copie avec les informations figurant dans ce document (art. 15 du RGPD).",
			"rectification":      "Faire corriger les données inexactes vous concernant et compléter les données incomplètes (art. 16 du RGPD).",
			"erasure":            "Faire supprimer vos données, par exemple lorsque nous n'en avons plus besoin ou que vous retirez votre consentement, sauf si nous devons les conserver, notamment pour respecter une obligation légale (art. 17 du RGPD).",
			"restriction":        "Obtenir que nous nous bornions à conserver vos données, par exemple le temps de vérifier leur exactitude ou la licéité de leur traitement (art. 18 du RGPD).",
			"portability":        "Recevoir les données que vous nous avez fournies sur la base de votre consentement ou d'un contrat, dans un format structuré, couramment utilisé et lisible par machine, ou les faire transmettre à un autre responsable du traitement (art. 20 du RGPD).",
			"objection":          "Vous opposer à tout moment, pour des raisons tenant à votre situation particulière, aux traitements fondés sur nos intérêts légitimes, et sans avoir à vous justifier, à la prospection commerciale (art. 21 du RGPD).",
			"consent_withdrawal": "Retirer votre consentement à tout moment, aussi simplement que vous l'avez donné\u00a0; le retrait ne remet pas en cause la licéité du traitement effectué auparavant (art. 7.3 du RGPD).",
			"opt_out":            "Refuser la vente ou le partage de vos informations personnelles, en vertu des lois des États américains sur la vie privée\u00a0; nous traitons aussi comme un refus le signal Global Privacy Control de votre navigateur.",
		},
		Types: map[string]string{
			"information":        "information sur le traitement",
			"access":             "accès à vos données",
			"portability":        "portabilité de vos données",
			"erasure":            "effacement de vos données",
			"rectification":      "rectification de vos données",
			"restriction":        "limitation du traitement",
			"objection":          "opposition au traitement",
			"consent_withdrawal": "retrait de votre consentement",
		},
		States: map[string]string{
			"unverified":  "En attente de la confirmation de votre adresse e-mail",
			"open":        "Reçue",
			"in_progress": "En cours",
			"completed":   "Traitée",
			"denied":      "Refusée",
		},
		Events: map[string]string{
			"received":   "Demande reçue",
			"merged":     "Même demande formulée à nouveau",
			"verified":   "Adresse e-mail confirmée",
			"viewed":     "Consultée par notre équipe",
			"assigned":   "Confiée à un membre de notre équipe",
			"note":       "Note de notre équipe",
			"approved":   "Acceptée et exécutée",
			"extended":   "Délai prolongé",
			"denied":     "Refusée",
			"completed":  "Traitée",
			"mailed":     "E-mail envoyé",
			"downloaded": "Réponse téléchargée",
			"reminded":   "Rappel à notre équipe",
		},
		Methods: map[string]string{
			"accept_all": "Tout accepté",
			"reject_all": "Tout refusé",
			"custom":     "Choix par catégorie",
			"withdraw":   "Consentement retiré",
			"gpc":        "Signal Global Privacy Control",
			"api":        "Enregistré par nos systèmes",
			"close":      "Bandeau fermé (refus)",
		},
		Scopes: map[string]string{
			"legitimate_interests": "traitements fondés sur l'intérêt légitime",
			"direct_marketing":     "prospection commerciale",
			"sale_sharing":         "vente ou partage d'informations personnelles",
		},
		Denials: map[string]string{
			"no_match":                  "nous n'avons trouvé aucune donnée vous concernant",
			"insufficient_verification": "votre identité n'a pas pu être vérifiée",
			"claim_not_covered":         "le droit invoqué ne s'applique pas à ce traitement",
			"outside_jurisdiction":      "la loi invoquée ne vous est pas applicable",
			"too_many_requests":         "demandes manifestement infondées ou excessives",
			"suspected_fraud":           "soupçon de fraude",
			"other":                     "un autre motif",
		},
		Marks: map[string]string{
			"restricted": "Limitation du traitement",
			"objected":   "Opposition",
		},
	},
	"de": {
		InfoTitle:       "Wie wir Ihre personenbezogenen Daten verarbeiten",
		InfoIntro:       "Dieses Dokument legt nach Artikel 15 Absatz 1 der Datenschutz-Grundverordnung (DSGVO) dar, wie %s personenbezogene Daten verarbeitet: zu welchen Zwecken und auf welcher Rechtsgrundlage, welche Daten, wer sie erhält, wie lange sie gespeichert werden, woher sie stammen und welche Rechte Sie haben.",
		Contents:        "Inhalt",
		ControllerHead:  "Wer verantwortlich ist",
		ControllerName:  "Verantwortlicher",
		Address:         "Anschrift",
		PrivacyContact:  "Kontakt für den Datenschutz",
		DPO:             "Datenschutzbeauftragter",
		PurposesHead:    "Warum wir Ihre Daten verarbeiten und auf welcher Rechtsgrundlage",
		PurposesIntro:   "Wir verarbeiten personenbezogene Daten ausschließlich zu den folgenden Zwecken.",
		Purpose:         "Zweck",
		LegalBasis:      "Rechtsgrundlage",
		ThroughCategory: "Betroffene Cookie-Kategorien: %s",
		DirectMarketing: "Direktwerbung: Sie können ihr jederzeit ohne Angabe von Gründen widersprechen (Art. 21 Abs. 2 DSGVO).",
		LegalHold:       "Auch bei einem Löschantrag aufbewahrt: %s.",
		DataHead:        "Welche Daten, wie lange und woher sie stammen",
		DataIntro:       "Dies sind die Kategorien personenbezogener Daten, die wir verarbeiten, die Zwecke, zu denen wir sie verarbeiten, wie lange wir sie speichern und woher wir sie erhalten.",
		Data:            "Daten",
		Purposes:        "Zwecke",
		Retention:       "Speicherdauer",
		Source:          "Herkunft",
		RetentionNote:   "Nach Ablauf der Speicherdauer werden die Daten gelöscht oder anonymisiert.",
		RecipientsHead:  "Wer Ihre Daten erhält",
		RecipientsIntro: "Diese Empfänger erhalten von uns personenbezogene Daten. Befinden sie sich außerhalb des Europäischen Wirtschaftsraums, ist die Übermittlung durch die angegebene Garantie geschützt.",
		NoRecipients:    "Wir geben Ihre personenbezogenen Daten an keine Empfänger weiter.",
		Recipient:       "Empfänger",
		Role:            "Rolle",
		Country:         "Land",
		Safeguard:       "Garantie für die Übermittlung",
		SafeguardCopy:   "Eine Kopie dieser Garantien erhalten Sie auf Anfrage an %s.",
		RightsHead:      "Ihre Rechte",
		RightsIntro:     "Sie haben in Bezug auf Ihre personenbezogenen Daten die folgenden Rechte:",
		Exercise:        "Um eines dieser Rechte auszuüben, schreiben Sie an %s. Das ist kostenlos.",
		ExerciseNoMail:  "Um eines dieser Rechte auszuüben, wenden Sie sich an %s. Das ist kostenlos.",
		ExerciseDPO:     "Sie können sich auch an unseren Datenschutzbeauftragten wenden: %s.",
		Verify:          "Wir können Sie bitten, Ihre E-Mail-Adresse zu bestätigen, damit wir Ihre Daten nur Ihnen herausgeben.",
		AnswerWithin:    "Die Frist für unsere Antwort beträgt %s ab Eingang Ihres Antrags.",
		AnswerNoDelay:   "Wir antworten unverzüglich.",
		Extension:       "Ist Ihr Antrag komplex oder erhalten wir viele Anträge, können wir diese Frist um %s verlängern; wir teilen Ihnen das innerhalb der ersten Frist mit.",
		ExtensionReason: "Ist Ihr Antrag komplex oder erhalten wir viele Anträge, können wir diese Frist um %s verlängern; wir teilen Ihnen das innerhalb der ersten Frist mit den Gründen mit.",
		WithdrawHow:     "Ihre Einwilligung in Cookies können Sie jederzeit so einfach widerrufen, wie Sie sie erteilt haben: in den Cookie-Einstellungen, die von jeder Seite der Website aus erreichbar sind.",
		ComplaintHead:   "Ihr Beschwerderecht",
		Complaint:       "Sie haben das Recht auf Beschwerde bei einer Aufsichtsbehörde, insbesondere in dem Land, in dem Sie wohnen oder arbeiten oder in dem Ihre Rechte nach Ihrer Auffassung verletzt wurden (Art. 77 DSGVO).",
		AuthorityFor:    "Für Ihren Aufenthaltsort ist dies: %s.",
		AuthorityList:   "Der Europäische Datenschutzausschuss führt die Behörden aller Länder auf: %s.",
		AuthorityListLk: "Mitglieder des EDSA",
		AutomatedHead:   "Automatisierte Entscheidungen",
		Automated:       "Wir treffen keine ausschließlich auf einer automatisierten Verarbeitung – einschließlich Profiling – beruhende Entscheidung, die Ihnen gegenüber rechtliche Wirkung entfaltet oder Sie in ähnlicher Weise erheblich beeinträchtigt (Art. 22 DSGVO).",
		NoticeMore:      "Unsere %s enthält dazu weitere Einzelheiten.",
		NoticeLink:      "Datenschutzerklärung",
		Prepared:        "Erstellt am %s.",
		Fingerprint:     "Aus dem Datenschutz-Manifest erzeugt (Fingerabdruck %s).",
		BusinessDay:     "%d Arbeitstag",
		BusinessDays:    "%d Arbeitstage",
		None:            "—",

		PackageTitle:    "Ihre personenbezogenen Daten",
		PackageIntro:    "Dieses Paket beantwortet Ihren Antrag vom %[2]s (%[1]s, Aktenzeichen %[3]s). Es enthält eine Kopie der personenbezogenen Daten, die wir in unseren Aufzeichnungen über Einwilligungsentscheidungen und Anträge über Sie speichern: lesbar auf dieser Seite und in maschinenlesbaren Dateien.",
		PackageIntroAny: "Dieses Paket enthält eine Kopie der personenbezogenen Daten, die %s in seinen Aufzeichnungen über Einwilligungsentscheidungen und Anträge über Sie speichert: lesbar auf dieser Seite und in maschinenlesbaren Dateien.",
		HoldsHead:       "Inhalt dieses Pakets",
		File:            "Datei",
		FileContent:     "Inhalt",
		FileIndex:       "Diese Seite.",
		FileInformation: "Wie wir Ihre personenbezogenen Daten verarbeiten, und Ihre Rechte (Art. 15 Abs. 1 DSGVO).",
		FileData:        "Alle Daten unten in einem maschinenlesbaren JSON-Dokument, einschließlich der Einwilligungsnachweise.",
		FileConsents:    "Ihre Einwilligungsentscheidungen, eine pro Zeile, für Tabellenkalkulationen.",
		FileRequests:    "Ihre Anträge, einer pro Zeile, für Tabellenkalkulationen.",
		FileEvents:      "Der Verlauf Ihrer Anträge, ein Schritt pro Zeile, für Tabellenkalkulationen.",
		FileReadme:      "Eine Beschreibung der Dateien und ihrer Felder.",
		FileSystem:      "Was %s über Sie gespeichert hat, so wie das System es geliefert hat.",
		SummaryHead:     "Auf einen Blick",
		Email:           "E-Mail-Adresse",
		ConsentIDs:      "Browserkennungen (Einwilligungs-IDs)",
		CountConsents:   "Einwilligungsentscheidungen",
		CountRequests:   "Anträge",
		CountEvents:     "Schritte im Verlauf Ihrer Anträge",
		CountMarks:      "Einschränkungen und Widersprüche",
		InformationLink: "Wie wir Ihre Daten verarbeiten, und Ihre Rechte: %s.",
		InformationText: "Informationen zur Verarbeitung",
		ConsentsHead:    "Ihre Einwilligungsentscheidungen im Zeitverlauf",
		ConsentsIntro:   "Eine Zeile pro Entscheidung, die älteste zuerst. Uhrzeiten in der Zeitzone %s.",
		Legend:          "%[1]s akzeptiert · %[2]s abgelehnt · %[3]s nicht gefragt",
		NoConsents:      "Wir speichern keine mit Ihnen verknüpfte Einwilligungsentscheidung.",
		Date:            "Datum",
		Method:          "Entscheidung",
		Browser:         "Browser",
		RequestsHead:    "Ihre Anträge",
		NoRequests:      "Wir speichern keinen Antrag von Ihnen.",
		Received:        "Eingegangen",
		Request:         "Antrag",
		State:           "Stand",
		Due:             "Fällig",
		Closed:          "Abgeschlossen",
		Reference:       "Aktenzeichen",
		ThisRequest:     "dieser Antrag",
		DeniedBecause:   "Grund: %s",
		HistoryHead:     "Verlauf Ihrer Anträge",
		Event:           "Schritt",
		Note:            "Anmerkung",
		MarksHead:       "Einschränkungen und Widersprüche",
		Kind:            "Art",
		Since:           "Seit",
		Lifted:          "Aufgehoben",
		InForce:         "in Kraft",
		IssuedBy:        "Erstellt von %[1]s am %[2]s.",
		ReadmeIntro:     "Ihre personenbezogenen Daten bei %s. Öffnen Sie index.html in einem Webbrowser, um sie zu lesen.",

		ListSep:    ", ",
		Thousand:   ".",
		DateFormat: "%[1]d. %[2]s %[3]d",
		Months:     [12]string{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"},

		Bases: map[string]string{
			manifest.BasisConsent:            "Ihre Einwilligung (Art. 6 Abs. 1 lit. a DSGVO)",
			manifest.BasisContract:           "Ein Vertrag mit Ihnen oder vorvertragliche Maßnahmen auf Ihre Anfrage (Art. 6 Abs. 1 lit. b DSGVO)",
			manifest.BasisLegalObligation:    "Eine rechtliche Verpflichtung, der wir unterliegen (Art. 6 Abs. 1 lit. c DSGVO)",
			manifest.BasisVitalInterests:     "Der Schutz lebenswichtiger Interessen (Art. 6 Abs. 1 lit. d DSGVO)",
			manifest.BasisPublicTask:         "Die Wahrnehmung einer Aufgabe im öffentlichen Interesse (Art. 6 Abs. 1 lit. e DSGVO)",
			manifest.BasisLegitimateInterest: "Unsere berechtigten Interessen (Art. 6 Abs. 1 lit. f DSGVO)",
		},
		Roles: map[string]string{
			"processor":        "Auftragsverarbeiter, der in unserem Auftrag und nach unseren Weisungen handelt",
			"controller":       "Eigenständiger Verantwortlicher",
			"joint_controller": "Gemeinsam mit uns Verantwortlicher",
			"recipient":        "Empfänger",
		},
		Safeguards: map[string]string{
			"none":       "Keine erforderlich: keine Übermittlung außerhalb des Europäischen Wirtschaftsraums.",
			"adequacy":   "Ein Angemessenheitsbeschluss der Europäischen Kommission: Das Land gewährleistet ein angemessenes Schutzniveau (Art. 45 DSGVO).",
			"scc":        "Von der Europäischen Kommission erlassene Standardvertragsklauseln (Art. 46 Abs. 2 lit. c DSGVO).",
			"bcr":        "Von einer Aufsichtsbehörde genehmigte verbindliche interne Datenschutzvorschriften (Art. 47 DSGVO).",
			"dpf":        "Der EU-US-Datenschutzrahmen (Data Privacy Framework): Der Empfänger ist nach diesem Angemessenheitsbeschluss der Europäischen Kommission zertifiziert (Art. 45 DSGVO).",
			"derogation": "Eine Ausnahme für bestimmte Fälle, etwa Ihre ausdrückliche Einwilligung oder die Erfüllung eines Vertrags mit Ihnen (Art. 49 DSGVO).",
		},
		Sources: map[string]string{
			"subject":    "Sie selbst",
			"cookies":    "Cookies und ähnliche Technologien auf Ihrem Gerät",
			"connection": "Die Verbindung Ihres Browsers zu unseren Servern",
		},
		DataNames: map[string]string{
			"user.name":                      "Name",
			"user.contact.email":             "E-Mail-Adresse",
			"user.contact.phone_number":      "Telefonnummer",
			"user.contact.address":           "Postanschrift",
			"user.contact.address.country":   "Land",
			"user.job_title":                 "Berufsbezeichnung",
			"user.workplace":                 "Unternehmen, für das Sie arbeiten",
			"user.content.private":           "Ihre Nachrichten",
			"user.behavior.browsing_history": "Verlauf Ihrer Besuche auf der Website",
			"user.device.cookie_id":          "Cookie-Kennungen",
			"user.device.ip_address":         "IP-Adresse",
			"user.device":                    "Informationen über Ihr Gerät",
			"user.location":                  "Standort",
			"user.account":                   "Kontodaten",
			"user.privacy_preferences":       "Ihre Einwilligungsentscheidungen",
		},
		RightNames: map[string]string{
			"access":             "Auskunft",
			"rectification":      "Berichtigung",
			"erasure":            "Löschung",
			"restriction":        "Einschränkung der Verarbeitung",
			"portability":        "Datenübertragbarkeit",
			"objection":          "Widerspruch",
			"consent_withdrawal": "Widerruf der Einwilligung",
			"opt_out":            "Widerspruch gegen Verkauf oder Weitergabe",
		},
		RightTexts: map[string]string{
			"access":             "Zu erfahren, ob wir Daten über Sie verarbeiten, und eine Kopie davon mit den Informationen dieses Dokuments zu erhalten (Art. 15 DSGVO).",
			"rectification":      "Unrichtige Daten über Sie berichtigen und unvollständige vervollständigen zu lassen (Art. 16 DSGVO).",
			"erasure":            "Ihre Daten löschen zu lassen, etwa wenn wir sie nicht mehr benötigen oder Sie Ihre Einwilligung widerrufen, sofern wir sie nicht aufbewahren müssen, etwa zur Erfüllung einer rechtlichen Verpflichtung (Art. 17 DSGVO).",
			"restriction":        "Zu verlangen, dass wir Ihre Daten nur noch speichern, etwa solange ihre Richtigkeit oder die Rechtmäßigkeit ihrer Verarbeitung geprüft wird (Art. 18 DSGVO).",
			"portability":        "Die Daten, die Sie uns auf Grundlage Ihrer Einwilligung oder eines Vertrags bereitgestellt haben, in einem strukturierten, gängigen und maschinenlesbaren Format zu erhalten oder einem anderen Verantwortlichen übermitteln zu lassen (Art. 20 DSGVO).",
			"objection":          "Jederzeit aus Gründen, die sich aus Ihrer besonderen Situation ergeben, einer Verarbeitung auf Grundlage unserer berechtigten Interessen zu widersprechen, und der Direktwerbung ohne Angabe von Gründen (Art. 21 DSGVO).",
			"consent_withdrawal": "Ihre Einwilligung jederzeit so einfach zu widerrufen, wie Sie sie erteilt haben; der Widerruf berührt nicht die Rechtmäßigkeit der bis dahin erfolgten Verarbeitung (Art. 7 Abs. 3 DSGVO).",
			"opt_out":            "Dem Verkauf oder der Weitergabe Ihrer personenbezogenen Informationen nach den Datenschutzgesetzen von US-Bundesstaaten zu widersprechen; ein Global-Privacy-Control-Signal Ihres Browsers werten wir ebenfalls als Widerspruch.",
		},
		Types: map[string]string{
			"information":        "Information über die Verarbeitung",
			"access":             "Auskunft über Ihre Daten",
			"portability":        "Übertragung Ihrer Daten",
			"erasure":            "Löschung Ihrer Daten",
			"rectification":      "Berichtigung Ihrer Daten",
			"restriction":        "Einschränkung der Verarbeitung",
			"objection":          "Widerspruch gegen die Verarbeitung",
			"consent_withdrawal": "Widerruf Ihrer Einwilligung",
		},
		States: map[string]string{
			"unverified":  "Bestätigung Ihrer E-Mail-Adresse ausstehend",
			"open":        "Eingegangen",
			"in_progress": "In Bearbeitung",
			"completed":   "Erledigt",
			"denied":      "Abgelehnt",
		},
		Events: map[string]string{
			"received":   "Antrag eingegangen",
			"merged":     "Gleicher Antrag erneut gestellt",
			"verified":   "E-Mail-Adresse bestätigt",
			"viewed":     "Von unserem Team geöffnet",
			"assigned":   "Einem Mitglied unseres Teams zugewiesen",
			"note":       "Notiz unseres Teams",
			"approved":   "Genehmigt und ausgeführt",
			"extended":   "Frist verlängert",
			"denied":     "Abgelehnt",
			"completed":  "Erledigt",
			"mailed":     "E-Mail an Sie gesendet",
			"downloaded": "Antwort heruntergeladen",
			"reminded":   "Erinnerung an unser Team",
		},
		Methods: map[string]string{
			"accept_all": "Alle akzeptiert",
			"reject_all": "Alle abgelehnt",
			"custom":     "Auswahl nach Kategorien",
			"withdraw":   "Einwilligung widerrufen",
			"gpc":        "Global-Privacy-Control-Signal",
			"api":        "Von unseren Systemen erfasst",
			"close":      "Banner geschlossen (Ablehnung)",
		},
		Scopes: map[string]string{
			"legitimate_interests": "Verarbeitung auf Grundlage berechtigter Interessen",
			"direct_marketing":     "Direktwerbung",
			"sale_sharing":         "Verkauf oder Weitergabe personenbezogener Informationen",
		},
		Denials: map[string]string{
			"no_match":                  "Wir haben keine Daten über Sie gefunden",
			"insufficient_verification": "Ihre Identität konnte nicht überprüft werden",
			"claim_not_covered":         "Das geltend gemachte Recht gilt für diese Verarbeitung nicht",
			"outside_jurisdiction":      "Das angeführte Gesetz gilt für Sie nicht",
			"too_many_requests":         "Offenkundig unbegründete oder exzessive Anträge",
			"suspected_fraud":           "Betrugsverdacht",
			"other":                     "Ein anderer Grund",
		},
		Marks: map[string]string{
			"restricted": "Einschränkung der Verarbeitung",
			"objected":   "Widerspruch",
		},
	},
}

func init() {
	for lang, l := range allLabels {
		l.lang = lang
		l.words = banner.For(lang)
		l.countries = display.Regions(language.Make(lang))
	}
}

// labelsFor returns the labels for the language of locale, falling back to
// English: a site may declare a locale Custos has no words for, and its own
// texts are then shown with English around them.
func labelsFor(locale string) *labels {
	if tag, err := language.Parse(locale); err == nil {
		base, _ := tag.Base()
		if l, ok := allLabels[base.String()]; ok {
			return l
		}
	}
	return allLabels["en"]
}

// pick returns m[key], or else english[key], or else the key made
// readable: a manifest or a record may hold a value newer than these
// labels.
func pick(m, english map[string]string, key string) string {
	if s, ok := m[key]; ok {
		return s
	}
	if s, ok := english[key]; ok {
		return s
	}
	return humanize(key)
}

func en() *labels { return allLabels["en"] }

func (l *labels) basis(id string) string     { return pick(l.Bases, en().Bases, id) }
func (l *labels) role(id string) string      { return pick(l.Roles, en().Roles, id) }
func (l *labels) safeguard(id string) string { return pick(l.Safeguards, en().Safeguards, id) }
func (l *labels) reqType(id string) string   { return pick(l.Types, en().Types, id) }
func (l *labels) state(id string) string     { return pick(l.States, en().States, id) }
func (l *labels) event(id string) string     { return pick(l.Events, en().Events, id) }
func (l *labels) method(id string) string    { return pick(l.Methods, en().Methods, id) }
func (l *labels) scope(id string) string     { return pick(l.Scopes, en().Scopes, id) }
func (l *labels) denial(id string) string    { return pick(l.Denials, en().Denials, id) }
func (l *labels) mark(id string) string      { return pick(l.Marks, en().Marks, id) }

// source names where a data category comes from; "" gives "".
func (l *labels) source(id string) string {
	if id == "" {
		return ""
	}
	return pick(l.Sources, en().Sources, id)
}

// dataName names a data category that has no text of its own in the
// manifest: by the labels of well-known ids, else by its id made readable
// ("user.contact.fax_number" gives "Fax number").
func (l *labels) dataName(id string) string {
	if s, ok := l.DataNames[id]; ok {
		return s
	}
	last := id
	if i := strings.LastIndexByte(id, '.'); i >= 0 && i < len(id)-1 {
		last = id[i+1:]
	}
	return humanize(last)
}

// humanize turns an id into words: "legitimate_interests" gives
// "Legitimate interests".
func humanize(id string) string {
	s := strings.TrimSpace(strings.NewReplacer("_", " ", "-", " ", ".", " ").Replace(id))
	if s == "" {
		return id
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// country names an ISO 3166-1 country in the language, or returns the code
// when it is unknown.
func (l *labels) country(code string) string {
	r, err := language.ParseRegion(code)
	if err != nil || len(code) != 2 || r.String() != strings.ToUpper(code) || r.String() == "ZZ" {
		return code
	}
	if l.countries != nil {
		if n := l.countries.Name(r); n != "" {
			return n
		}
	}
	if n := display.English.Regions().Name(r); n != "" {
		return n
	}
	return code
}

// date writes the day of t in words: "2 January 2006", "2 janvier 2006",
// "2. Januar 2006".
func (l *labels) date(t time.Time) string {
	y, m, d := t.Date()
	s := fmt.Sprintf(l.DateFormat, d, l.Months[m-1], y)
	if l.lang == "fr" && d == 1 {
		s = "1er" + strings.TrimPrefix(s, "1")
	}
	return s
}

// duration writes a retention period in words, as the banner writes
// cookie lifetimes.
func (l *labels) duration(d manifest.Duration) string {
	if d.IsZero() {
		return l.None
	}
	return l.words.FormatDuration(d)
}

// period writes a time limit for answering in words.
func (l *labels) period(p manifest.Period) string {
	switch p.Unit {
	case manifest.Days:
		return l.words.FormatDuration(manifest.Duration{Days: p.N})
	case manifest.Months:
		return l.words.FormatDuration(manifest.Duration{Months: p.N})
	case manifest.BusinessDays:
		if p.N == 1 {
			return fmt.Sprintf(l.BusinessDay, p.N)
		}
		return fmt.Sprintf(l.BusinessDays, p.N)
	}
	return p.String()
}

// count writes n with the language's thousands separator.
func (l *labels) count(n int) string {
	s := strconv.Itoa(n)
	if n < 0 || len(s) <= 3 {
		return s
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(l.Thousand)
		}
		b.WriteRune(c)
	}
	return b.String()
}

// join lists items with the language's separator.
func (l *labels) join(items []string) string { return strings.Join(items, l.ListSep) }
