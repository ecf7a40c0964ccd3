package mail

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"regexp"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/custos-privacy/custos/internal/custos"
	"golang.org/x/text/language"
)

// Kinds of message Compose writes; a custos.Mail's Template is one.
const (
	KindVerify       = "verify"        // a code and a link to prove the address
	KindReceived     = "received"      // the request is verified and being handled
	KindMerged       = "merged"        // the same request was already open
	KindExtended     = "extended"      // the period was extended
	KindCompleted    = "completed"     // done; maybe a download waits
	KindDenied       = "denied"        // refused, with the reason
	KindDownloadCode = "download_code" // a code to prove the address before a download
	KindReminder     = "reminder"      // to staff: requests falling due
)

// Kinds lists every kind.
var Kinds = []string{KindVerify, KindReceived, KindMerged, KindExtended, KindCompleted, KindDenied,
	KindDownloadCode, KindReminder}

// Languages lists the languages messages are written in; the first is the
// fallback.
var Languages = []string{"en", "fr", "de"}

// Data is what a message tells. Each kind needs some of it (see Compose).
type Data struct {
	SiteName        string // the website the request is about
	ControllerName  string // who answers; "": SiteName
	ControllerEmail string // where to write to them; optional
	RequestID       string
	RequestType     custos.RequestType
	Code            string // verify, download_code: the 6-digit code
	Link            string // verify: the verification link
	StatusURL       string // the request's private status page
	DueAt           time.Time
	Location        *time.Location // dates are written in this zone; nil: UTC
	// Reason is, for "denied", one of custos.DenyReasons; for "extended",
	// the reason for the extension in the officer's words.
	Reason          string
	Note            string    // the officer's note to the person; optional
	DownloadExpires time.Time // completed: when the download goes; zero: no download
	Reminders       []Reminder
}

// Reminder is one request falling due, in a reminder to staff.
type Reminder struct {
	ID      string
	Type    custos.RequestType
	Site    string
	DueAt   time.Time
	Overdue bool
	URL     string // its page in the console
}

//go:embed templates
var templateFS embed.FS

var (
	textTemplates = map[string]*texttemplate.Template{}
	htmlTemplates = map[string]*htmltemplate.Template{}
)

func init() {
	for _, lang := range Languages {
		textTemplates[lang] = texttemplate.Must(texttemplate.New(lang).ParseFS(templateFS,
			"templates/"+lang+".txt"))
		htmlTemplates[lang] = htmltemplate.Must(htmltemplate.New(lang).ParseFS(templateFS,
			"templates/layout.html", "templates/"+lang+".html"))
	}
}

var matcher = language.NewMatcher([]language.Tag{language.English, language.French, language.German})

// Language returns the language of Languages messages for locale (a BCP 47
// tag such as "fr-CA") are written in: English for any it does not match.
func Language(locale string) string {
	tag, _ := language.MatchStrings(matcher, locale)
	base, _ := tag.Base()
	for _, l := range Languages {
		if base.String() == l {
			return l
		}
	}
	return Languages[0]
}

// Compose writes the message of kind in the language of locale: its
// subject, its plain text and its HTML. It fails if d lacks what kind
// needs:
//
//	verify         SiteName, Code, Link
//	received       SiteName, RequestType, DueAt, StatusURL
//	merged         SiteName, RequestType, StatusURL
//	extended       SiteName, RequestType, DueAt, Reason (free text)
//	completed      SiteName, RequestType, StatusURL (DownloadExpires if there is a download)
//	denied         SiteName, RequestType, Reason (a deny reason code)
//	download_code  SiteName, Code
//	reminder       Reminders
//
// Everything from d is escaped in the HTML.
func Compose(kind, locale string, d Data) (subject, text, html string, err error) {
	if err := check(kind, d); err != nil {
		return "", "", "", err
	}
	v, err := newView(Language(locale), kind, d)
	if err != nil {
		return "", "", "", fmt.Errorf("mail: compose %s: %w", kind, err)
	}
	var b bytes.Buffer
	tt := textTemplates[v.Lang]
	if err := tt.ExecuteTemplate(&b, kind+".subject", v); err != nil {
		return "", "", "", fmt.Errorf("mail: compose %s: %w", kind, err)
	}
	subject = oneLine(b.String())
	v.Subject = subject
	b.Reset()
	if err := tt.ExecuteTemplate(&b, kind+".text", v); err != nil {
		return "", "", "", fmt.Errorf("mail: compose %s: %w", kind, err)
	}
	text = tidy(b.String())
	b.Reset()
	if err := htmlTemplates[v.Lang].ExecuteTemplate(&b, kind+".html", v); err != nil {
		return "", "", "", fmt.Errorf("mail: compose %s: %w", kind, err)
	}
	return subject, text, b.String(), nil
}

// NewMail composes kind for locale and returns it as a mail to queue for
// the address to.
func NewMail(kind, locale, to string, d Data) (*custos.Mail, error) {
	subject, text, html, err := Compose(kind, locale, d)
	if err != nil {
		return nil, err
	}
	return &custos.Mail{RequestID: d.RequestID, Template: kind, To: to, Subject: subject, Text: text, HTML: html}, nil
}

// check reports what kind needs and d lacks.
func check(kind string, d Data) error {
	var need []string
	switch kind {
	case KindVerify:
		need = []string{"SiteName", "Code", "Link"}
	case KindReceived:
		need = []string{"SiteName", "RequestType", "DueAt", "StatusURL"}
	case KindMerged, KindCompleted:
		need = []string{"SiteName", "RequestType", "StatusURL"}
	case KindExtended:
		need = []string{"SiteName", "RequestType", "DueAt", "Reason"}
	case KindDenied:
		need = []string{"SiteName", "RequestType", "Reason"}
	case KindDownloadCode:
		need = []string{"SiteName", "Code"}
	case KindReminder:
		need = []string{"Reminders"}
	default:
		return fmt.Errorf("mail: compose: unknown kind %q", kind)
	}
	missing := map[string]bool{
		"SiteName": strings.TrimSpace(d.SiteName) == "", "Code": d.Code == "", "Link": d.Link == "",
		"RequestType": d.RequestType == "", "DueAt": d.DueAt.IsZero(), "StatusURL": d.StatusURL == "",
		"Reason": strings.TrimSpace(d.Reason) == "", "Reminders": len(d.Reminders) == 0,
	}
	var errs []error
	for _, f := range need {
		if missing[f] {
			errs = append(errs, fmt.Errorf("mail: compose %s: %s is required", kind, f))
		}
	}
	for i, r := range d.Reminders {
		if r.ID == "" || r.URL == "" || r.DueAt.IsZero() {
			errs = append(errs, fmt.Errorf("mail: compose %s: Reminders[%d] needs ID, URL and DueAt", kind, i))
		}
	}
	return errors.Join(errs...)
}

// view is what the templates see: Data, and its parts already written in
// the message's language.
type view struct {
	Data
	Lang       string
	Subject    string
	Controller string // ControllerName, or SiteName
	Type       string // RequestType, in words
	Due        string // DueAt as a long date
	Expires    string // DownloadExpires as a date and time; "" if none
	ReasonText string // denied: Reason in plain words
	Items      []reminderView
	Overdue    int // how many of Items are overdue
}

type reminderView struct {
	Reminder
	Type string
	Due  string
}

func newView(lang, kind string, d Data) (*view, error) {
	if d.Location == nil {
		d.Location = time.UTC
	}
	v := &view{Data: d, Lang: lang, Controller: d.ControllerName}
	if v.Controller == "" {
		v.Controller = d.SiteName
	}
	if d.RequestType != "" {
		t, err := typeName(lang, d.RequestType)
		if err != nil {
			return nil, err
		}
		v.Type = t
	}
	if !d.DueAt.IsZero() {
		v.Due = longDate(lang, d.DueAt.In(d.Location))
	}
	if !d.DownloadExpires.IsZero() {
		v.Expires = dateTime(lang, d.DownloadExpires.In(d.Location))
	}
	if kind == KindDenied {
		r, ok := reasonTexts[lang][d.Reason]
		if !ok {
			return nil, fmt.Errorf("unknown deny reason %q", d.Reason)
		}
		if d.Reason == custos.DenyOther && strings.TrimSpace(d.Note) == "" {
			r = reasonOtherNoNote[lang]
		}
		v.ReasonText = r
	}
	for _, r := range d.Reminders {
		t, ok := staffTypeNames[lang][r.Type]
		if !ok {
			return nil, fmt.Errorf("unknown request type %q", r.Type)
		}
		v.Items = append(v.Items, reminderView{Reminder: r, Type: t, Due: longDate(lang, r.DueAt.In(d.Location))})
		if r.Overdue {
			v.Overdue++
		}
	}
	return v, nil
}

func typeName(lang string, t custos.RequestType) (string, error) {
	if n, ok := typeNames[lang][t]; ok {
		return n, nil
	}
	return "", fmt.Errorf("unknown request type %q", t)
}

// longDate writes t's day as "22 December 2026", "22 décembre 2026" or
// "22. Dezember 2026".
func longDate(lang string, t time.Time) string {
	day, month, year := strconv.Itoa(t.Day()), monthNames[lang][t.Month()-1], strconv.Itoa(t.Year())
	switch lang {
	case "fr":
		if t.Day() == 1 {
			day = "1er"
		}
		return day + " " + month + " " + year
	case "de":
		return day + ". " + month + " " + year
	default:
		return day + " " + month + " " + year
	}
}

// dateTime writes t as a long date, the time of day and the zone.
func dateTime(lang string, t time.Time) string {
	zone := t.Format("MST")
	switch lang {
	case "fr":
		return longDate(lang, t) + " à " + t.Format("15") + " h " + t.Format("04") + " (" + zone + ")"
	case "de":
		return longDate(lang, t) + " um " + t.Format("15:04") + " Uhr (" + zone + ")"
	default:
		return longDate(lang, t) + " at " + t.Format("15:04") + " (" + zone + ")"
	}
}

var (
	trailingSpace = regexp.MustCompile(`[ \t]+\n`)
	blankLines    = regexp.MustCompile(`\n{3,}`)
)

// tidy trims the blank lines and spaces the templates' conditions leave.
func tidy(s string) string {
	s = trailingSpace.ReplaceAllString(s, "\n")
	s = blankLines.ReplaceAllString(s, "\n\n")
	return strings.TrimSpace(s) + "\n"
}
