package image

import (
	"context"
	"fmt"
	"io"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// openRegistry reads an image from a registry with go-containerregistry:
// credentials come from the Docker config and its credential helpers, an
// index is resolved to the wanted platform, and blobs are verified against
// their digests as they stream.
func openRegistry(ctx context.Context, ref string, opts Options) (*Image, error) {
	var nameOpts []name.Option
	if opts.Insecure {
		nameOpts = append(nameOpts, name.Insecure)
	}
	r, err := name.ParseReference(ref, nameOpts...)
	if err != nil {
		return nil, fmt.Errorf("invalid image reference: %w", err)
	}
	plat, err := opts.platform()
	if err != nil {
		return nil, err
	}
	kc := opts.Keychain
	if kc == nil {
		kc = authn.DefaultKeychain
	}
	ropts := []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(kc), remote.WithPlatform(*plat)}
	desc, err := remote.Get(r, ropts...)
	if err != nil {
		return nil, err
	}
	img, err := desc.Image()
	if err != nil {
		return nil, fmt.Errorf("failed to resolve %s for platform %s: %w", r, plat, err)
	}
	digest, err := img.Digest()
	if err != nil {
		return nil, err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("failed to read the image configuration: %w", err)
	}
	configName, err := img.ConfigName()
	if err != nil {
		return nil, err
	}
	m, err := img.Manifest()
	if err != nil {
		return nil, err
	}
	layers, err := layersFromConfig(cfg, m.Layers)
	if err != nil {
		return nil, err
	}
	return &Image{
		Source: newSource(r.String(), digest.String(), configName.String(), cfg),
		Config: cfg,
		Layers: layers,
		open: func(ctx context.Context, i int) (io.ReadCloser, error) {
			l, err := remote.Layer(r.Context().Digest(m.Layers[i].Digest.String()), append(ropts, remote.WithContext(ctx))...)
			if err != nil {
				return nil, err
			}
			// Compressed returns the blob as stored, checked against its
			// digest as it is read.
			return l.Compressed()
		},
	}, nil
}
