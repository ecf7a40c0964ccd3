package demo

// labels are the words of the header and footer that every page shares, in
// the language of the page around them.
type labels struct {
	Skip       string
	Home       string // accessible name of the logo link
	MainNav    string
	Platform   string
	Demo       string
	Privacy    string
	NoticeHref string // the privacy notice in this language
	Language   string
	Legal      string
	NoticeIn   string // introduces the links to the three translations
	Cookies    string
	USRights   string
	Brazil     string
	Settings   string
	// DoNotSell is the opt-out link the US state laws ask for. It opens the
	// same preference centre; the French and German pages, read outside
	// the US, leave it out.
	DoNotSell string
	Country   string
	Rights    string
	Invented  string
}

var uiLabels = map[string]labels{
	"en": {
		Skip:       "Skip to content",
		Home:       "Demo Corporation home page",
		MainNav:    "Main",
		Platform:   "Platform",
		Demo:       "The demo",
		Privacy:    "Privacy",
		NoticeHref: "/en/privacy",
		Language:   "Language",
		Legal:      "Legal",
		NoticeIn:   "Privacy notice:",
		Cookies:    "Cookie declaration",
		USRights:   "Your US state privacy rights",
		Brazil:     "Brazil (LGPD)",
		Settings:   "Privacy settings",
		DoNotSell:  "Do Not Sell or Share My Personal Information",
		Country:    "France",
		Rights:     "All rights reserved.",
		Invented:   "Demo Corporation is an invented company: this site demonstrates Custos.",
	},
	"fr": {
		Skip:       "Aller au contenu",
		Home:       "Page d'accueil de Demo Corporation",
		MainNav:    "Navigation principale",
		Platform:   "Plateforme",
		Demo:       "La démo",
		Privacy:    "Vie privée",
		NoticeHref: "/fr/vie-privee",
		Language:   "Langue",
		Legal:      "Informations légales",
		NoticeIn:   "Politique de confidentialité :",
		Cookies:    "Liste des cookies",
		USRights:   "Droits des résidents des États-Unis (en anglais)",
		Brazil:     "Brésil, LGPD (en anglais)",
		Settings:   "Paramètres de confidentialité",
		Country:    "France",
		Rights:     "Tous droits réservés.",
		Invented:   "Demo Corporation est une entreprise fictive : ce site sert à présenter Custos.",
	},
	"de": {
		Skip:       "Zum Inhalt springen",
		Home:       "Startseite von Demo Corporation",
		MainNav:    "Hauptnavigation",
		Platform:   "Plattform",
		Demo:       "Die Demo",
		Privacy:    "Datenschutz",
		NoticeHref: "/de/datenschutz",
		Language:   "Sprache",
		Legal:      "Rechtliches",
		NoticeIn:   "Datenschutzerklärung:",
		Cookies:    "Cookie-Erklärung",
		USRights:   "Rechte in US-Bundesstaaten (auf Englisch)",
		Brazil:     "Brasilien, LGPD (auf Englisch)",
		Settings:   "Datenschutzeinstellungen",
		Country:    "Frankreich",
		Rights:     "Alle Rechte vorbehalten.",
		Invented:   "Demo Corporation ist ein erfundenes Unternehmen: Diese Website stellt Custos vor.",
	},
}
