package banner

import (
	"strconv"
	"strings"
	"time"

	"github.com/custos-privacy/custos/internal/manifest"
)

// Strings are the banner's own interface texts in one language; category
// and vendor texts come from the manifest. The JSON names are what the
// script reads, kept short because they travel with every banner.
type Strings struct {
	Title     string `json:"title"`
	Text      string `json:"text"` // first layer, opt-in and notice regions
	OptOut    string `json:"-"`    // first layer, opt-out regions; sent as text
	Accept    string `json:"accept"`
	Reject    string `json:"reject"`
	Customize string `json:"custom"`
	Save      string `json:"save"`
	Close     string `json:"close"`
	OK        string `json:"ok,omitempty"`
	Notice    string `json:"notice"`
	Decl      string `json:"decl"`
	Prefs     string `json:"prefs"`
	PrefsText string `json:"prefsText"`
	Always    string `json:"always"`
	Vendors   string `json:"vendors"`
	Cookie    string `json:"cookie"`
	Duration  string `json:"duration"`
	Party     string `json:"party"`
	Session   string `json:"-"` // the word for session cookies, written into durations by the server
	First     string `json:"first"`
	Third     string `json:"third"`
	Reopen    string `json:"reopen"`
	DNS       string `json:"dns,omitempty"` // "Do Not Sell or Share My Personal Information"
	GPCIn     string `json:"gpc"`           // GPC seen in an opt-in region
	GPCOut    string `json:"-"`             // GPC seen in an opt-out region; sent as gpc
	// Placeholder of a blocked embed; {v} is the vendor, {c} the category.
	Placeholder string `json:"ph"`
	Load        string `json:"load"`

	// The words of FormatDuration.
	units    [6][3]string    // year, month, day, hour, minute, second × one, few, other
	unitSep  string          // between a number and its unit
	termSep  string          // between the terms of "1 year, 6 months"
	pluralOf func(n int) int // the index of n's form in a unit's forms
}

// Languages lists the languages the banner's interface is written in.
var Languages = []string{"en", "fr", "de", "es", "pt", "it", "nl", "ja", "sk"}

// For returns the interface strings for a BCP 47 locale: its language, or
// English when the banner has no strings for it.
func For(locale string) *Strings {
	lang, _, _ := strings.Cut(strings.ToLower(locale), "-")
	if s, ok := texts[lang]; ok {
		return s
	}
	return texts["en"]
}

// forMode returns the strings a banner in mode shows, and only those: the
// first-layer text and the GPC note of its kind of region, the opt-out
// link where there is one.
func (s *Strings) forMode(mode string) *Strings {
	c := *s
	switch mode {
	case manifest.ModeOptOut:
		c.Text, c.GPCIn = s.OptOut, s.GPCOut
	case manifest.ModeOptIn:
		c.OK, c.DNS = "", ""
	default:
		c.DNS = ""
	}
	return &c
}

// RTL reports whether locale is written right to left.
func RTL(locale string) bool {
	lang, _, _ := strings.Cut(strings.ToLower(locale), "-")
	switch lang {
	case "ar", "he", "fa", "ur", "yi", "ps", "sd", "dv", "ug", "ckb":
		return true
	}
	return false
}

// FormatDuration writes a cookie lifetime for people, in the language of s:
// "13 months", "1 year, 6 months", "13か月", or the session word for a
// session. Weeks are written as days ("1w" is "7 days"): a Duration holds
// them as days, and "182d" should not become "26 weeks". The zero Duration
// is "".
func (s *Strings) FormatDuration(d manifest.Duration) string {
	if d.Session {
		return s.Session
	}
	var b strings.Builder
	term := func(n, unit int) {
		if n == 0 {
			return
		}
		if b.Len() > 0 {
			b.WriteString(s.termSep)
		}
		b.WriteString(strconv.Itoa(n))
		b.WriteString(s.unitSep)
		b.WriteString(s.units[unit][s.pluralOf(n)])
	}
	term(d.Years, 0)
	term(d.Months, 1)
	term(d.Days, 2)
	term(int(d.Clock/time.Hour), 3)
	term(int(d.Clock%time.Hour/time.Minute), 4)
	term(int(d.Clock%time.Minute/time.Second), 5)
	if b.Len() == 0 {
		return d.String()
	}
	return b.String()
}

// Plural rules of the languages below (CLDR, integers only): the index of
// n's form in a unit's forms (one, few, other).
func pluralOne(n int) int { // en, de, es, it, nl
	if n == 1 {
		return 0
	}
	return 2
}

func pluralZeroOne(n int) int { // fr, pt: 0 and 1 are singular
	if n <= 1 {
		return 0
	}
	return 2
}

func pluralNone(int) int { return 2 } // ja

func pluralSlavic(n int) int { // sk: 1, 2–4, the rest
	switch {
	case n == 1:
		return 0
	case n >= 2 && n <= 4:
		return 1
	}
	return 2
}

// plural fills the forms of a unit in a language without a few form.
func plural(one, other string) [3]string { return [3]string{one, other, other} }

var texts = map[string]*Strings{
	"en": {
		Title:       "We value your privacy",
		Text:        "We use cookies and similar technologies to run this site and, with your consent, to measure its audience, remember your preferences, market our products and show social media content. You can accept, refuse or choose by category, and change your mind at any time.",
		OptOut:      "We use cookies and similar technologies to run and improve this site. Some of them let partners use information about your visit, which may count as a sale or sharing of personal information under US state laws. You can opt out at any time.",
		Accept:      "Accept all",
		Reject:      "Reject all",
		Customize:   "Customize",
		Save:        "Save my choices",
		Close:       "Close",
		OK:          "OK",
		Notice:      "Privacy notice",
		Decl:        "Cookie declaration",
		Prefs:       "Privacy preferences",
		PrefsText:   "Choose which categories of cookies you allow. Necessary cookies cannot be turned off.",
		Always:      "Always on",
		Vendors:     "Vendors",
		Cookie:      "Cookie",
		Duration:    "Duration",
		Party:       "Set by",
		Session:     "Session",
		First:       "First party",
		Third:       "Third party",
		Reopen:      "Privacy settings",
		DNS:         "Do Not Sell or Share My Personal Information",
		GPCIn:       "Your browser sends a Global Privacy Control signal: everything optional starts refused.",
		GPCOut:      "Your browser sends a Global Privacy Control signal: we treat it as an opt-out of sale and sharing.",
		Placeholder: "This content is provided by {v}. Loading it allows the “{c}” cookies.",
		Load:        "Load content",
		units: [6][3]string{
			plural("year", "years"), plural("month", "months"), plural("day", "days"),
			plural("hour", "hours"), plural("minute", "minutes"), plural("second", "seconds"),
		},
		unitSep: " ", termSep: ", ", pluralOf: pluralOne,
	},
	"fr": {
		Title:       "Votre vie privée compte pour nous",
		Text:        "Nous utilisons des cookies et des technologies similaires pour faire fonctionner ce site et, avec votre consentement, pour mesurer son audience, mémoriser vos préférences, promouvoir nos produits et afficher des contenus de réseaux sociaux. Vous pouvez tout accepter, tout refuser ou choisir par catégorie, et changer d’avis à tout moment.",
		OptOut:      "Nous utilisons des cookies et des technologies similaires pour faire fonctionner et améliorer ce site. Certains permettent à des partenaires d’utiliser des informations sur votre visite, ce qui peut constituer une vente ou un partage de données personnelles au sens des lois des États américains. Vous pouvez vous y opposer à tout moment.",
		Accept:      "Tout accepter",
		Reject:      "Tout refuser",
		Customize:   "Personnaliser",
		Save:        "Enregistrer mes choix",
		Close:       "Fermer",
		OK:          "OK",
		Notice:      "Politique de confidentialité",
		Decl:        "Liste des cookies",
		Prefs:       "Préférences de confidentialité",
		PrefsText:   "Choisissez les catégories de cookies que vous autorisez. Les cookies nécessaires ne peuvent pas être désactivés.",
		Always:      "Toujours actifs",
		Vendors:     "Partenaires",
		Cookie:      "Cookie",
		Duration:    "Durée",
		Party:       "Déposé par",
		Session:     "Session",
		First:       "Site lui-même",
		Third:       "Tiers",
		Reopen:      "Paramètres de confidentialité",
		DNS:         "Ne pas vendre ni partager mes informations personnelles",
		GPCIn:       "Votre navigateur envoie un signal Global Privacy Control : tout ce qui est facultatif est refusé par défaut.",
		GPCOut:      "Votre navigateur envoie un signal Global Privacy Control : nous le traitons comme une opposition à la vente et au partage.",
		Placeholder: "Ce contenu est fourni par {v}. L’afficher autorise les cookies « {c} ».",
		Load:        "Afficher le contenu",
		units: [6][3]string{
			plural("an", "ans"), plural("mois", "mois"), plural("jour", "jours"),
			plural("heure", "heures"), plural("minute", "minutes"), plural("seconde", "secondes"),
		},
		unitSep: " ", termSep: ", ", pluralOf: pluralZeroOne,
	},
	"de": {
		Title:       "Ihre Privatsphäre ist uns wichtig",
		Text:        "Wir verwenden Cookies und ähnliche Technologien, um diese Website zu betreiben und, mit Ihrer Einwilligung, um ihre Nutzung zu messen, Ihre Einstellungen zu speichern, unsere Produkte zu bewerben und Inhalte sozialer Netzwerke anzuzeigen. Sie können alles akzeptieren, alles ablehnen oder nach Kategorien wählen und Ihre Entscheidung jederzeit ändern.",
		OptOut:      "Wir verwenden Cookies und ähnliche Technologien, um diese Website zu betreiben und zu verbessern. Einige erlauben Partnern, Informationen über Ihren Besuch zu nutzen, was nach den Gesetzen von US-Bundesstaaten als Verkauf oder Weitergabe personenbezogener Daten gelten kann. Sie können jederzeit widersprechen.",
		Accept:      "Alle akzeptieren",
		Reject:      "Alle ablehnen",
		Customize:   "Anpassen",
		Save:        "Auswahl speichern",
		Close:       "Schließen",
		OK:          "OK",
		Notice:      "Datenschutzerklärung",
		Decl:        "Cookie-Erklärung",
		Prefs:       "Datenschutzeinstellungen",
		PrefsText:   "Wählen Sie, welche Kategorien von Cookies Sie erlauben. Notwendige Cookies können nicht deaktiviert werden.",
		Always:      "Immer aktiv",
		Vendors:     "Anbieter",
		Cookie:      "Cookie",
		Duration:    "Laufzeit",
		Party:       "Gesetzt von",
		Session:     "Sitzung",
		First:       "Erstanbieter",
		Third:       "Drittanbieter",
		Reopen:      "Datenschutzeinstellungen",
		DNS:         "Meine personenbezogenen Daten nicht verkaufen oder weitergeben",
		GPCIn:       "Ihr Browser sendet ein Global-Privacy-Control-Signal: Alles Optionale ist zunächst abgelehnt.",
		GPCOut:      "Ihr Browser sendet ein Global-Privacy-Control-Signal: Wir werten es als Widerspruch gegen Verkauf und Weitergabe.",
		Placeholder: "Dieser Inhalt wird von {v} bereitgestellt. Wenn Sie ihn laden, erlauben Sie die Cookies „{c}“.",
		Load:        "Inhalt laden",
		units: [6][3]string{
			plural("Jahr", "Jahre"), plural("Monat", "Monate"), plural("Tag", "Tage"),
			plural("Stunde", "Stunden"), plural("Minute", "Minuten"), plural("Sekunde", "Sekunden"),
		},
		unitSep: " ", termSep: ", ", pluralOf: pluralOne,
	},
	"es": {
		Title:       "Valoramos su privacidad",
		Text:        "Utilizamos cookies y tecnologías similares para que este sitio funcione y, con su consentimiento, para medir su audiencia, recordar sus preferencias, promocionar nuestros productos y mostrar contenido de redes sociales. Puede aceptar, rechazar o elegir por categoría, y cambiar de opinión en cualquier momento.",
		OptOut:      "Utilizamos cookies y tecnologías similares para que este sitio funcione y mejore. Algunas permiten a socios usar información sobre su visita, lo que puede considerarse una venta o un intercambio de información personal según las leyes estatales de EE. UU. Puede oponerse en cualquier momento.",
		Accept:      "Aceptar todo",
		Reject:      "Rechazar todo",
		Customize:   "Personalizar",
		Save:        "Guardar mis opciones",
		Close:       "Cerrar",
		OK:          "De acuerdo",
		Notice:      "Aviso de privacidad",
		Decl:        "Declaración de cookies",
		Prefs:       "Preferencias de privacidad",
		PrefsText:   "Elija qué categorías de cookies permite. Las cookies necesarias no se pueden desactivar.",
		Always:      "Siempre activas",
		Vendors:     "Proveedores",
		Cookie:      "Cookie",
		Duration:    "Duración",
		Party:       "Instalada por",
		Session:     "Sesión",
		First:       "Propia",
		Third:       "De terceros",
		Reopen:      "Configuración de privacidad",
		DNS:         "No vender ni compartir mi información personal",
		GPCIn:       "Su navegador envía una señal Global Privacy Control: todo lo opcional empieza rechazado.",
		GPCOut:      "Su navegador envía una señal Global Privacy Control: la tratamos como una exclusión de la venta y el intercambio.",
		Placeholder: "Este contenido lo proporciona {v}. Cargarlo permite las cookies «{c}».",
		Load:        "Cargar contenido",
		units: [6][3]string{
			plural("año", "años"), plural("mes", "meses"), plural("día", "días"),
			plural("hora", "horas"), plural("minuto", "minutos"), plural("segundo", "segundos"),
		},
		unitSep: " ", termSep: ", ", pluralOf: pluralOne,
	},
	"pt": {
		Title:       "A sua privacidade é importante para nós",
		Text:        "Utilizamos cookies e tecnologias semelhantes para o funcionamento deste site e, com o seu consentimento, para medir a sua audiência, lembrar as suas preferências, promover os nossos produtos e mostrar conteúdos de redes sociais. Pode aceitar, recusar ou escolher por categoria, e mudar de ideias a qualquer momento.",
		OptOut:      "Utilizamos cookies e tecnologias semelhantes para o funcionamento e a melhoria deste site. Alguns permitem que parceiros usem informações sobre a sua visita, o que pode ser considerado venda ou partilha de informações pessoais segundo as leis estaduais dos EUA. Pode opor-se a qualquer momento.",
		Accept:      "Aceitar tudo",
		Reject:      "Recusar tudo",
		Customize:   "Personalizar",
		Save:        "Guardar as minhas escolhas",
		Close:       "Fechar",
		OK:          "OK",
		Notice:      "Aviso de privacidade",
		Decl:        "Declaração de cookies",
		Prefs:       "Preferências de privacidade",
		PrefsText:   "Escolha as categorias de cookies que autoriza. Os cookies necessários não podem ser desativados.",
		Always:      "Sempre ativos",
		Vendors:     "Fornecedores",
		Cookie:      "Cookie",
		Duration:    "Duração",
		Party:       "Definido por",
		Session:     "Sessão",
		First:       "Próprio",
		Third:       "Terceiros",
		Reopen:      "Definições de privacidade",
		DNS:         "Não vender nem partilhar as minhas informações pessoais",
		GPCIn:       "O seu navegador envia um sinal Global Privacy Control: tudo o que é opcional começa recusado.",
		GPCOut:      "O seu navegador envia um sinal Global Privacy Control: tratamo-lo como uma oposição à venda e à partilha.",
		Placeholder: "Este conteúdo é fornecido por {v}. Carregá-lo autoriza os cookies «{c}».",
		Load:        "Carregar conteúdo",
		units: [6][3]string{
			plural("ano", "anos"), plural("mês", "meses"), plural("dia", "dias"),
			plural("hora", "horas"), plural("minuto", "minutos"), plural("segundo", "segundos"),
		},
		unitSep: " ", termSep: ", ", pluralOf: pluralZeroOne,
	},
	"it": {
		Title:       "Rispettiamo la tua privacy",
		Text:        "Usiamo cookie e tecnologie simili per far funzionare questo sito e, con il tuo consenso, per misurarne il pubblico, ricordare le tue preferenze, promuovere i nostri prodotti e mostrare contenuti dei social network. Puoi accettare, rifiutare o scegliere per categoria, e cambiare idea in qualsiasi momento.",
		OptOut:      "Usiamo cookie e tecnologie simili per far funzionare e migliorare questo sito. Alcuni consentono a partner di usare informazioni sulla tua visita, il che può costituire una vendita o condivisione di dati personali secondo le leggi statali degli Stati Uniti. Puoi opporti in qualsiasi momento.",
		Accept:      "Accetta tutto",
		Reject:      "Rifiuta tutto",
		Customize:   "Personalizza",
		Save:        "Salva le mie scelte",
		Close:       "Chiudi",
		OK:          "OK",
		Notice:      "Informativa sulla privacy",
		Decl:        "Elenco dei cookie",
		Prefs:       "Preferenze sulla privacy",
		PrefsText:   "Scegli quali categorie di cookie consentire. I cookie necessari non possono essere disattivati.",
		Always:      "Sempre attivi",
		Vendors:     "Fornitori",
		Cookie:      "Cookie",
		Duration:    "Durata",
		Party:       "Impostato da",
		Session:     "Sessione",
		First:       "Prima parte",
		Third:       "Terza parte",
		Reopen:      "Impostazioni privacy",
		DNS:         "Non vendere né condividere le mie informazioni personali",
		GPCIn:       "Il tuo browser invia un segnale Global Privacy Control: tutto ciò che è facoltativo parte rifiutato.",
		GPCOut:      "Il tuo browser invia un segnale Global Privacy Control: lo trattiamo come opposizione alla vendita e alla condivisione.",
		Placeholder: "Questo contenuto è fornito da {v}. Caricarlo consente i cookie «{c}».",
		Load:        "Carica il contenuto",
		units: [6][3]string{
			plural("anno", "anni"), plural("mese", "mesi"), plural("giorno", "giorni"),
			plural("ora", "ore"), plural("minuto", "minuti"), plural("secondo", "secondi"),
		},
		unitSep: " ", termSep: ", ", pluralOf: pluralOne,
	},
	"nl": {
		Title:       "Wij respecteren uw privacy",
		Text:        "Wij gebruiken cookies en vergelijkbare technieken om deze site te laten werken en, met uw toestemming, om het bezoek te meten, uw voorkeuren te onthouden, onze producten onder de aandacht te brengen en inhoud van sociale media te tonen. U kunt alles accepteren, alles weigeren of per categorie kiezen, en uw keuze altijd wijzigen.",
		OptOut:      "Wij gebruiken cookies en vergelijkbare technieken om deze site te laten werken en te verbeteren. Sommige laten partners informatie over uw bezoek gebruiken, wat onder wetten van Amerikaanse staten als verkoop of delen van persoonsgegevens kan gelden. U kunt hier altijd bezwaar tegen maken.",
		Accept:      "Alles accepteren",
		Reject:      "Alles weigeren",
		Customize:   "Aanpassen",
		Save:        "Mijn keuzes opslaan",
		Close:       "Sluiten",
		OK:          "OK",
		Notice:      "Privacyverklaring",
		Decl:        "Cookieverklaring",
		Prefs:       "Privacyvoorkeuren",
		PrefsText:   "Kies welke categorieën cookies u toestaat. Noodzakelijke cookies kunnen niet worden uitgeschakeld.",
		Always:      "Altijd actief",
		Vendors:     "Leveranciers",
		Cookie:      "Cookie",
		Duration:    "Looptijd",
		Party:       "Geplaatst door",
		Session:     "Sessie",
		First:       "Eigen site",
		Third:       "Derde partij",
		Reopen:      "Privacy-instellingen",
		DNS:         "Mijn persoonsgegevens niet verkopen of delen",
		GPCIn:       "Uw browser stuurt een Global Privacy Control-signaal: alles wat optioneel is, staat eerst op geweigerd.",
		GPCOut:      "Uw browser stuurt een Global Privacy Control-signaal: wij behandelen het als bezwaar tegen verkoop en delen.",
		Placeholder: "Deze inhoud wordt geleverd door {v}. Laden staat de cookies ‘{c}’ toe.",
		Load:        "Inhoud laden",
		units: [6][3]string{
			plural("jaar", "jaar"), plural("maand", "maanden"), plural("dag", "dagen"),
			plural("uur", "uur"), plural("minuut", "minuten"), plural("seconde", "seconden"),
		},
		unitSep: " ", termSep: ", ", pluralOf: pluralOne,
	},
	"ja": {
		Title:       "プライバシーの保護について",
		Text:        "当サイトは、サイトの運営のためにCookieおよび類似の技術を使用し、お客様の同意がある場合には、アクセス解析、設定の記憶、製品のご案内、ソーシャルメディアのコンテンツ表示にも使用します。すべて同意、すべて拒否、またはカテゴリーごとに選択でき、いつでも変更できます。",
		OptOut:      "当サイトは、サイトの運営と改善のためにCookieおよび類似の技術を使用します。一部はパートナーがお客様の訪問に関する情報を利用できるようにするもので、米国の州法上、個人情報の販売または共有にあたる場合があります。いつでもオプトアウトできます。",
		Accept:      "すべて同意",
		Reject:      "すべて拒否",
		Customize:   "カスタマイズ",
		Save:        "選択を保存",
		Close:       "閉じる",
		OK:          "OK",
		Notice:      "プライバシーポリシー",
		Decl:        "Cookie一覧",
		Prefs:       "プライバシー設定",
		PrefsText:   "許可するCookieのカテゴリーを選択してください。必須のCookieは無効にできません。",
		Always:      "常に有効",
		Vendors:     "提供事業者",
		Cookie:      "Cookie",
		Duration:    "保存期間",
		Party:       "設定元",
		Session:     "セッション",
		First:       "ファーストパーティ",
		Third:       "サードパーティ",
		Reopen:      "プライバシー設定",
		DNS:         "私の個人情報を販売または共有しない",
		GPCIn:       "お使いのブラウザーはGlobal Privacy Control信号を送信しています。任意の項目はすべて拒否の状態から始まります。",
		GPCOut:      "お使いのブラウザーはGlobal Privacy Control信号を送信しています。販売および共有へのオプトアウトとして扱います。",
		Placeholder: "このコンテンツは{v}が提供しています。読み込むと「{c}」のCookieを許可します。",
		Load:        "コンテンツを読み込む",
		units: [6][3]string{
			plural("年", "年"), plural("か月", "か月"), plural("日", "日"),
			plural("時間", "時間"), plural("分", "分"), plural("秒", "秒"),
		},
		unitSep: "", termSep: "", pluralOf: pluralNone,
	},
	"sk": {
		Title:       "Vaše súkromie je pre nás dôležité",
		Text:        "Súbory cookie a podobné technológie používame na prevádzku tejto stránky a s vaším súhlasom aj na meranie návštevnosti, zapamätanie vašich nastavení, propagáciu našich produktov a zobrazovanie obsahu sociálnych sietí. Môžete všetko prijať, všetko odmietnuť alebo vybrať podľa kategórií a svoje rozhodnutie kedykoľvek zmeniť.",
		OptOut:      "Súbory cookie a podobné technológie používame na prevádzku a zlepšovanie tejto stránky. Niektoré umožňujú partnerom využívať informácie o vašej návšteve, čo sa podľa zákonov štátov USA môže považovať za predaj alebo zdieľanie osobných údajov. Môžete to kedykoľvek odmietnuť.",
		Accept:      "Prijať všetko",
		Reject:      "Odmietnuť všetko",
		Customize:   "Prispôsobiť",
		Save:        "Uložiť moje voľby",
		Close:       "Zavrieť",
		OK:          "OK",
		Notice:      "Zásady ochrany súkromia",
		Decl:        "Zoznam súborov cookie",
		Prefs:       "Nastavenia súkromia",
		PrefsText:   "Vyberte, ktoré kategórie súborov cookie povoľujete. Nevyhnutné súbory cookie nie je možné vypnúť.",
		Always:      "Vždy aktívne",
		Vendors:     "Dodávatelia",
		Cookie:      "Cookie",
		Duration:    "Platnosť",
		Party:       "Nastavuje",
		Session:     "Relácia",
		First:       "Prvá strana",
		Third:       "Tretia strana",
		Reopen:      "Nastavenia súkromia",
		DNS:         "Nepredávať ani nezdieľať moje osobné údaje",
		GPCIn:       "Váš prehliadač posiela signál Global Privacy Control: všetko voliteľné je na začiatku odmietnuté.",
		GPCOut:      "Váš prehliadač posiela signál Global Privacy Control: považujeme ho za odmietnutie predaja a zdieľania.",
		Placeholder: "Tento obsah poskytuje {v}. Jeho načítaním povolíte súbory cookie „{c}“.",
		Load:        "Načítať obsah",
		units: [6][3]string{
			{"rok", "roky", "rokov"}, {"mesiac", "mesiace", "mesiacov"}, {"deň", "dni", "dní"},
			{"hodina", "hodiny", "hodín"}, {"minúta", "minúty", "minút"}, {"sekunda", "sekundy", "sekúnd"},
		},
		unitSep: " ", termSep: ", ", pluralOf: pluralSlavic,
	},
}
