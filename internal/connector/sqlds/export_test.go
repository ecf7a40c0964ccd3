package sqlds

// WideTimestamp is wideTimestamp, for the tests that must know the range
// of the server's TIMESTAMP columns.
var WideTimestamp = wideTimestamp
