package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/custos-privacy/custos/internal/custos"
)

// readJSON reads the body of r into a byte slice, enforcing the content
// type and the size limit; decodeJSON then decodes it strictly. They are
// separate because the Idempotency-Key check hashes the raw body.
func (s *Server) readJSON(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return nil, &custos.Error{Code: custos.EMEDIATYPE, Message: "the body must be sent as application/json",
			Fields: []custos.FieldError{{Field: "Content-Type", Message: "must be application/json"}}}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, &custos.Error{Code: custos.ETOOLARGE, Message: fmt.Sprintf("the body is larger than %d bytes", tooLarge.Limit),
				Fields: []custos.FieldError{{Field: "body", Message: "too large"}}}
		}
		return nil, &custos.Error{Code: badRequest, Message: "the body could not be read", Err: err}
	}
	return body, nil
}

// decodeJSON decodes body into v, refusing unknown fields, trailing data
// and invalid UTF-8. Errors name the field but never quote the input.
func decodeJSON(body []byte, v any) error {
	malformed := func(msg string) error {
		return &custos.Error{Code: badRequest, Message: "the body is not valid JSON for this endpoint",
			Fields: []custos.FieldError{{Field: "body", Message: msg}}}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return malformed("is empty")
	}
	if !utf8.Valid(body) {
		return malformed("is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var (
			syntax *json.SyntaxError
			typ    *json.UnmarshalTypeError
		)
		switch {
		case errors.As(err, &syntax):
			return malformed(fmt.Sprintf("has a syntax error at byte %d", syntax.Offset))
		case errors.As(err, &typ):
			field := typ.Field
			if field == "" {
				field = "body"
			} else if typ.Type.Kind() != reflect.Map {
				// For a value inside a map, encoding/json names only the map;
				// find the entries of the wrong kind so the error names them.
				if keys := wrongEntries(body, field, typ.Type); len(keys) > 0 {
					fs := make([]custos.FieldError, len(keys))
					for i, k := range keys {
						fs[i] = custos.FieldError{Field: field + "." + k, Message: "must be " + jsonKind(typ.Type.Kind().String())}
					}
					return custos.Invalid(fs...)
				}
			}
			return custos.Invalid(custos.FieldError{Field: field, Message: "must be " + jsonKind(typ.Type.Kind().String())})
		case errors.Is(err, io.ErrUnexpectedEOF):
			return malformed("ends too early")
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			name, uerr := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
			if uerr != nil {
				name = "body"
			}
			return custos.Invalid(custos.FieldError{Field: custos.FieldName(name), Message: "is not a known field"})
		default:
			return malformed("could not be decoded")
		}
	}
	if dec.More() {
		return malformed("has data after the JSON value")
	}
	return nil
}

// wrongEntries returns the keys of the object at the dotted path whose
// values cannot hold a want, or nil if the path is not an object.
func wrongEntries(body []byte, path string, want reflect.Type) []string {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return nil
	}
	for _, p := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	var keys []string
	for k, e := range m {
		if e == nil || json.Unmarshal(mustMarshal(e), reflect.New(want).Interface()) != nil {
			keys = append(keys, custos.FieldName(k))
		}
	}
	sort.Strings(keys)
	return keys
}

func mustMarshal(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "map", "struct":
		return "an object"
	case "slice", "array":
		return "an array"
	case "int", "int64", "float64":
		return "a number"
	}
	return "of another type"
}
