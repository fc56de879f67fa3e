package secret_test

import (
	"context"
	"testing"

	"github.com/vigil-dev/vigil/catalog"
	"github.com/vigil-dev/vigil/check/secret"
	"github.com/vigil-dev/vigil/image"
	"github.com/vigil-dev/vigil/internal/testenv"
	"github.com/vigil-dev/vigil/scan"
)

// BenchmarkBookworm measures a cold scan of the bookworm image with the
// default catalogers ("sbom") and with the secret filter and Check added
// ("sbom+secret"); issue 5 allows config and secret scanning +30%.
func BenchmarkBookworm(b *testing.B) {
	src := "docker-archive:" + testenv.Get(b, "VIGIL_TEST_ARCHIVE")
	ctx := context.Background()
	for _, withSecret := range []bool{false, true} {
		name := "sbom"
		if withSecret {
			name += "+secret"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				img, err := image.Open(ctx, src, image.Options{})
				if err != nil {
					b.Fatal(err)
				}
				cats := scan.DefaultCatalogers(b.TempDir())
				sc := &secretCataloger{layers: img.Layers}
				if withSecret {
					cats = append(cats, catalog.Cataloger(sc))
				}
				if _, err := scan.InventoryImage(ctx, img, scan.Options{Catalogers: cats}); err != nil {
					b.Fatal(err)
				}
				img.Close()
				if withSecret && len(sc.findings) != 0 {
					b.Fatal("findings in bookworm")
				}
			}
		})
	}
}

// BenchmarkScanBytes measures the rules on a text that holds keywords on
// many lines but no secret: the common case of configuration files.
func BenchmarkScanBytes(b *testing.B) {
	var data []byte
	for i := range 20000 {
		data = append(data, "# line with a password_file = /run/secrets/db and token_url setting "...)
		data = append(data, byte('0'+i%10), '\n')
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		secret.ScanBytes("/etc/app.conf", data, secret.Options{MaxFileSize: 8 << 20})
	}
}
