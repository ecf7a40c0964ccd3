package declaration

import (
	"strings"

	"golang.org/x/text/language"

	"github.com/custos-privacy/custos/internal/banner"
)

// labels are the fixed words of a declaration in one language. The
// manifest supplies the site's own texts; these are the ones around them.
// Patterns take the arguments their comment names, through fmt.
type labels struct {
	lang string // the language these labels are written in

	Title     string
	Intro     string // %s: site name
	Caption   string // %s: site name
	Languages string // the label of the language switcher
	Download  string // before the list of file formats
	Generated string // %s: manifest fingerprint

	// Column headers, in column order.
	Cookie, Vendor, Category, Purpose, Duration, Persistence, Party, HowToRefuse string

	Session, Persistent    string
	FirstParty, ThirdParty string
	SessionDuration        string // the duration of a session cookie

	Required  string // how to refuse a cookie of a required category: you cannot
	Refusable string // %s: category name
	// PolicyNote follows the refusal of a third-party cookie. %s: the
	// vendor, as a link in HTML and as "name (URL)" in text.
	PolicyNote string

	PatternNote string // explains a * in cookie names
	NoCookies   string // %s: list of vendors that set no cookies
	ListSep     string // between the items of NoCookies' list

	// words are the banner's texts in the same language; durations are
	// written with them, so that the banner and the declaration agree.
	words *banner.Strings
}

var allLabels = map[string]*labels{
	"en": {
		Title:           "Cookie declaration",
		Intro:           "This table lists every cookie that %s may store on your device: who sets it, why, and for how long. Apart from the strictly necessary ones, you can refuse these cookies by category at any time in the cookie preference centre.",
		Caption:         "Cookies used by %s",
		Languages:       "Other languages",
		Download:        "Download this table:",
		Generated:       "Generated from the privacy manifest (fingerprint %s).",
		Cookie:          "Cookie",
		Vendor:          "Provider",
		Category:        "Category",
		Purpose:         "Purpose",
		Duration:        "Duration",
		Persistence:     "Session or persistent",
		Party:           "First or third party",
		HowToRefuse:     "How to refuse it",
		Session:         "Session",
		Persistent:      "Persistent",
		FirstParty:      "First party",
		ThirdParty:      "Third party",
		SessionDuration: "Until the browser is closed",
		Required:        "Cannot be refused: strictly necessary for the site to work.",
		Refusable:       "Refuse the “%s” category in the cookie preference centre (Reject all, or untick the category), or delete the cookie in your browser settings.",
		PolicyNote:      "See also the privacy policy of %s.",
		PatternNote:     "A * in a cookie name stands for any characters.",
		NoCookies:       "Also used, without cookies of their own: %s.",
		ListSep:         ", ",
	},
	"fr": {
		Title:           "Déclaration des cookies",
		Intro:           "Ce tableau recense tous les cookies que %s peut déposer sur votre appareil\u00a0: qui les dépose, pourquoi et pour combien de temps. À l'exception des cookies strictement nécessaires, vous pouvez les refuser par catégorie à tout moment dans le centre de préférences des cookies.",
		Caption:         "Cookies utilisés par %s",
		Languages:       "Autres langues",
		Download:        "Télécharger ce tableau\u00a0:",
		Generated:       "Généré à partir du manifeste de confidentialité (empreinte %s).",
		Cookie:          "Cookie",
		Vendor:          "Fournisseur",
		Category:        "Catégorie",
		Purpose:         "Finalité",
		Duration:        "Durée",
		Persistence:     "Session ou persistant",
		Party:           "Première ou tierce partie",
		HowToRefuse:     "Comment le refuser",
		Session:         "Session",
		Persistent:      "Persistant",
		FirstParty:      "Première partie",
		ThirdParty:      "Tierce partie",
		SessionDuration: "Jusqu'à la fermeture du navigateur",
		Required:        "Ne peut pas être refusé\u00a0: strictement nécessaire au fonctionnement du site.",
		Refusable:       "Refusez la catégorie «\u00a0%s\u00a0» dans le centre de préférences des cookies (Tout refuser, ou décochez la catégorie), ou supprimez le cookie dans les paramètres de votre navigateur.",
		PolicyNote:      "Voir aussi la politique de confidentialité de %s.",
		PatternNote:     "Un * dans le nom d'un cookie remplace n'importe quels caractères.",
		NoCookies:       "Également utilisés, sans cookie propre\u00a0: %s.",
		ListSep:         ", ",
	},
	"de": {
		Title:           "Cookie-Erklärung",
		Intro:           "Diese Tabelle führt alle Cookies auf, die %s auf Ihrem Gerät speichern kann: wer sie setzt, wozu und wie lange. Mit Ausnahme der unbedingt erforderlichen Cookies können Sie sie jederzeit nach Kategorien in den Cookie-Einstellungen ablehnen.",
		Caption:         "Von %s verwendete Cookies",
		Languages:       "Andere Sprachen",
		Download:        "Diese Tabelle herunterladen:",
		Generated:       "Aus dem Datenschutz-Manifest erzeugt (Fingerabdruck %s).",
		Cookie:          "Cookie",
		Vendor:          "Anbieter",
		Category:        "Kategorie",
		Purpose:         "Zweck",
		Duration:        "Speicherdauer",
		Persistence:     "Sitzung oder dauerhaft",
		Party:           "Erst- oder Drittanbieter",
		HowToRefuse:     "So lehnen Sie es ab",
		Session:         "Sitzung",
		Persistent:      "Dauerhaft",
		FirstParty:      "Erstanbieter",
		ThirdParty:      "Drittanbieter",
		SessionDuration: "Bis zum Schließen des Browsers",
		Required:        "Kann nicht abgelehnt werden: für den Betrieb der Website unbedingt erforderlich.",
		Refusable:       "Lehnen Sie die Kategorie „%s“ in den Cookie-Einstellungen ab (Alle ablehnen oder das Häkchen der Kategorie entfernen) oder löschen Sie das Cookie in den Einstellungen Ihres Browsers.",
		PolicyNote:      "Siehe auch die Datenschutzerklärung von %s.",
		PatternNote:     "Ein * im Namen eines Cookies steht für beliebige Zeichen.",
		NoCookies:       "Ebenfalls eingesetzt, ohne eigene Cookies: %s.",
		ListSep:         ", ",
	},
	"es": {
		Title:           "Declaración de cookies",
		Intro:           "Esta tabla enumera todas las cookies que %s puede almacenar en su dispositivo: quién las instala, para qué y durante cuánto tiempo. Salvo las estrictamente necesarias, puede rechazarlas por categoría en cualquier momento en el centro de preferencias de cookies.",
		Caption:         "Cookies utilizadas por %s",
		Languages:       "Otros idiomas",
		Download:        "Descargar esta tabla:",
		Generated:       "Generado a partir del manifiesto de privacidad (huella %s).",
		Cookie:          "Cookie",
		Vendor:          "Proveedor",
		Category:        "Categoría",
		Purpose:         "Finalidad",
		Duration:        "Duración",
		Persistence:     "De sesión o persistente",
		Party:           "Propia o de terceros",
		HowToRefuse:     "Cómo rechazarla",
		Session:         "De sesión",
		Persistent:      "Persistente",
		FirstParty:      "Propia",
		ThirdParty:      "De terceros",
		SessionDuration: "Hasta que se cierra el navegador",
		Required:        "No se puede rechazar: es estrictamente necesaria para el funcionamiento del sitio.",
		Refusable:       "Rechace la categoría «%s» en el centro de preferencias de cookies (Rechazar todo, o desmarque la categoría), o elimine la cookie en la configuración de su navegador.",
		PolicyNote:      "Consulte también la política de privacidad de %s.",
		PatternNote:     "Un * en el nombre de una cookie representa cualquier secuencia de caracteres.",
		NoCookies:       "También se utilizan, sin cookies propias: %s.",
		ListSep:         ", ",
	},
	"pt": {
		Title:           "Declaração de cookies",
		Intro:           "Esta tabela enumera todos os cookies que %s pode armazenar no seu dispositivo: quem os instala, para quê e durante quanto tempo. Com exceção dos estritamente necessários, pode recusá-los por categoria a qualquer momento no centro de preferências de cookies.",
		Caption:         "Cookies utilizados por %s",
		Languages:       "Outros idiomas",
		Download:        "Fazer download desta tabela:",
		Generated:       "Gerado a partir do manifesto de privacidade (impressão digital %s).",
		Cookie:          "Cookie",
		Vendor:          "Fornecedor",
		Category:        "Categoria",
		Purpose:         "Finalidade",
		Duration:        "Duração",
		Persistence:     "Sessão ou persistente",
		Party:           "Próprio ou de terceiros",
		HowToRefuse:     "Como recusar",
		Session:         "Sessão",
		Persistent:      "Persistente",
		FirstParty:      "Próprio",
		ThirdParty:      "De terceiros",
		SessionDuration: "Até fechar o navegador",
		Required:        "Não pode ser recusado: estritamente necessário para o funcionamento do site.",
		Refusable:       "Recuse a categoria «%s» no centro de preferências de cookies (Recusar tudo, ou desmarque a categoria), ou elimine o cookie nas definições do seu navegador.",
		PolicyNote:      "Consulte também a política de privacidade de %s.",
		PatternNote:     "Um * no nome de um cookie representa quaisquer caracteres.",
		NoCookies:       "Também utilizados, sem cookies próprios: %s.",
		ListSep:         ", ",
	},
	"it": {
		Title:           "Dichiarazione sui cookie",
		Intro:           "Questa tabella elenca tutti i cookie che %s può memorizzare sul tuo dispositivo: chi li installa, a quale scopo e per quanto tempo. Ad eccezione di quelli strettamente necessari, puoi rifiutarli per categoria in qualsiasi momento nel centro preferenze dei cookie.",
		Caption:         "Cookie utilizzati da %s",
		Languages:       "Altre lingue",
		Download:        "Scarica questa tabella:",
		Generated:       "Generato dal manifesto privacy (impronta %s).",
		Cookie:          "Cookie",
		Vendor:          "Fornitore",
		Category:        "Categoria",
		Purpose:         "Finalità",
		Duration:        "Durata",
		Persistence:     "Di sessione o persistente",
		Party:           "Prima o terza parte",
		HowToRefuse:     "Come rifiutarlo",
		Session:         "Di sessione",
		Persistent:      "Persistente",
		FirstParty:      "Prima parte",
		ThirdParty:      "Terza parte",
		SessionDuration: "Fino alla chiusura del browser",
		Required:        "Non può essere rifiutato: strettamente necessario per il funzionamento del sito.",
		Refusable:       "Rifiuta la categoria «%s» nel centro preferenze dei cookie (Rifiuta tutto, oppure deseleziona la categoria), oppure elimina il cookie nelle impostazioni del browser.",
		PolicyNote:      "Vedi anche l'informativa sulla privacy di %s.",
		PatternNote:     "Un * nel nome di un cookie sta per qualsiasi sequenza di caratteri.",
		NoCookies:       "Utilizzati anche, senza cookie propri: %s.",
		ListSep:         ", ",
	},
	"nl": {
		Title:           "Cookieverklaring",
		Intro:           "Deze tabel vermeldt alle cookies die %s op uw apparaat kan opslaan: wie ze plaatst, waarvoor en hoelang. Met uitzondering van de strikt noodzakelijke cookies kunt u ze op elk moment per categorie weigeren in het cookievoorkeurencentrum.",
		Caption:         "Cookies die %s gebruikt",
		Languages:       "Andere talen",
		Download:        "Deze tabel downloaden:",
		Generated:       "Gegenereerd uit het privacymanifest (vingerafdruk %s).",
		Cookie:          "Cookie",
		Vendor:          "Aanbieder",
		Category:        "Categorie",
		Purpose:         "Doel",
		Duration:        "Bewaartermijn",
		Persistence:     "Sessie of permanent",
		Party:           "Eigen of derde partij",
		HowToRefuse:     "Zo weigert u deze",
		Session:         "Sessie",
		Persistent:      "Permanent",
		FirstParty:      "Eigen partij",
		ThirdParty:      "Derde partij",
		SessionDuration: "Tot de browser wordt gesloten",
		Required:        "Kan niet worden geweigerd: strikt noodzakelijk voor de werking van de website.",
		Refusable:       "Weiger de categorie ‘%s’ in het cookievoorkeurencentrum (Alles weigeren, of vink de categorie uit), of verwijder de cookie in de instellingen van uw browser.",
		PolicyNote:      "Zie ook het privacybeleid van %s.",
		PatternNote:     "Een * in de naam van een cookie staat voor willekeurige tekens.",
		NoCookies:       "Ook gebruikt, zonder eigen cookies: %s.",
		ListSep:         ", ",
	},
	"ja": {
		Title:           "Cookie一覧",
		Intro:           "この表は、%sがお使いの端末に保存する可能性のあるすべてのCookieについて、保存する者、目的、保存期間を示しています。厳密に必要なCookieを除き、Cookie設定センターでいつでもカテゴリごとに拒否できます。",
		Caption:         "%sが使用するCookie",
		Languages:       "他の言語",
		Download:        "この表をダウンロード：",
		Generated:       "プライバシーマニフェストから生成（フィンガープリント %s）。",
		Cookie:          "Cookie",
		Vendor:          "提供者",
		Category:        "カテゴリ",
		Purpose:         "目的",
		Duration:        "保存期間",
		Persistence:     "セッション／永続",
		Party:           "ファーストパーティ／サードパーティ",
		HowToRefuse:     "拒否する方法",
		Session:         "セッション",
		Persistent:      "永続",
		FirstParty:      "ファーストパーティ",
		ThirdParty:      "サードパーティ",
		SessionDuration: "ブラウザを閉じるまで",
		Required:        "拒否できません：サイトの動作に厳密に必要です。",
		Refusable:       "Cookie設定センターで「%s」カテゴリを拒否する（「すべて拒否」を選ぶか、カテゴリのチェックを外す）か、ブラウザの設定でCookieを削除してください。",
		PolicyNote:      "%sのプライバシーポリシーもご覧ください。",
		PatternNote:     "Cookie名の * は任意の文字列を表します。",
		NoCookies:       "独自のCookieを使わずに利用しているサービス：%s。",
		ListSep:         "、",
	},
	"sk": {
		Title:           "Vyhlásenie o súboroch cookie",
		Intro:           "Táto tabuľka uvádza všetky súbory cookie, ktoré môže %s uložiť vo vašom zariadení: kto ich ukladá, na aký účel a na ako dlho. S výnimkou nevyhnutne potrebných ich môžete kedykoľvek odmietnuť podľa kategórií v centre predvolieb súborov cookie.",
		Caption:         "Súbory cookie, ktoré používa %s",
		Languages:       "Ďalšie jazyky",
		Download:        "Stiahnuť túto tabuľku:",
		Generated:       "Vygenerované z manifestu ochrany súkromia (odtlačok %s).",
		Cookie:          "Súbor cookie",
		Vendor:          "Poskytovateľ",
		Category:        "Kategória",
		Purpose:         "Účel",
		Duration:        "Doba uchovávania",
		Persistence:     "Relačný alebo trvalý",
		Party:           "Prvá alebo tretia strana",
		HowToRefuse:     "Ako ho odmietnuť",
		Session:         "Relačný",
		Persistent:      "Trvalý",
		FirstParty:      "Prvá strana",
		ThirdParty:      "Tretia strana",
		SessionDuration: "Do zatvorenia prehliadača",
		Required:        "Nedá sa odmietnuť: je nevyhnutne potrebný na fungovanie stránky.",
		Refusable:       "Odmietnite kategóriu „%s“ v centre predvolieb súborov cookie (Odmietnuť všetko alebo zrušte začiarknutie kategórie), alebo súbor cookie vymažte v nastaveniach prehliadača.",
		PolicyNote:      "Pozrite si aj zásady ochrany súkromia: %s.",
		PatternNote:     "Znak * v názve súboru cookie zastupuje ľubovoľné znaky.",
		NoCookies:       "Používajú sa aj bez vlastných súborov cookie: %s.",
		ListSep:         ", ",
	},
}

func init() {
	for lang, l := range allLabels {
		l.lang = lang
		l.words = banner.For(lang)
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

// join lists items with the language's separator.
func (l *labels) join(items []string) string { return strings.Join(items, l.ListSep) }
