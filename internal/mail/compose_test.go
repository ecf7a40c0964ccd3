package mail_test

import (
	"flag"
	"html"
	"strings"
	"testing"
	"time"

	"github.com/custos-privacy/custos/internal/custos"
	custosmail "github.com/custos-privacy/custos/internal/mail"
)

var show = flag.Bool("show", false, "print every composed message")

// cet is a fixed zone, so the test needs no time zone database.
var cet = time.FixedZone("CET", 3600)

const hostileNote = `<script>alert("x")</script> & "quotes"`

func sampleData() custosmail.Data {
	return custosmail.Data{
		SiteName:        "Boutique Exemple",
		ControllerName:  "Exemple SAS",
		ControllerEmail: "dpo@shop.example",
		RequestID:       "rq_abcdefghijklmnopqrstuvwxyz",
		RequestType:     custos.RequestAccess,
		Code:            "493817",
		Link:            "https://privacy.shop.example/verify?t=tok123&s=shop",
		StatusURL:       "https://privacy.shop.example/requests/st_9f8e7d",
		// 23:30 UTC is already the next day in CET.
		DueAt:           time.Date(2026, 12, 22, 23, 30, 0, 0, time.UTC),
		Location:        cet,
		Reason:          custos.DenyInsufficientVerification,
		Note:            hostileNote,
		DownloadExpires: time.Date(2027, 1, 1, 13, 0, 0, 0, time.UTC),
		Reminders: []custosmail.Reminder{
			{ID: "rq_one", Type: custos.RequestErasure, Site: "shop", DueAt: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC), Overdue: true, URL: "https://custos.example/console/requests/rq_one"},
			{ID: "rq_two", Type: custos.RequestConsentWithdrawal, Site: "blog", DueAt: time.Date(2026, 12, 30, 12, 0, 0, 0, time.UTC), URL: "https://custos.example/console/requests/rq_two"},
		},
	}
}

// dates are what sampleData's DueAt and DownloadExpires read as.
var dates = map[string][2]string{
	"en": {"23 December 2026", "1 January 2027 at 14:00 (CET)"},
	"fr": {"23 décembre 2026", "1er janvier 2027 à 14 h 00 (CET)"},
	"de": {"23. Dezember 2026", "1. Januar 2027 um 14:00 Uhr (CET)"},
}

func TestComposeEveryKind(t *testing.T) {
	for _, lang := range custosmail.Languages {
		for _, kind := range custosmail.Kinds {
			t.Run(lang+"/"+kind, func(t *testing.T) {
				d := sampleData()
				if kind == custosmail.KindExtended {
					d.Reason = "Your request covers several years of orders kept in an archive."
				}
				subject, text, htm, err := custosmail.Compose(kind, lang, d)
				if err != nil {
					t.Fatal(err)
				}
				if *show {
					t.Logf("Subject: %s\n\n%s\n%s", subject, text, htm)
				}
				if subject == "" || strings.ContainsAny(subject, "@\r\n") {
					t.Errorf("subject %q", subject)
				}
				for name, s := range map[string]string{"subject": subject, "text": text, "html": htm} {
					for _, bad := range []string{"<no value>", "%!", "{{", "  \n"} {
						if strings.Contains(s, bad) {
							t.Errorf("%s holds %q:\n%s", name, bad, s)
						}
					}
				}
				if !strings.HasPrefix(htm, "<!DOCTYPE html>") || !strings.Contains(htm, `<html lang="`+lang+`">`) {
					t.Errorf("html frame:\n%s", htm)
				}
				if strings.Contains(htm, "<script") {
					t.Errorf("html holds an unescaped script:\n%s", htm)
				}

				var want []string
				switch kind {
				case custosmail.KindVerify:
					want = []string{d.Code, d.Link, "10", "24"}
				case custosmail.KindDownloadCode:
					want = []string{d.Code, "10"}
				case custosmail.KindReceived, custosmail.KindExtended:
					want = []string{d.StatusURL, dates[lang][0], d.RequestID}
				case custosmail.KindMerged:
					want = []string{d.StatusURL, dates[lang][0]}
				case custosmail.KindCompleted:
					want = []string{d.StatusURL, dates[lang][1], d.ControllerEmail}
				case custosmail.KindDenied:
					want = []string{d.StatusURL, d.ControllerEmail, d.RequestID}
				case custosmail.KindReminder:
					want = []string{"rq_one", "rq_two", "https://custos.example/console/requests/rq_one", "shop", "blog"}
				}
				if kind == custosmail.KindExtended {
					want = append(want, d.Reason)
				}
				for _, w := range want {
					if !strings.Contains(text, w) {
						t.Errorf("text lacks %q:\n%s", w, text)
					}
					if !strings.Contains(htm, html.EscapeString(w)) {
						t.Errorf("html lacks %q:\n%s", html.EscapeString(w), htm)
					}
				}
				if kind != custosmail.KindVerify && kind != custosmail.KindDownloadCode && strings.Contains(text+htm, d.Code) {
					t.Errorf("%s holds the code", kind)
				}
				// The note is told where there is one, and escaped.
				if kind == custosmail.KindCompleted || kind == custosmail.KindDenied || kind == custosmail.KindExtended {
					if !strings.Contains(text, hostileNote) {
						t.Errorf("text lacks the note:\n%s", text)
					}
					if !strings.Contains(htm, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;quotes&#34;") {
						t.Errorf("html lacks the escaped note:\n%s", htm)
					}
				}
			})
		}
	}
}

func TestComposeDates(t *testing.T) {
	d := sampleData()
	for lang, want := range dates {
		_, text, htm, err := custosmail.Compose(custosmail.KindReceived, lang, d)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(text, want[0]) || !strings.Contains(htm, want[0]) {
			t.Errorf("%s: due date %q missing:\n%s", lang, want[0], text)
		}
	}
	d.Location = nil // UTC
	_, text, _, err := custosmail.Compose(custosmail.KindReceived, "en", d)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "22 December 2026") {
		t.Errorf("UTC date missing:\n%s", text)
	}
}

func TestComposeLanguages(t *testing.T) {
	for locale, want := range map[string]string{
		"en": "en", "en-GB": "en", "fr": "fr", "fr-CA": "fr", "de": "de", "de-AT": "de", "de-CH": "de",
		"es": "en", "ja-JP": "en", "": "en", "not a tag": "en",
	} {
		if got := custosmail.Language(locale); got != want {
			t.Errorf("Language(%q) = %q, want %q", locale, got, want)
		}
	}
	subject, _, _, err := custosmail.Compose(custosmail.KindVerify, "es-ES", sampleData())
	if err != nil || !strings.HasPrefix(subject, "Confirm") {
		t.Errorf("es-ES: %q, %v", subject, err)
	}
}

func TestComposeDenyReasons(t *testing.T) {
	complaint := map[string]string{"en": "supervisory authority", "fr": "autorité de contrôle", "de": "Aufsichtsbehörde"}
	seen := map[string]bool{}
	for _, lang := range custosmail.Languages {
		for _, reason := range custos.DenyReasons {
			d := sampleData()
			d.Reason, d.Note = reason, ""
			_, text, htm, err := custosmail.Compose(custosmail.KindDenied, lang, d)
			if err != nil {
				t.Fatalf("%s %s: %v", lang, reason, err)
			}
			if !strings.Contains(text, complaint[lang]) || !strings.Contains(htm, complaint[lang]) {
				t.Errorf("%s %s: no word of the right to complain:\n%s", lang, reason, text)
			}
			if seen[text] {
				t.Errorf("%s %s: same text as another reason", lang, reason)
			}
			seen[text] = true
		}
	}
	d := sampleData()
	d.Reason = "because"
	if _, _, _, err := custosmail.Compose(custosmail.KindDenied, "en", d); err == nil {
		t.Error("unknown reason accepted")
	}
}

func TestComposeCompletedWithoutDownload(t *testing.T) {
	d := sampleData()
	d.DownloadExpires, d.Note = time.Time{}, ""
	_, text, htm, err := custosmail.Compose(custosmail.KindCompleted, "en", d)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(text+htm, "download") {
		t.Errorf("mentions a download:\n%s", text)
	}
	d.DownloadExpires = time.Date(2027, 1, 1, 13, 0, 0, 0, time.UTC)
	_, text, _, _ = custosmail.Compose(custosmail.KindCompleted, "en", d)
	if !strings.Contains(text, "download") || !strings.Contains(text, "confirm your e-mail address again") {
		t.Errorf("download not told:\n%s", text)
	}
}

func TestComposeReminder(t *testing.T) {
	subject, text, htm, err := custosmail.Compose(custosmail.KindReminder, "en", sampleData())
	if err != nil {
		t.Fatal(err)
	}
	if subject != "Requests falling due: 2, of which 1 overdue" {
		t.Errorf("subject = %q", subject)
	}
	if strings.Count(text, "OVERDUE") != 1 || strings.Count(htm, ">overdue</strong>") != 1 {
		t.Errorf("overdue marker:\n%s\n%s", text, htm)
	}
	if !strings.Contains(text, "rq_one · erasure · shop · due 1 December 2026 · OVERDUE") {
		t.Errorf("text:\n%s", text)
	}
}

func TestComposeRefusesIncompleteData(t *testing.T) {
	_, _, _, err := custosmail.Compose(custosmail.KindVerify, "en", custosmail.Data{SiteName: "Shop"})
	if err == nil || !strings.Contains(err.Error(), "Code is required") || !strings.Contains(err.Error(), "Link is required") {
		t.Errorf("err = %v", err)
	}
	if _, _, _, err := custosmail.Compose("welcome", "en", sampleData()); err == nil {
		t.Error("unknown kind accepted")
	}
	d := sampleData()
	d.RequestType = "everything"
	if _, _, _, err := custosmail.Compose(custosmail.KindReceived, "en", d); err == nil {
		t.Error("unknown request type accepted")
	}
}

func TestNewMail(t *testing.T) {
	m, err := custosmail.NewMail(custosmail.KindReceived, "de", recipient, sampleData())
	if err != nil {
		t.Fatal(err)
	}
	if m.Template != custosmail.KindReceived || m.To != recipient || m.RequestID != sampleData().RequestID ||
		m.Subject == "" || m.Text == "" || m.HTML == "" {
		t.Errorf("mail = %+v", m)
	}
	if strings.Contains(m.Subject, recipient) {
		t.Error("subject holds the address")
	}
}
