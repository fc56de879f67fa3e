// Command goapp is a fixture: a Go program built with old versions of real
// modules (golang.org/x/text v0.3.7, golang.org/x/net v0.17.0), so that the
// binary's build info lists modules that have published advisories.
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/google/uuid"
	"golang.org/x/net/html"
	"golang.org/x/text/language"
)

func main() {
	tag, err := language.Parse("en-US")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	doc, err := html.Parse(strings.NewReader("<p>hello</p>"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(tag, doc.FirstChild != nil, uuid.NewString())
}
