package java

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/magiconair/properties"
	"golang.org/x/text/encoding/ianaindex"
)

// PomProperties are the Maven coordinates that maven-archiver (and the
// Gradle and bundle plugins) write to META-INF/maven/<groupId>/<artifactId>/pom.properties.
type PomProperties struct {
	GroupID    string
	ArtifactID string
	Version    string
}

// ParsePomProperties reads a pom.properties file: a Java properties file
// (java.util.Properties syntax: "=", ":" or blanks as separators, escapes,
// continuation lines), parsed by github.com/magiconair/properties with
// ${...} expansion off, since its values are literal.
func ParsePomProperties(data []byte) (PomProperties, error) {
	l := properties.Loader{Encoding: properties.UTF8, DisableExpansion: true}
	p, err := l.LoadBytes(data)
	if err != nil {
		return PomProperties{}, fmt.Errorf("malformed pom.properties: %w", err)
	}
	get := func(k string) string { return strings.TrimSpace(p.GetString(k, "")) }
	return PomProperties{GroupID: get("groupId"), ArtifactID: get("artifactId"), Version: get("version")}, nil
}

// pomProject is the part of a pom.xml the cataloger reads: the declared
// licenses. Field tags carry no namespace, so that a POM with or without
// the POM 4.0.0 namespace decodes alike.
type pomProject struct {
	Licenses []struct {
		Name string `xml:"name"`
		URL  string `xml:"url"`
	} `xml:"licenses>license"`
}

// pomLicenses returns the licenses a pom.xml declares, by name (or URL
// when a license has no name), with encoding/xml: it neither fetches
// external entities nor expands custom ones, so a hostile POM costs only
// its size.
func pomLicenses(data []byte) ([]string, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.CharsetReader = charsetReader
	var p pomProject
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("malformed pom.xml: %w", err)
	}
	var out []string
	for _, l := range p.Licenses {
		name := strings.Join(strings.Fields(l.Name), " ")
		if name == "" {
			name = strings.TrimSpace(l.URL)
		}
		if name != "" {
			out = append(out, name)
		}
	}
	return out, nil
}

// charsetReader decodes the encodings a POM may declare (ISO-8859-1 is
// common in old ones) through golang.org/x/text.
func charsetReader(label string, r io.Reader) (io.Reader, error) {
	enc, err := ianaindex.IANA.Encoding(label)
	if err != nil || enc == nil {
		return nil, fmt.Errorf("unsupported encoding %q", label)
	}
	return enc.NewDecoder().Reader(r), nil
}
