package image_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/vigil-dev/vigil/image"
	ti "github.com/vigil-dev/vigil/internal/testimage"
)

func archImage(t *testing.T, arch string) v1.Image {
	layer := ti.Gzip(ti.LayerTar(ti.File{Name: "arch", Body: []byte(arch)}))
	return ti.Image(t, [][]byte{layer}, []string{"ADD " + arch}, ti.Platform("linux", arch))
}

func multiArch(t *testing.T) v1.ImageIndex {
	idx := mutate.IndexMediaType(empty.Index, "application/vnd.oci.image.index.v1+json")
	for _, arch := range []string{"amd64", "arm64"} {
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{
			Add:        archImage(t, arch),
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: arch}},
		})
	}
	return idx
}

func TestPlatformFromIndex(t *testing.T) {
	idx := multiArch(t)
	dir := t.TempDir()
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendIndex(idx, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": "multi"})); err != nil {
		t.Fatal(err)
	}
	reg := ti.StartRegistry(t)
	ref, _ := name.ParseReference(reg + "/multi:1")
	if err := remote.WriteIndex(ref, idx); err != nil {
		t.Fatal(err)
	}
	for _, src := range []string{"oci:" + dir, "oci:" + dir + ":multi", "registry:" + ref.String()} {
		for _, arch := range []string{"amd64", "arm64"} {
			img, err := image.Open(context.Background(), src, image.Options{Platform: "linux/" + arch, Insecure: true})
			if err != nil {
				t.Errorf("%s %s: %v", src, arch, err)
				continue
			}
			if img.Source.Platform != "linux/"+arch || img.Layers[0].CreatedBy != "ADD "+arch {
				t.Errorf("%s %s: got platform %s, layer %+v", src, arch, img.Source.Platform, img.Layers[0])
			}
			img.Close()
		}
		_, err := image.Open(context.Background(), src, image.Options{Platform: "linux/s390x", Insecure: true})
		if err == nil {
			t.Errorf("%s: no error for a platform the index lacks", src)
		}
	}
	if _, err := image.Open(context.Background(), "oci:"+dir+":nosuch", image.Options{}); err == nil || !strings.Contains(err.Error(), `no image named "nosuch"`) {
		t.Errorf("unknown tag: err = %v", err)
	}
}

func TestDockerArchiveTags(t *testing.T) {
	img := archImage(t, "amd64")
	path := ti.WriteDockerArchive(t, img, "example.test/app:1")
	for _, src := range []string{"docker-archive:" + path, "docker-archive:" + path + ":example.test/app:1", path} {
		got, err := image.Open(context.Background(), src, image.Options{})
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		if got.Source.Type != image.DockerArchive || got.Source.Name != "example.test/app:1" {
			t.Errorf("%s: source %+v", src, got.Source)
		}
		got.Close()
	}
	if _, err := image.Open(context.Background(), "docker-archive:"+path+":other:2", image.Options{}); err == nil || !strings.Contains(err.Error(), "not found in the archive") {
		t.Errorf("wrong tag: err = %v", err)
	}
}
