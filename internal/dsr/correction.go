package dsr

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/custos-privacy/custos/internal/connector/sqlds"
	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/manifest"
)

// A rectification in a database is not written from the person's words:
// the step waits until a privacy officer has read the request, compared it
// with what the database holds, and approved the new value of each column
// to change (Correction shows the form, ApproveCorrection records the
// answer). The approved values become the step's checkpoint and the step
// is queued again; RunStep then writes them with sqlds.Engine.Rectify, in
// one transaction, and a crash before it finished runs it again with the
// same values (a row that holds them already is not counted).

// maxCorrectionValue bounds one corrected value, in characters; the
// column's own length is checked against the database's schema.
const maxCorrectionValue = 2000

// CorrectionField is a column a rectification may change in one system,
// with what the person's rows hold in it now.
type CorrectionField struct {
	Table, Column, Category string
	// Current are the distinct values of the column in the person's rows,
	// as text, at most maxCurrent of them; Null says some rows hold none.
	Current []string
	More    bool // there were more than maxCurrent values
	Null    bool
	Rows    int // the person's rows in the table
}

// maxCurrent is how many current values of a column the form shows.
const maxCurrent = 10

// correctionCheckpoint is a rectification step's checkpoint: the values
// staff approved, by table and column; nil sets NULL.
type correctionCheckpoint struct {
	Changes map[string]map[string]any `json:"changes"`
	By      string                    `json:"approved_by"`
}

// Correction returns the columns the rectification step jobID of request
// id may change in its database, each with the values the person's rows
// hold now, for the privacy officer to compare with the request before
// approving a correction. It reads the database and changes nothing.
func (s *Service) Correction(ctx context.Context, id string, jobID int64) ([]CorrectionField, error) {
	_, r, _, e, err := s.correctionStep(ctx, id, jobID)
	if err != nil {
		return nil, err
	}
	// Read with the schema, so that a column the database holds as binary
	// data, which a text field cannot correct, is not offered.
	cols, err := e.Correctable(ctx)
	if err != nil {
		return nil, err
	}
	var fields []CorrectionField
	at := map[string]int{} // table.column → index in fields
	for _, c := range cols {
		at[c.Table+"."+c.Column] = len(fields)
		fields = append(fields, CorrectionField{Table: c.Table, Column: c.Column, Category: c.Category})
	}
	if len(fields) == 0 {
		return nil, nil
	}
	rows := map[string]int{}
	err = e.Access(ctx, identities(r), func(table string, row map[string]any) error {
		rows[table]++
		for col, v := range row {
			i, ok := at[table+"."+col]
			if !ok {
				continue
			}
			f := &fields[i]
			if v == nil {
				f.Null = true
				continue
			}
			text := fmt.Sprint(v)
			switch {
			case slices.Contains(f.Current, text):
			case len(f.Current) == maxCurrent:
				f.More = true
			default:
				f.Current = append(f.Current, text)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := range fields {
		fields[i].Rows = rows[fields[i].Table]
	}
	return fields, nil
}

// ApproveCorrection records the correction staff approved for the
// rectification step jobID of request id, column by column — changes
// maps a table to the new value of each column, nil to clear it — and
// queues the step to write it. The correction is checked against the
// dataset and the database's column types first; a refusal names the
// table and column (never the value) and changes nothing. A step that
// failed may be given a new correction.
func (s *Service) ApproveCorrection(ctx context.Context, actor, id string, jobID int64, changes map[string]map[string]*string) error {
	j, _, sys, e, err := s.correctionStep(ctx, id, jobID)
	if err != nil {
		return err
	}
	if j.State != custos.JobWaiting && j.State != custos.JobFailed && j.State != custos.JobDead {
		return custos.Errorf(custos.ECONFLICT, "this step is not waiting for a correction")
	}
	var f custos.Fields
	cp := correctionCheckpoint{Changes: map[string]map[string]any{}, By: actor}
	var cols []string
	for table, cs := range changes {
		for col, v := range cs {
			name := table + "." + col
			if v != nil {
				switch {
				case !utf8.ValidString(*v):
					f.Add(name, "is not valid UTF-8")
					continue
				case utf8.RuneCountInString(*v) > maxCorrectionValue:
					f.Add(name, "is longer than %d characters", maxCorrectionValue)
					continue
				}
			}
			if cp.Changes[table] == nil {
				cp.Changes[table] = map[string]any{}
			}
			if v == nil {
				cp.Changes[table][col] = nil
			} else {
				cp.Changes[table][col] = *v
			}
			cols = append(cols, name)
		}
	}
	if len(cols) == 0 && f.Err() == nil {
		f.Add("changes", "choose at least one column to correct")
	}
	if err := f.Err(); err != nil {
		return err
	}
	if err := e.CheckCorrection(ctx, cp.Changes); err != nil {
		var ce *sqlds.CorrectionError
		if errors.As(err, &ce) {
			field := ce.Table
			if ce.Column != "" {
				field += "." + ce.Column
			}
			return custos.Invalid(custos.FieldError{Field: field, Message: strings.TrimSuffix(ce.Reason, "; refused")})
		}
		return &custos.Error{Code: custos.EUNAVAILABLE, Message: "the database of " + sys.Name + " cannot be read", Err: err}
	}
	slices.Sort(cols)
	b, err := json.Marshal(cp)
	if err != nil {
		return err
	}
	// The audit trail holds which columns, never the values.
	sum := sha256.Sum256([]byte(strings.Join(cols, "\n")))
	audit := &custos.AuditEntry{Actor: actor, Action: custos.AuditJobCorrected, ObjectType: "job", ObjectID: j.Key, DetailsHash: hex.EncodeToString(sum[:])}
	if err := s.Jobs.RetryJobWith(ctx, j.ID, b, audit); err != nil {
		return err
	}
	s.kickJobs()
	return s.apply(ctx, &custos.RequestChange{Events: []*custos.RequestEvent{{RequestID: id, Time: s.now(), Actor: actor,
		Kind: custos.EventNote, Note: "Correction approved for " + sys.Name + ": " + strings.Join(cols, ", ")}}})
}

// correctionStep returns step jobID of rectification request id, the
// request, its SQL system and the system's engine.
func (s *Service) correctionStep(ctx context.Context, id string, jobID int64) (*custos.Job, *custos.Request, *manifest.System, *sqlds.Engine, error) {
	j, err := s.step(ctx, id, jobID)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	r, err := s.Store.Request(ctx, id)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if r.Type != custos.RequestRectification {
		return nil, nil, nil, nil, custos.Errorf(custos.ECONFLICT, "only a rectification is corrected column by column")
	}
	if r.State != custos.StateInProgress {
		return nil, nil, nil, nil, custos.Errorf(custos.ECONFLICT, "the request is not in progress")
	}
	var p StepPayload
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return nil, nil, nil, nil, fmt.Errorf("step %d: %w", j.ID, err)
	}
	site := s.site(p.Site)
	var sys *manifest.System
	if site != nil {
		sys = site.System(p.System)
	}
	switch {
	case sys == nil:
		return nil, nil, nil, nil, custos.Errorf(custos.ECONFLICT, "the system %s is no longer in the manifest", p.System)
	case !sys.IsSQL():
		return nil, nil, nil, nil, custos.Errorf(custos.ECONFLICT, "only a database's step is corrected column by column")
	case s.Engines == nil:
		return nil, nil, nil, nil, custos.Errorf(custos.EUNAVAILABLE, "no connection to the site's databases is configured")
	}
	e, err := s.Engines.Engine(ctx, site, sys)
	if err != nil {
		return nil, nil, nil, nil, &custos.Error{Code: custos.EUNAVAILABLE, Message: "the database of " + sys.Name + " cannot be reached", Err: err}
	}
	return j, r, sys, e, nil
}

// identities are the identities of r a walk starts from.
func identities(r *custos.Request) map[string]string {
	ids := map[string]string{manifest.IdentityEmail: r.Email}
	if r.ConsentSubject != "" {
		ids[manifest.IdentityConsentID] = r.ConsentSubject
	}
	return ids
}
