package declaration

import (
	"encoding/csv"
	"io"
)

// WriteCSV writes the table as CSV (RFC 4180, CRLF line ends) in UTF-8: a
// header row, then one record per cookie. It starts with a byte order mark, without which
// Excel, where most people open a CSV, reads UTF-8 as Windows-1252 and
// mangles every accent; the JSON form is there for programs.
func (d *Declaration) WriteCSV(w io.Writer) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	cw.Write(d.Header())
	cw.WriteAll(d.Records()) // flushes
	return cw.Error()
}
