package dsr

import (
	"time"

	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/mail"
	"github.com/custos-privacy/custos/internal/manifest"
)

// mailData is what an e-mail about a request says beyond the request.
type mailData struct {
	Code            string
	Link            string
	Reason          string
	Note            string
	DownloadExpires time.Time
}

// compose renders the e-mail kind about r in the request's language.
func (s *Service) compose(site *manifest.Site, r *custos.Request, kind string, d mailData) (*custos.Mail, error) {
	data := mail.Data{
		SiteName:        site.Name,
		ControllerName:  site.Controller.Name,
		ControllerEmail: site.Controller.Email,
		RequestID:       r.ID,
		RequestType:     r.Type,
		Code:            d.Code,
		Link:            d.Link,
		StatusURL:       s.StatusURL(r),
		DueAt:           r.DueAt,
		Location:        location(site),
		Reason:          d.Reason,
		Note:            d.Note,
		DownloadExpires: d.DownloadExpires,
	}
	subject, text, html, err := mail.Compose(kind, r.Locale, data)
	if err != nil {
		return nil, &custos.Error{Code: custos.EINTERNAL, Message: "could not write the e-mail", Err: err}
	}
	return &custos.Mail{
		RequestID: r.ID, Template: kind, To: r.Email,
		Subject: subject, Text: text, HTML: html, CreatedAt: s.now(),
	}, nil
}

// location is the controller's time zone, in which dates are told.
func location(site *manifest.Site) *time.Location {
	if tz := site.Controller.Timezone; tz != "" {
		if l, err := time.LoadLocation(tz); err == nil {
			return l
		}
	}
	return time.UTC
}
