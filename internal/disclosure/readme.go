package disclosure

import (
	"fmt"
	"io"
	"strings"
)

// readmeReference documents the files of a package and the fields of
// data.json and the CSV files. It is in English, as field names are:
// it is for the programs and people who process the files.
const readmeReference = `
FILES

  index.html        A readable summary: what the package holds, your consent
                    choices over time, your requests and their history.
  information.html  How the controller processes personal data, and your
                    rights (GDPR Art. 15(1)(a) to (h)).
  data.json         Everything in this package, machine-readable (below).
  consents.csv      One row per consent record.
  requests.csv      One row per request.
  events.csv        One row per step in the history of a request.
  README.txt        This file.

Times are RFC 3339. In the CSV files they are in UTC, and a cell that a
spreadsheet could take for a formula (one starting with = + - @, a tab or a
carriage return) starts with an apostrophe ('), which is not part of the
value. The CSV files are UTF-8 with a byte order mark, with CRLF line ends.

DATA.JSON

  format            "%s"
  format_version    %d; a change that removes or renames a field takes a new one
  generated         when the package was made
  issuer            who made it
  locale            the language of index.html and information.html
  site              the website: id, name, manifest_fingerprint (the version
                    of its privacy settings), controller {name, address,
                    email, dpo, timezone}
  request           the request this package answers: {id, type}; absent if none
  subject           you: email (the address your requests came from) and
                    consent_ids (the random identifiers your browsers were
                    given when you made a consent choice)
  consents          your consent records, oldest first; each:
    id                    the record's id
    site                  the website's id
    subject               the browser's consent id
    choices               {category: true (accepted) or false (refused)}
    method                accept_all, reject_all, custom, withdraw, gpc (a
                          Global Privacy Control signal), api, close
    manifest_fingerprint  the version of the banner you answered
    locale                the banner's language
    region                where you were, as an ISO 3166 code, if known
    jurisdiction          the rules applied there (a manifest jurisdiction id)
    mode                  opt_in, opt_out or notice
    notice_version        the privacy notice in force
    gpc                   whether your browser sent Global Privacy Control
    ip_prefix             your IP address shortened, never the full one
    issued_at, expires_at when the choice was made, and when the banner asks again
    receipt               the signed receipt of the record (a compact JWS)
  requests          your requests, oldest first; each:
    id, site, type, state  type: information, access, portability, erasure,
                          rectification, restriction, objection,
                          consent_withdrawal; state: unverified, open,
                          in_progress, completed, denied
    email                 the address it came from ("" once erased)
    consent_subject       the browser's consent id you linked to it
    locale, region, jurisdiction, law
    details, objection    what you asked for, and the scope of an objection
    received_at, acknowledge_by, due_at, extend_max, tell_extension_by,
    act_by, without_delay, extended, extension_reason, verified_at,
    expires_at            its time limits and verification
    assigned_to           the staff member in charge, by an opaque id
    deny_reason, deny_note, result, closed_at, updated_at   the outcome
  events            the history of your requests, by request then time;
                    each: id, request_id, time, actor ("subject" is you,
                    "system" is Custos, other values are staff members' opaque
                    ids), kind, note (staff notes included)
  systems           what the organisation's other systems hold about you;
                    each: id, name, data (for a database: the rows of each
                    table, {"tables": [{"table", "rows"}]}), and files: the
                    files a system gave, each name, path (in this package,
                    under systems/), media_type, size
  marks             restrictions and objections recorded against you; each:
                    id, kind (restricted, objected), detail (the scope of an
                    objection), request_id, since, lifted_at (absent while in
                    force)

CONSENTS.CSV

  %s
  choices is category=true or category=false, joined by ';'.

REQUESTS.CSV

  %s

EVENTS.CSV

  %s
`

func (p *prepared) writeReadme(w io.Writer) error {
	l := p.g.l
	head := fmt.Sprintf(l.ReadmeIntro, p.site.Name)
	if l.lang != "en" {
		head += "\n\n" + fmt.Sprintf(allLabels["en"].ReadmeIntro, p.site.Name)
	}
	_, err := fmt.Fprintf(w, "%s\n\n%s\n%s",
		head,
		fmt.Sprintf(l.IssuedBy, p.issuer, l.date(p.generated.In(p.g.loc))),
		fmt.Sprintf(readmeReference, DataFormat, DataFormatVersion,
			strings.Join(consentColumns, ","), strings.Join(requestColumns, ","), strings.Join(eventColumns, ",")))
	return err
}
