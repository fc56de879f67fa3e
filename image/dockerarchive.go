package image

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// openDockerArchive reads `docker save` output. ref is FILE or FILE:TAG.
// go-containerregistry parses manifest.json (tarball.LoadManifest); the
// layer blobs are then read in place from the archive, compressed or not,
// instead of through tarball.Image, which would re-compress uncompressed
// layers to serve them as blobs.
func openDockerArchive(ref string) (*Image, error) {
	file, tag := splitPathTag(ref)
	idx, err := indexTarFile(file)
	if err != nil {
		return nil, err
	}
	img, err := dockerArchiveImage(idx, tag)
	if err != nil {
		idx.Close()
		return nil, err
	}
	img.closers = append(img.closers, idx.Close)
	return img, nil
}

func dockerArchiveImage(idx *tarIndex, tag string) (*Image, error) {
	mrc, err := idx.Open("manifest.json")
	if err != nil {
		return nil, err
	}
	mb, err := readAllLimited(mrc, "manifest.json")
	if err != nil {
		return nil, err
	}
	var manifest tarball.Manifest
	if err := json.Unmarshal(mb, &manifest); err != nil {
		return nil, fmt.Errorf("failed to parse manifest.json: %w", err)
	}
	var desc *tarball.Descriptor
	switch {
	case tag != "":
		want, err := name.NewTag(tag)
		if err != nil {
			return nil, fmt.Errorf("invalid tag %q: %w", tag, err)
		}
		for i := range manifest {
			for _, rt := range manifest[i].RepoTags {
				if t, err := name.NewTag(rt); err == nil && t.Name() == want.Name() {
					desc = &manifest[i]
				}
			}
		}
		if desc == nil {
			return nil, fmt.Errorf("tag %s not found in the archive", tag)
		}
	case len(manifest) == 1:
		desc = &manifest[0]
	case len(manifest) == 0:
		return nil, fmt.Errorf("manifest.json lists no image")
	default:
		var tags []string
		for _, d := range manifest {
			tags = append(tags, d.RepoTags...)
		}
		return nil, fmt.Errorf("the archive holds %d images: name one as FILE:TAG (tags: %s)", len(manifest), strings.Join(tags, ", "))
	}
	rc, err := idx.Open(desc.Config)
	if err != nil {
		return nil, fmt.Errorf("failed to read the image configuration: %w", err)
	}
	cb, err := readAllLimited(rc, "image configuration")
	if err != nil {
		return nil, err
	}
	cfg, err := v1.ParseConfigFile(bytes.NewReader(cb))
	if err != nil {
		return nil, fmt.Errorf("failed to parse the image configuration %s: %w", desc.Config, err)
	}
	// In the OCI-style archives of Docker 25 and later the config file is
	// named by its digest: check it. Older archives name it <hex>.json.
	sum := sha256.Sum256(cb)
	configDigest := "sha256:" + hex.EncodeToString(sum[:])
	if h, err := v1.NewHash("sha256:" + strings.TrimSuffix(baseName(desc.Config), ".json")); err == nil && h.Hex != hex.EncodeToString(sum[:]) {
		return nil, fmt.Errorf("image configuration %s does not match its digest", desc.Config)
	}
	if len(desc.Layers) != len(cfg.RootFS.DiffIDs) {
		return nil, fmt.Errorf("manifest.json lists %d layers but the configuration has %d diffIDs", len(desc.Layers), len(cfg.RootFS.DiffIDs))
	}
	layers, err := layersFromConfig(cfg, nil)
	if err != nil {
		return nil, err
	}
	for i, p := range desc.Layers {
		size, err := idx.Size(p)
		if err != nil {
			return nil, fmt.Errorf("layer %d: %w", i, err)
		}
		layers[i].Size = size
		if h, err := v1.NewHash("sha256:" + baseName(p)); err == nil {
			layers[i].Digest = h.String()
		}
	}
	imgName := ""
	if len(desc.RepoTags) > 0 {
		imgName = desc.RepoTags[0]
	}
	if tag != "" {
		imgName = tag
	}
	return &Image{
		Source: newSource(imgName, "", configDigest, cfg),
		Config: cfg,
		Layers: layers,
		open: func(_ context.Context, i int) (io.ReadCloser, error) {
			return idx.Open(desc.Layers[i])
		},
	}, nil
}

func baseName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}
