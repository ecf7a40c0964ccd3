//go:build ignore

// gen writes banner.min.js from the sources in assets/. Run it with
// go generate ./internal/banner after changing them.
package main

import (
	"log"
	"os"

	"github.com/custos-privacy/custos/internal/banner/build"
)

func main() {
	js, err := build.Build("assets")
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("assets/banner.min.js", js, 0o644); err != nil {
		log.Fatal(err)
	}
}
