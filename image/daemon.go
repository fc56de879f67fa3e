package image

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/daemon"
	"github.com/moby/moby/client"
)

// openDaemon reads an image from the local Docker Engine through its API
// socket (DOCKER_HOST, or Options.DockerHost).
//
// The configuration comes from the image inspection, which costs nothing;
// the Engine only hands out layers as one `docker save` stream, so layers
// are read in a single pass over that stream, picked out by their diffIDs
// (the Engine stores layers uncompressed and names their blobs by digest).
// When every layer is already cached the stream is never requested.
func openDaemon(ctx context.Context, ref string, opts Options) (*Image, error) {
	r, err := name.ParseReference(ref)
	if err != nil {
		return nil, fmt.Errorf("invalid image reference: %w", err)
	}
	copts := []client.Opt{client.FromEnv}
	if opts.DockerHost != "" {
		copts = append(copts, client.WithHost(opts.DockerHost))
	}
	c, err := client.New(copts...)
	if err != nil {
		return nil, fmt.Errorf("failed to create a Docker client: %w", err)
	}
	inspect, err := c.ImageInspect(ctx, ref)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("failed to inspect the image in the Docker Engine: %w", err)
	}
	dimg, err := daemon.Image(r, daemon.WithClient(c), daemon.WithContext(ctx), daemon.WithUnbufferedOpener())
	if err != nil {
		c.Close()
		return nil, err
	}
	cfg, err := dimg.ConfigFile()
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("failed to read the image configuration: %w", err)
	}
	// The Engine's history API lists the newest entry first; the image
	// configuration lists the oldest first.
	cfg = cfg.DeepCopy()
	slices.Reverse(cfg.History)
	layers, err := layersFromConfig(cfg, nil)
	if err != nil {
		c.Close()
		return nil, err
	}
	src := newSource(ref, "", inspect.ID, cfg)
	for _, d := range inspect.RepoDigests {
		if _, dg, ok := strings.Cut(d, "@"); ok {
			src.ManifestDigest = dg
			break
		}
	}
	img := &Image{Source: src, Config: cfg, Layers: layers, closers: []func() error{c.Close}}
	img.streamAll = func(ctx context.Context, want map[int]bool, fn func(i int, blob io.Reader) error) error {
		byDiffID := map[string]int{}
		for i := range want {
			byDiffID[strings.TrimPrefix(layers[i].DiffID, "sha256:")] = i
		}
		rc, err := c.ImageSave(ctx, []string{inspect.ID})
		if err != nil {
			return fmt.Errorf("failed to save the image from the Docker Engine: %w", err)
		}
		defer rc.Close()
		tr := tar.NewReader(rc)
		for len(byDiffID) > 0 {
			hdr, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return fmt.Errorf("failed to read the Docker Engine's image stream: %w", err)
			}
			if hdr.Typeflag != tar.TypeReg {
				continue
			}
			// Docker 25 and later name layer blobs by digest
			// (blobs/sha256/<diffID hex>); older engines write
			// <v1 id>/layer.tar, which can only be identified by the
			// diffID of its content: pass those as Unidentified.
			base := path.Base(hdr.Name)
			if i, ok := byDiffID[base]; ok {
				delete(byDiffID, base)
				if err := fn(i, tr); err != nil {
					return err
				}
			} else if base == "layer.tar" {
				if err := fn(Unidentified, tr); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return img, nil
}
