package secret_test

import (
	"context"
	"testing"

	"github.com/vigil-dev/vigil/catalog"
	"github.com/vigil-dev/vigil/catalog/rust"
	"github.com/vigil-dev/vigil/image"
	"github.com/vigil-dev/vigil/internal/testimage"
	"github.com/vigil-dev/vigil/scan"
)

// TestCatalogersReadReducedFiles: catalogers list fsys.Matched() and pick
// their files by their own patterns, so a text file holding a secret in a
// place where the executable filter (Go, Rust) or the Java filter looks
// reaches them as the secret filter's encoded matches. None of them makes
// a package of it; the Java cataloger warns that such a file (a text file
// named .jar) is not a zip archive, which it is not.
func TestCatalogersReadReducedFiles(t *testing.T) {
	tok := githubToken("p", true)
	body := "#!/bin/sh\nexport GH_TOKEN=" + tok + "\n"
	layers := [][]byte{testimage.LayerTar(
		file("usr/bin/deploy", body), file("app/run", body), file("usr/local/cargo/bin/tool", body),
		file("app/lib/notes.jar", "GH_TOKEN="+tok+"\n"),
	)}
	archive := testimage.WriteDockerArchive(t, testimage.Image(t, layers, nil), "vigil-test/secret-cats:1")
	ctx := context.Background()
	img, err := image.Open(ctx, "docker-archive:"+archive, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	sc := &secretCataloger{}
	cats := []catalog.Cataloger{rust.New()}
	cats = append(append(cats, scan.DefaultCatalogers(t.TempDir())...), sc)
	inv, err := scan.InventoryImage(ctx, img, scan.Options{Catalogers: cats})
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.findings) != 4 {
		t.Errorf("%d findings, want 4: %v", len(sc.findings), describe(sc.findings))
	}
	if len(inv.Packages) != 0 {
		t.Errorf("packages made of secret matches: %+v", inv.Packages)
	}
	if len(inv.Warnings) != 1 || inv.Warnings[0].Path != "/app/lib/notes.jar" {
		t.Errorf("warnings %+v, want the Java cataloger's about /app/lib/notes.jar", inv.Warnings)
	}
}
