package scan_test

import (
	"context"
	"testing"

	"github.com/vigil-dev/vigil/catalog"
	"github.com/vigil-dev/vigil/image"
	"github.com/vigil-dev/vigil/internal/testenv"
	"github.com/vigil-dev/vigil/layercache"
	"github.com/vigil-dev/vigil/scan"
)

// BenchmarkBookworm measures a scan of the real bookworm image from each
// source, without a cache (cold) and with a populated one (warm). The
// bench/sbom.sh script measures the CLI end to end against the floor of
// reading each layer once.
func BenchmarkBookworm(b *testing.B) {
	srcs := map[string]string{}
	for kind, env := range map[string]string{
		"docker-archive": "VIGIL_TEST_ARCHIVE", "oci": "VIGIL_TEST_OCI", "oci-archive": "VIGIL_TEST_OCI_ARCHIVE",
		"registry": "VIGIL_TEST_REGISTRY_REF", "docker": "VIGIL_TEST_DOCKER_REF", "dir": "VIGIL_TEST_ROOTFS",
	} {
		srcs[kind] = kind + ":" + testenv.Get(b, env)
	}
	ctx := context.Background()
	for _, kind := range []string{"docker-archive", "oci", "oci-archive", "registry", "docker", "dir"} {
		b.Run(kind+"/cold", func(b *testing.B) {
			for b.Loop() {
				if _, err := scan.Inventory(ctx, srcs[kind], scan.Options{Image: image.Options{Insecure: true}}); err != nil {
					b.Fatal(err)
				}
			}
		})
		if kind == "dir" {
			continue
		}
		b.Run(kind+"/warm", func(b *testing.B) {
			c, err := layercache.Open(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			opts := scan.Options{Image: image.Options{Insecure: true}, Cache: c}
			if _, err := scan.Inventory(ctx, srcs[kind], opts); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := scan.Inventory(ctx, srcs[kind], opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCatalogers measures what the language catalogers add to a cold
// scan of the bookworm image (issue 3 sets a 20% budget): "os" runs the
// dpkg, apk and rpm catalogers only, "all" the default set.
func BenchmarkCatalogers(b *testing.B) {
	src := "docker-archive:" + testenv.Get(b, "VIGIL_TEST_ARCHIVE")
	all := scan.DefaultCatalogers(b.TempDir())
	var osOnly []catalog.Cataloger
	for _, c := range all {
		switch c.Name() {
		case "dpkg", "apk", "rpm":
			osOnly = append(osOnly, c)
		}
	}
	for _, set := range []struct {
		name string
		cats []catalog.Cataloger
	}{{"os", osOnly}, {"all", all}} {
		b.Run(set.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := scan.Inventory(context.Background(), src, scan.Options{Catalogers: set.cats}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
