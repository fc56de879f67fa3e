package secret_test

import (
	"context"
	"testing"

	"github.com/vigil-dev/vigil/catalog"
	"github.com/vigil-dev/vigil/check"
	"github.com/vigil-dev/vigil/check/secret"
	"github.com/vigil-dev/vigil/image"
	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/layercache"
	"github.com/vigil-dev/vigil/layerfs"
	"github.com/vigil-dev/vigil/scan"
)

// secretCataloger adds the secret filter to a scan's matcher, the way the
// lead wires it into scan.InventoryImage, and runs Check on the merged
// file system it is given. It finds no packages.
type secretCataloger struct {
	opts     secret.Options
	layers   []inventory.Layer
	findings []check.Finding
	fsys     *layerfs.FS
}

func (c *secretCataloger) Name() string              { return "secret" }
func (c *secretCataloger) Patterns() []string        { return secret.Patterns }
func (c *secretCataloger) Filters() []layerfs.Filter { return []layerfs.Filter{secret.Filter(c.opts)} }
func (c *secretCataloger) Catalog(_ context.Context, fsys *layerfs.FS, _ *catalog.Env) ([]inventory.Package, error) {
	c.fsys = fsys
	c.findings = secret.Check(fsys, c.layers, c.opts)
	return nil, nil
}

// scanImage scans source with the default catalogers and the secret
// filter, last; it returns the inventory and the secret findings.
func scanImage(t testing.TB, source string, cache *layercache.Cache, opts secret.Options) (*inventory.Inventory, *secretCataloger) {
	t.Helper()
	ctx := context.Background()
	img, err := image.Open(ctx, source, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	sc := &secretCataloger{opts: opts, layers: img.Layers}
	cats := append(scan.DefaultCatalogers(t.TempDir()), sc)
	inv, err := scan.InventoryImage(ctx, img, scan.Options{Catalogers: cats, Cache: cache})
	if err != nil {
		t.Fatal(err)
	}
	return inv, sc
}
