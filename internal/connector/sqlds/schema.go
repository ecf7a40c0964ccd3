package sqlds

import (
	"context"
	"encoding/base64"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

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
	kind   colKind
	typ    string // the database's name of the type
	maxLen int    // characters a text column holds; 0: no limit known
	bits   int    // value bits of a signed integer column
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
// column masked by a hash that can hold one). What is missing is named in
// a *CheckError.
func (e *Engine) Check(ctx context.Context) error {
	schema, err := e.loadSchema(ctx)
	if err != nil {
		return err
	}
	var problems []string
	for _, t := range e.tables {
		cols := schema[t.name]
		if len(cols) == 0 {
			problems = append(problems, fmt.Sprintf("table %s does not exist (or the connection may not see it)", t.name))
			continue
		}
		missing := false
		for _, c := range t.need {
			if cols[c] == nil {
				problems = append(problems, fmt.Sprintf("column %s.%s does not exist", t.name, c))
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
				problems = append(problems, fmt.Sprintf("column %s.%s is a restriction column but holds %s, not boolean", t.name, rc, cols[rc].typ))
			}
		}
		for _, c := range t.m.Columns {
			if c.Erase == nil {
				continue
			}
			m := cols[c.Name]
			switch c.Erase.Action {
			case manifest.EraseHash:
				if m.kind != kindText {
					problems = append(problems, fmt.Sprintf("column %s.%s is masked by a hash but holds %s, not text", t.name, c.Name, m.typ))
				} else if m.maxLen > 0 && m.maxLen < hashMinLen {
					problems = append(problems, fmt.Sprintf("column %s.%s is masked by a hash but holds %d characters, fewer than %d", t.name, c.Name, m.maxLen, hashMinLen))
				}
			case manifest.EraseFixed:
				if _, err := convert(m, c.Erase.Value); err != nil {
					problems = append(problems, fmt.Sprintf("column %s.%s: the fixed erase value does not fit its type %s", t.name, c.Name, m.typ))
				} else if m.kind == kindText && m.maxLen > 0 && len([]rune(c.Erase.Value)) > m.maxLen {
					problems = append(problems, fmt.Sprintf("column %s.%s: the fixed erase value is longer than the column's %d characters", t.name, c.Name, m.maxLen))
				}
			}
		}
		// Reading the columns proves the connection may.
		q := &query{d: e.d}
		q.add("SELECT ", e.d.quoteAll(t.need), " FROM ", e.d.quote(t.name), e.d.limit(0))
		rows, err := e.db.QueryContext(ctx, q.String())
		if err != nil {
			problems = append(problems, fmt.Sprintf("table %s cannot be read: %s", t.name, describe(err)))
			continue
		}
		rows.Close()
	}
	if len(problems) > 0 {
		return &CheckError{Problems: problems}
	}
	e.mu.Lock()
	e.schema = schema
	e.mu.Unlock()
	return nil
}

// columns returns the checked schema, checking it the first time.
func (e *Engine) columns(ctx context.Context) (map[string]map[string]*colMeta, error) {
	e.mu.Lock()
	s := e.schema
	e.mu.Unlock()
	if s != nil {
		return s, nil
	}
	if err := e.Check(ctx); err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
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
	schema := map[string]map[string]*colMeta{}
	for _, t := range e.tables {
		cols, err := e.loadTable(ctx, t.name)
		if err != nil {
			return nil, dbErr("check", t.name, err)
		}
		schema[t.name] = cols
	}
	return schema, nil
}

func (e *Engine) loadTable(ctx context.Context, name string) (map[string]*colMeta, error) {
	var sch any
	if s, n, ok := strings.Cut(name, "."); ok {
		sch, name = s, n
	}
	var stmt string
	var args []any
	switch e.d.kind {
	case manifest.SystemPostgres:
		stmt = `SELECT column_name, data_type, data_type, COALESCE(character_maximum_length, 0)
			FROM information_schema.columns
			WHERE table_schema = COALESCE($1::text, current_schema()) AND table_name = $2`
		args = []any{sch, name}
	case manifest.SystemMySQL:
		stmt = `SELECT column_name, data_type, column_type, COALESCE(character_maximum_length, 0)
			FROM information_schema.columns
			WHERE table_schema = COALESCE(?, DATABASE()) AND table_name = ?`
		args = []any{sch, name}
	default:
		if sch == nil {
			sch = "main"
		}
		stmt = `SELECT name, type, type, 0 FROM pragma_table_info(?, ?)`
		args = []any{name, sch}
	}
	rows, err := e.db.QueryContext(ctx, stmt, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols := map[string]*colMeta{}
	for rows.Next() {
		var col, dataType, colType string
		var maxLen int64
		if err := rows.Scan(&col, &dataType, &colType, &maxLen); err != nil {
			return nil, err
		}
		m := classify(e.d.kind, strings.ToLower(dataType), strings.ToLower(colType))
		if maxLen > 0 && maxLen < math.MaxInt32 {
			m.maxLen = int(maxLen)
		}
		cols[col] = m
	}
	return cols, rows.Err()
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
		case "real", "double precision":
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
		case "float", "double", "real":
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
		case t == "" || strings.Contains(t, "BLOB"):
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
// quotes the value.
type errNoFit struct{ kind colKind }

func (e errNoFit) Error() string {
	return "the value does not fit the column's type (" + e.kind.String() + ")"
}

// convert turns v (a string from a manifest or a request, or a value
// decoded from JSON) into what the driver binds for a column of m.
func convert(m *colMeta, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	fail := errNoFit{m.kind}
	switch m.kind {
	case kindText:
		switch x := v.(type) {
		case string:
			return x, nil
		case []byte:
			return string(x), nil
		case int, int32, int64:
			return fmt.Sprint(x), nil
		case float64:
			return strconv.FormatFloat(x, 'f', -1, 64), nil
		case bool:
			return strconv.FormatBool(x), nil
		}
	case kindInt:
		switch x := v.(type) {
		case string:
			n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
			if err != nil {
				return nil, fail
			}
			return n, nil
		case int:
			return int64(x), nil
		case int32:
			return int64(x), nil
		case int64:
			return x, nil
		case float64:
			if x != math.Trunc(x) || math.Abs(x) > 1<<53 {
				return nil, fail
			}
			return int64(x), nil
		case bool:
			if x {
				return int64(1), nil
			}
			return int64(0), nil
		}
	case kindFloat:
		switch x := v.(type) {
		case string:
			f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
			if err != nil {
				return nil, fail
			}
			return f, nil
		case int:
			return float64(x), nil
		case int64:
			return float64(x), nil
		case float64:
			return x, nil
		}
	case kindDecimal:
		switch x := v.(type) {
		case string:
			s := strings.TrimSpace(x)
			if _, err := strconv.ParseFloat(s, 64); err != nil {
				return nil, fail
			}
			return s, nil
		case int, int64:
			return fmt.Sprint(x), nil
		case float64:
			return strconv.FormatFloat(x, 'f', -1, 64), nil
		}
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
					return t, nil
				}
			}
			return nil, fail
		case time.Time:
			return x, nil
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
		case string, int64, float64, bool, []byte, time.Time:
			return x, nil
		}
	}
	return nil, fail
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
