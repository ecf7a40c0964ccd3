package manifest

// RequestTypes exports the request types for the external tests.
var RequestTypes = requestTypes
