package sqlds

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/custos-privacy/custos/internal/manifest"
)

// colKind is what a column holds, as far as the engine cares.
type colKind int

const (
	kindOther colKind = iota
	kindText
	kindInt
	kindFloat
	kindDecimal
	kindBool
	kindTime
	kindBytes
)

var kindNames = [...]string{"other", "text", "integer", "floating point", "decimal", "boolean", "date/time", "binary"}

func (k colKind) String() string { return kindNames[k] }

// colMeta is what the database says of a column.
type colMeta struct {
	kind     colKind
	typ      string // the database's name of the type
	maxLen   int    // characters a text column holds; 0: no limit known
	bits     int    // value bits of an integer column (less the sign's)
	unsigned bool   // a number column that holds no negative number (MySQL)
	single   bool   // a single-precision floating point column
	// A decimal column's precision (digits in all) and scale (digits after
	// the point); precision 0: not known, any number fits (SQLite,
	// PostgreSQL's numeric without a precision).
	prec, scale int
	null        bool // the column accepts NULL
	// charset is the character set of a MySQL text column ("utf8mb4",
	// "utf8mb3", ...); "" elsewhere.
	charset string
	// timeMin and timeMax bound what a MySQL TIMESTAMP column holds
	// (timestampRange); zero elsewhere: no bound known.
	timeMin, timeMax time.Time
}

// hashMinLen is the fewest characters a column masked by a keyed hash
// must hold.
const hashMinLen = 16

// CheckError lists what the database lacks of what the dataset declares.
type CheckError struct {
	Problems []string
}

func (e *CheckError) Error() string {
	return "sqlds: the database does not match the dataset: " + strings.Join(e.Problems, "; ")
}

// Check verifies that every table and column the dataset declares exists
// and that the connection may read them, and that the columns suit what
// the dataset does with them (a restriction column that is boolean, a
// column masked by a hash that can hold one, a reference that closes a
// cycle of foreign keys with a column an erasure may set to NULL to break
// it, a column marked rectify that is not binary). What is missing is
// named in a *CheckError.
func (e *Engine) Check(ctx context.Context) error {
	schema, problems, err := e.check(ctx)
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		all := make([]string, len(problems))
		for i, p := range problems {
			all[i] = p.text
		}
		return &CheckError{Problems: all}
	}
	e.mu.Lock()
	e.schema = schema
	e.mu.Unlock()
	return nil
}

// problem is one mismatch Check finds. A rectify problem only keeps a
// rectification from writing a column, which it refuses (correction), so
// the other requests run despite it; any other stops them all.
type problem struct {
	text    string
	rectify bool
}

// check reads the schema and lists what does not match the dataset.
func (e *Engine) check(ctx context.Context) (map[string]map[string]*colMeta, []problem, error) {
	schema, err := e.loadSchema(ctx)
	if err != nil {
		return nil, nil, err
	}
	var problems []problem
	add := func(format string, args ...any) {
		problems = append(problems, problem{text: fmt.Sprintf(format, args...)})
	}
	for _, t := range e.tables {
		cols := schema[t.name]
		if len(cols) == 0 {
			add("table %s does not exist (or the connection may not see it)", t.name)
			continue
		}
		missing := false
		for _, c := range t.need {
			if cols[c] == nil {
				add("column %s.%s does not exist", t.name, c)
				missing = true
			}
		}
		if missing {
			continue
		}
		if rc := t.m.RestrictColumn; rc != "" {
			// MySQL's BOOLEAN is a TINYINT(1), SQLite's an integer; PostgreSQL
			// sets a boolean only.
			if k := cols[rc].kind; k != kindBool && (k != kindInt || e.d.postgres()) {
				add("column %s.%s is a restriction column but holds %s, not boolean", t.name, rc, cols[rc].typ)
			}
		}
		for _, c := range t.m.Columns {
			m := cols[c.Name]
			if c.Rectify && m.kind == kindBytes {
				problems = append(problems, problem{rectify: true, text: fmt.Sprintf(
					"column %s.%s is marked rectify: true but holds binary data (%s): a correction is entered as text and cannot be written to it; remove rectify: true and correct the column by hand",
					t.name, c.Name, m.typ)})
			}
			if c.Erase == nil {
				continue
			}
			switch c.Erase.Action {
			case manifest.EraseHash:
				if m.kind != kindText {
					add("column %s.%s is masked by a hash but holds %s, not text", t.name, c.Name, m.typ)
				} else if m.maxLen > 0 && m.maxLen < hashMinLen {
					add("column %s.%s is masked by a hash but holds %d characters, fewer than %d", t.name, c.Name, m.maxLen, hashMinLen)
				}
			case manifest.EraseFixed:
				if _, err := convert(m, c.Erase.Value); err != nil {
					add("column %s.%s: the fixed erase value does not fit its type %s", t.name, c.Name, m.typ)
				} else if m.kind == kindText && m.maxLen > 0 && len([]rune(c.Erase.Value)) > m.maxLen {
					add("column %s.%s: the fixed erase value is longer than the column's %d characters", t.name, c.Name, m.maxLen)
				}
			}
		}
		for _, r := range t.refs {
			if p := clearProblem(t, r, cols); p != "" {
				add("%s", p)
			}
		}
		// Reading the columns proves the connection may.
		q := &query{d: e.d}
		q.add("SELECT ", e.d.quoteAll(t.need), " FROM ", e.d.quote(t.name), e.d.limit(0))
		rows, err := e.db.QueryContext(ctx, q.String())
		if err != nil {
			add("table %s cannot be read: %s", t.name, describe(err))
			continue
		}
		rows.Close()
	}
	return schema, problems, nil
}

// clearProblem says what keeps an erasure from lifting r, a reference of
// t that clears (see markClears), by setting one of its columns to NULL,
// or "" when nothing does. When it deletes rows of t, one of r's free
// columns must accept NULL; when it masks them, one of the free columns
// masking may change (a column not kept: a legal hold that keeps it now
// may end), if masking may change any.
func clearProblem(t *table, r *ref, cols map[string]*colMeta) string {
	if !r.clears {
		return ""
	}
	accepts := func(cs []string) bool {
		return slices.ContainsFunc(cs, func(c string) bool { return cols[c].null })
	}
	var need []string
	if t.m.Erase != "mask" {
		if len(r.free) == 0 {
			return fmt.Sprintf("the reference of %s (%s) to %s (owns) closes a cycle of references, but each of its columns is part of the primary key or referenced, so an erasure cannot set one to NULL before it deletes rows", t.name, strings.Join(r.cols, ", "), r.to.name)
		}
		if !accepts(r.free) {
			need = r.free
		}
	}
	if need == nil {
		var maskable []string
		for _, c := range r.free {
			if mc := t.listed[c]; mc != nil && (mc.Erase == nil || mc.Erase.Action != manifest.EraseKeep) {
				maskable = append(maskable, c)
			}
		}
		if len(maskable) > 0 && !accepts(maskable) {
			need = maskable
		}
	}
	switch len(need) {
	case 0:
		return ""
	case 1:
		if len(r.cols) == 1 {
			return fmt.Sprintf("column %s.%s must accept NULL: its reference to %s (owns) closes a cycle of references, so an erasure sets it to NULL before it deletes rows", t.name, need[0], r.to.name)
		}
		return fmt.Sprintf("column %s.%s must accept NULL: its reference (%s) to %s (owns) closes a cycle of references, so an erasure sets it to NULL before it deletes rows", t.name, need[0], strings.Join(r.cols, ", "), r.to.name)
	}
	return fmt.Sprintf("one of the columns %s of %s must accept NULL: their reference (%s) to %s (owns) closes a cycle of references, so an erasure sets one to NULL before it deletes rows", strings.Join(need, ", "), t.name, strings.Join(r.cols, ", "), r.to.name)
}

// columns returns the checked schema, checking it the first time. A
// problem of rectification alone (a binary column marked rectify) does
// not stop the requests: correction refuses the column.
func (e *Engine) columns(ctx context.Context) (map[string]map[string]*colMeta, error) {
	e.mu.Lock()
	s := e.schema
	e.mu.Unlock()
	if s != nil {
		return s, nil
	}
	schema, problems, err := e.check(ctx)
	if err != nil {
		return nil, err
	}
	var stop []string
	for _, p := range problems {
		if !p.rectify {
			stop = append(stop, p.text)
		}
	}
	if len(stop) > 0 {
		return nil, &CheckError{Problems: stop}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.schema == nil {
		e.schema = schema
	}
	return e.schema, nil
}

// meta returns the checked meta of t.col.
func (e *Engine) meta(t *table, col string) *colMeta {
	e.mu.Lock()
	defer e.mu.Unlock()
	if m := e.schema[t.name][col]; m != nil {
		return m
	}
	return &colMeta{typ: "unknown"}
}

// loadSchema reads the columns of every dataset table from the database's
// catalogue.
func (e *Engine) loadSchema(ctx context.Context) (map[string]map[string]*colMeta, error) {
	var wide bool
	if e.d.kind == manifest.SystemMySQL {
		var version, compileOS string
		// Unknown, the narrower range holds: a correction is refused that
		// a newer server would take, never the other way round.
		if e.db.QueryRowContext(ctx, `SELECT VERSION(), COALESCE(@@version_compile_os, '')`).Scan(&version, &compileOS) == nil {
			wide = wideTimestamp(version, compileOS)
		}
	}
	schema := map[string]map[string]*colMeta{}
	for _, t := range e.tables {
		cols, err := e.loadTable(ctx, t.name, wide)
		if err != nil {
			return nil, dbErr("check", t.name, err)
		}
		schema[t.name] = cols
	}
	return schema, nil
}

// loadTable reads the columns of table name; wide: the server's TIMESTAMP
// reaches 2106 (wideTimestamp).
func (e *Engine) loadTable(ctx context.Context, name string, wide bool) (map[string]*colMeta, error) {
	var sch any
	if s, n, ok := strings.Cut(name, "."); ok {
		sch, name = s, n
	}
	var stmt string
	var args []any
	switch e.d.kind {
	case manifest.SystemPostgres:
		stmt = `SELECT column_name, data_type, data_type, COALESCE(character_maximum_length, 0), is_nullable,
				numeric_precision, numeric_scale, ''
			FROM information_schema.columns
			WHERE table_schema = COALESCE($1::text, current_schema()) AND table_name = $2`
		args = []any{sch, name}
	case manifest.SystemMySQL:
		stmt = `SELECT column_name, data_type, column_type, COALESCE(character_maximum_length, 0), is_nullable,
				numeric_precision, numeric_scale, COALESCE(character_set_name, '')
			FROM information_schema.columns
			WHERE table_schema = COALESCE(?, DATABASE()) AND table_name = ?`
		args = []any{sch, name}
	default:
		if sch == nil {
			sch = "main"
		}
		stmt = `SELECT name, type, type, 0, CASE WHEN "notnull" THEN 'NO' ELSE 'YES' END, NULL, NULL, '' FROM pragma_table_info(?, ?)`
		args = []any{name, sch}
	}
	rows, err := e.db.QueryContext(ctx, stmt, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols := map[string]*colMeta{}
	for rows.Next() {
		var col, dataType, colType, nullable, charset string
		var maxLen int64
		var prec, scale sql.NullInt64
		if err := rows.Scan(&col, &dataType, &colType, &maxLen, &nullable, &prec, &scale, &charset); err != nil {
			return nil, err
		}
		dataType, colType = strings.ToLower(dataType), strings.ToLower(colType)
		m := classify(e.d.kind, dataType, colType)
		m.null = nullable == "YES"
		if maxLen > 0 && maxLen < math.MaxInt32 {
			m.maxLen = int(maxLen)
		}
		// A decimal's precision and scale; a scale not given (a negative
		// one, which information_schema cannot show) leaves the precision
		// unknown too.
		if m.kind == kindDecimal && prec.Valid && scale.Valid && prec.Int64 > 0 && prec.Int64 <= 1000 && scale.Int64 >= 0 && scale.Int64 <= prec.Int64 {
			m.prec, m.scale = int(prec.Int64), int(scale.Int64)
		}
		if m.kind == kindText {
			m.charset = strings.ToLower(charset)
		}
		if e.d.kind == manifest.SystemMySQL && dataType == "timestamp" {
			m.timeMin, m.timeMax = timestampRange(colType, wide)
		}
		cols[col] = m
	}
	return cols, rows.Err()
}

// wideTimestamp says whether a MySQL server of version, built for compileOS,
// has a TIMESTAMP that reaches 2106-02-07 06:28:15 UTC: MariaDB from 11.5
// on 64-bit systems other than Windows (MDEV-32188). MySQL's ends in 2038.
// A 32-bit build of MariaDB 11.5 or later is taken for a 64-bit one; it
// refuses what does not fit (in strict mode) instead.
func wideTimestamp(version, compileOS string) bool {
	if !strings.Contains(strings.ToLower(version), "mariadb") || strings.HasPrefix(strings.ToLower(compileOS), "win") {
		return false
	}
	var major, minor int
	if _, err := fmt.Sscanf(version, "%d.%d", &major, &minor); err != nil {
		return false
	}
	return major > 11 || major == 11 && minor >= 5
}

// timestampRange is the first and the last time a MySQL TIMESTAMP column
// of type colType ("timestamp", "timestamp(3)") holds: 1970-01-01 00:00:01
// UTC to 2038-01-19 03:14:07 UTC (2106-02-07 06:28:15 UTC when wide), the
// last second up to the fraction the column keeps. A time between the
// last one the column keeps and the next second is refused, though
// MariaDB would cut it off and MySQL round it.
func timestampRange(colType string, wide bool) (lo, hi time.Time) {
	lo = time.Date(1970, 1, 1, 0, 0, 1, 0, time.UTC)
	hi = time.Date(2038, 1, 19, 3, 14, 7, 0, time.UTC)
	if wide {
		hi = time.Date(2106, 2, 7, 6, 28, 15, 0, time.UTC)
	}
	if s := sqliteLen.FindStringSubmatch(colType); s != nil {
		if fsp, _ := strconv.Atoi(s[1]); fsp > 0 && fsp <= 6 {
			hi = hi.Add(time.Second - time.Duration(math.Pow10(9-fsp)))
		}
	}
	return lo, hi
}

var sqliteLen = regexp.MustCompile(`\(\s*(\d+)\s*\)`)

// classify maps a database type to a colKind.
func classify(kind, dataType, colType string) *colMeta {
	m := &colMeta{typ: colType}
	if m.typ == "" {
		m.typ = dataType
	}
	switch kind {
	case manifest.SystemPostgres:
		switch dataType {
		case "text", "character varying", "character", "citext", "name":
			m.kind = kindText
		case "smallint":
			m.kind, m.bits = kindInt, 15
		case "integer":
			m.kind, m.bits = kindInt, 31
		case "bigint":
			m.kind, m.bits = kindInt, 63
		case "real":
			m.kind, m.single = kindFloat, true
		case "double precision":
			m.kind = kindFloat
		case "numeric":
			m.kind = kindDecimal
		case "boolean":
			m.kind = kindBool
		case "date", "timestamp with time zone", "timestamp without time zone":
			m.kind = kindTime
		case "bytea":
			m.kind = kindBytes
		}
	case manifest.SystemMySQL:
		unsigned := strings.Contains(colType, "unsigned")
		m.unsigned = unsigned
		bits := func(n int) int {
			if unsigned {
				return n
			}
			return n - 1
		}
		switch dataType {
		case "char", "varchar", "tinytext", "text", "mediumtext", "longtext":
			m.kind = kindText
		case "tinyint":
			if strings.HasPrefix(colType, "tinyint(1)") {
				m.kind = kindBool
			} else {
				m.kind, m.bits = kindInt, bits(8)
			}
		case "bool", "boolean":
			m.kind = kindBool
		case "smallint":
			m.kind, m.bits = kindInt, bits(16)
		case "mediumint":
			m.kind, m.bits = kindInt, bits(24)
		case "int", "integer":
			m.kind, m.bits = kindInt, bits(32)
		case "bigint":
			m.kind, m.bits = kindInt, 63
		case "float":
			m.kind, m.single = kindFloat, true
		case "double", "real":
			m.kind = kindFloat
		case "decimal", "numeric":
			m.kind = kindDecimal
		case "date", "datetime", "timestamp":
			m.kind = kindTime
		case "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob":
			m.kind = kindBytes
		}
	default:
		// SQLite's type affinity rules, plus the names modernc reads as
		// dates and booleans.
		t := strings.ToUpper(dataType)
		switch {
		case strings.Contains(t, "INT"):
			m.kind, m.bits = kindInt, 63
		case strings.Contains(t, "CHAR"), strings.Contains(t, "CLOB"), strings.Contains(t, "TEXT"):
			m.kind = kindText
			if s := sqliteLen.FindStringSubmatch(t); s != nil {
				m.maxLen, _ = strconv.Atoi(s[1])
			}
		case strings.Contains(t, "BOOL"):
			m.kind = kindBool
		case strings.Contains(t, "DATE"), strings.Contains(t, "TIME"):
			m.kind = kindTime
		case strings.Contains(t, "BLOB"):
			// A column with no declared type is not one of them: it
			// stores what it is given, text as text.
			m.kind = kindBytes
		case strings.Contains(t, "REAL"), strings.Contains(t, "FLOA"), strings.Contains(t, "DOUB"):
			m.kind = kindFloat
		case strings.Contains(t, "DEC"), strings.Contains(t, "NUM"):
			m.kind = kindDecimal
		}
	}
	return m
}

// errNoFit is the error of a value that does not fit a column; it never
// quotes the value. why, if set, says what of it does not.
type errNoFit struct {
	kind colKind
	why  string
}

func (e errNoFit) Error() string {
	s := "the value does not fit the column's type (" + e.kind.String() + ")"
	if e.why != "" {
		s += ": " + e.why
	}
	return s
}

// decimalRE is a decimal number as PostgreSQL, MySQL and SQLite all read
// it: no hexadecimal, no digit separators, no NaN or infinity, an
// exponent of at most four digits.
var decimalRE = regexp.MustCompile(`^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]{1,4})?$`)

// convert turns v (a string from a manifest or a request, or a value
// decoded from JSON) into what the driver binds for a column of m. It
// refuses what the database would: an integer out of the column's range,
// a number with more digits before the point than a decimal column
// holds, NaN or an infinity, a negative number in an unsigned column,
// text with a NUL character or that is not UTF-8 (the length of text is
// for the caller to check).
func convert(m *colMeta, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	fail := errNoFit{kind: m.kind}
	switch m.kind {
	case kindText:
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case []byte:
			s = string(x)
		case int, int32, int64:
			s = fmt.Sprint(x)
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fail
			}
			s = strconv.FormatFloat(x, 'f', -1, 64)
		case bool:
			s = strconv.FormatBool(x)
		default:
			return nil, fail
		}
		if err := textFits(m, s); err != nil {
			return nil, err
		}
		return s, nil
	case kindInt:
		var n int64
		switch x := v.(type) {
		case string:
			var err error
			if n, err = strconv.ParseInt(strings.TrimSpace(x), 10, 64); err != nil {
				if errors.Is(err, strconv.ErrRange) {
					return nil, intRange(m)
				}
				return nil, fail
			}
		case int:
			n = int64(x)
		case int32:
			n = int64(x)
		case int64:
			n = x
		case float64:
			if x != math.Trunc(x) || math.IsInf(x, 0) {
				return nil, fail
			}
			if math.Abs(x) > 1<<53 {
				return nil, intRange(m)
			}
			n = int64(x)
		case bool:
			if x {
				n = 1
			}
		default:
			return nil, fail
		}
		if !intFits(m, n) {
			return nil, intRange(m)
		}
		return n, nil
	case kindFloat:
		var f float64
		switch x := v.(type) {
		case string:
			var err error
			if f, err = strconv.ParseFloat(strings.TrimSpace(x), 64); err != nil {
				if errors.Is(err, strconv.ErrRange) {
					return nil, errNoFit{m.kind, "the number is out of the column's range"}
				}
				return nil, fail
			}
		case int:
			f = float64(x)
		case int64:
			f = float64(x)
		case float64:
			f = x
		default:
			return nil, fail
		}
		switch {
		case math.IsNaN(f) || math.IsInf(f, 0):
			return nil, errNoFit{m.kind, "not a finite number"}
		case m.unsigned && f < 0:
			return nil, errNoFit{m.kind, "the column holds no negative number"}
		case m.single && (math.Abs(f) > math.MaxFloat32 || f != 0 && float32(f) == 0):
			return nil, errNoFit{m.kind, "the number is out of the column's range (single precision)"}
		}
		return f, nil
	case kindDecimal:
		var s string
		switch x := v.(type) {
		case string:
			s = strings.TrimSpace(x)
		case int, int64:
			s = fmt.Sprint(x)
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, errNoFit{m.kind, "not a finite number"}
			}
			s = strconv.FormatFloat(x, 'f', -1, 64)
		default:
			return nil, fail
		}
		if !decimalRE.MatchString(s) {
			if f, err := strconv.ParseFloat(s, 64); (err == nil || errors.Is(err, strconv.ErrRange)) && (math.IsNaN(f) || math.IsInf(f, 0)) {
				return nil, errNoFit{m.kind, "not a finite number"}
			}
			return nil, fail
		}
		if err := decimalFits(m, s); err != nil {
			return nil, err
		}
		return s, nil
	case kindBool:
		switch x := v.(type) {
		case string:
			b, err := strconv.ParseBool(strings.TrimSpace(x))
			if err != nil {
				return nil, fail
			}
			return b, nil
		case bool:
			return x, nil
		case int64:
			return x != 0, nil
		case float64:
			return x != 0, nil
		}
	case kindTime:
		switch x := v.(type) {
		case string:
			s := strings.TrimSpace(x)
			for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02"} {
				if t, err := time.Parse(layout, s); err == nil {
					return timeFits(m, t)
				}
			}
			return nil, fail
		case time.Time:
			return timeFits(m, x)
		}
	case kindBytes:
		switch x := v.(type) {
		case string:
			return []byte(x), nil
		case []byte:
			return x, nil
		}
	default:
		switch x := v.(type) {
		case string:
			// A type the engine does not know (an enum, a UUID, JSON)
			// reads text: it never holds a NUL.
			if strings.IndexByte(x, 0) >= 0 {
				return nil, errNoFit{m.kind, "the text holds a NUL character"}
			}
			return x, nil
		case int64, float64, bool, []byte, time.Time:
			return x, nil
		}
	}
	return nil, fail
}

// textFits says why text s does not fit a text column of m, or nil:
// PostgreSQL refuses a NUL character and a string not UTF-8 (SQLSTATE
// 22021), MySQL the latter in a utf8mb4 column, and a character beyond
// the Basic Multilingual Plane (4 bytes in UTF-8: an emoji, many CJK
// ideographs) in a utf8mb3 or ucs2 column (error 1366 in strict mode; out
// of it, the text is cut off there).
func textFits(m *colMeta, s string) error {
	if strings.IndexByte(s, 0) >= 0 {
		return errNoFit{m.kind, "the text holds a NUL character"}
	}
	if !utf8.ValidString(s) {
		return errNoFit{m.kind, "the text is not valid UTF-8"}
	}
	switch m.charset {
	case "utf8", "utf8mb3", "ucs2":
		for _, r := range s {
			if r > 0xFFFF {
				return errNoFit{m.kind, "the text holds a character the column's character set " + m.charset + " cannot store (4 bytes in UTF-8, such as an emoji)"}
			}
		}
	}
	return nil
}

// timeFits returns t, or why it does not fit a date/time column of m:
// MySQL's TIMESTAMP holds only its range (error 1292 in strict mode; out
// of it, the zero date). The range is compared in UTC, as the driver
// sends times (its loc) and as the server reads them when its time_zone
// is UTC.
func timeFits(m *colMeta, t time.Time) (any, error) {
	if !m.timeMin.IsZero() && (t.Before(m.timeMin) || t.After(m.timeMax)) {
		const layout = "2006-01-02 15:04:05"
		return nil, errNoFit{m.kind, fmt.Sprintf("the time is outside the range of a TIMESTAMP column, %s to %s UTC",
			m.timeMin.Format(layout), m.timeMax.Format(layout))}
	}
	return t, nil
}

// intFits says whether n is in the range of an integer column of m.
func intFits(m *colMeta, n int64) bool {
	if m.unsigned && n < 0 {
		return false
	}
	if m.bits <= 0 || m.bits >= 63 {
		return true
	}
	return n <= 1<<m.bits-1 && (m.unsigned || n >= -(1<<m.bits))
}

// intRange is the error of an integer out of the range of a column of m;
// it gives the range.
func intRange(m *colMeta) error {
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	if m.bits > 0 && m.bits < 63 {
		lo, hi = -(1 << m.bits), 1<<m.bits-1
	}
	if m.unsigned {
		lo = 0
	}
	return errNoFit{m.kind, fmt.Sprintf("the number is out of the column's range, %d to %d", lo, hi)}
}

// decimalFits says why the decimal number s (decimalRE) does not fit a
// decimal column of m, or nil. PostgreSQL and MySQL round the digits
// after the point to the column's scale, half away from zero, and refuse
// a number with more digits before the point than the precision leaves
// (NUMERIC(5,2): 999.994 is 999.99, 999.995 is 1000.00, too wide).
func decimalFits(m *colMeta, s string) error {
	if m.prec <= 0 && !m.unsigned {
		return nil
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return errNoFit{kind: m.kind}
	}
	neg := r.Sign() < 0
	if m.prec <= 0 {
		if neg {
			return errNoFit{m.kind, "the column holds no negative number"}
		}
		return nil
	}
	pow := func(n int) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil) }
	r.Abs(r)
	r.Mul(r, new(big.Rat).SetInt(pow(m.scale)))
	r.Add(r, big.NewRat(1, 2))
	n := new(big.Int).Quo(r.Num(), r.Denom()) // rounded, in units of the scale
	if neg && m.unsigned && n.Sign() != 0 {
		return errNoFit{m.kind, "the column holds no negative number"}
	}
	if n.Cmp(pow(m.prec)) >= 0 {
		return errNoFit{m.kind, fmt.Sprintf("the number, rounded to %d digits after the point, has more than %d before it (precision %d, scale %d)", m.scale, m.prec-m.scale, m.prec, m.scale)}
	}
	return nil
}

// scanned normalises a value read from a column of m: text the driver
// gives as bytes (MySQL) becomes a string, so that it binds back as text
// and compares as such.
func scanned(m *colMeta, v any) any {
	if b, ok := v.([]byte); ok && m.kind != kindBytes {
		return string(b)
	}
	if b, ok := v.([]byte); ok {
		return append([]byte(nil), b...)
	}
	return v
}

// jsonValue turns a value read from a column of m into one that encodes
// as JSON plainly: times in RFC 3339, binary in base64, booleans stored as
// integers as booleans.
func jsonValue(m *colMeta, v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case []byte:
		if m.kind == kindBytes {
			return base64.StdEncoding.EncodeToString(x)
		}
		return string(x)
	case time.Time:
		return x.Format(time.RFC3339Nano)
	case int64:
		if m.kind == kindBool {
			return x != 0
		}
		return x
	case string, float64, bool:
		return x
	case int32:
		return int64(x)
	case int:
		return int64(x)
	case float32:
		return float64(x)
	}
	return fmt.Sprint(v)
}
