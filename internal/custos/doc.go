// Package custos holds the domain of Custos: the types that flow between the
// doors (HTTP, CLI) and the stores, their error codes, and the interfaces the
// storage adapters implement. It imports no driver and no net/http; a test in
// this package fails the build if it ever does.
package custos
