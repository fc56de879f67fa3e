package testimage

import (
	"archive/tar"
	"io"
	"io/fs"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// RefNameAnnotation is the OCI annotation that names an image in a layout.
const RefNameAnnotation = "org.opencontainers.image.ref.name"

// WriteDockerArchive writes img as a docker-archive (the format of docker
// save) tagged tag, and returns the file's path.
func WriteDockerArchive(t testing.TB, img v1.Image, tag string) string {
	t.Helper()
	ref, err := name.NewTag(tag)
	if err != nil {
		t.Fatalf("testimage.WriteDockerArchive: %v", err)
	}
	p := filepath.Join(t.TempDir(), "docker-archive.tar")
	if err := tarball.WriteToFile(p, ref, img); err != nil {
		t.Fatalf("testimage.WriteDockerArchive: %v", err)
	}
	return p
}

// WriteOCILayout writes img into a new OCI image layout directory, its
// index entry annotated with refName (unless refName is empty), and
// returns the directory.
func WriteOCILayout(t testing.TB, img v1.Image, refName string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "oci-layout")
	writeLayout(t, dir, img, refName)
	return dir
}

func writeLayout(t testing.TB, dir string, img v1.Image, refName string) {
	t.Helper()
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatalf("testimage: writing OCI layout: %v", err)
	}
	var opts []layout.Option
	if refName != "" {
		opts = append(opts, layout.WithAnnotations(map[string]string{RefNameAnnotation: refName}))
	}
	if err := p.AppendImage(img, opts...); err != nil {
		t.Fatalf("testimage: writing OCI layout: %v", err)
	}
}

// WriteOCIArchive writes img as an OCI layout packed in a tar (the
// oci-archive format of podman and skopeo) and returns the file's path.
func WriteOCIArchive(t testing.TB, img v1.Image, refName string) string {
	t.Helper()
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "layout")
	writeLayout(t, dir, img, refName)
	p := filepath.Join(tmp, "oci-archive.tar")
	if err := tarDir(dir, p); err != nil {
		t.Fatalf("testimage.WriteOCIArchive: %v", err)
	}
	return p
}

// tarDir packs the contents of dir, with paths relative to it, in the
// lexical order of filepath.WalkDir.
func tarDir(dir, dst string) (err error) {
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
	}()
	tw := tar.NewWriter(out)
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil || rel == "." {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		hdr, err := tar.FileInfoHeader(info, "")
		if err != nil {
			return err
		}
		hdr.Name = filepath.ToSlash(rel)
		if d.IsDir() {
			hdr.Name += "/"
		}
		hdr.ModTime, hdr.Uname, hdr.Gname = time.Unix(0, 0), "", ""
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if !info.Mode().IsRegular() {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(tw, f)
		return err
	})
	if err != nil {
		return err
	}
	return tw.Close()
}

// StartRegistry runs an in-process registry on 127.0.0.1 until the test
// ends, and returns its host:port. References under it are plain HTTP,
// which go-containerregistry allows for loopback addresses.
func StartRegistry(t testing.TB) string {
	t.Helper()
	s := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(s.Close)
	return strings.TrimPrefix(s.URL, "http://")
}

// PushRegistry starts a registry (StartRegistry), pushes img to it as
// repoTag ("repo/name:tag") and returns the full reference.
func PushRegistry(t testing.TB, img v1.Image, repoTag string) string {
	t.Helper()
	ref := StartRegistry(t) + "/" + repoTag
	Push(t, img, ref)
	return ref
}

// Push pushes img to ref, for a registry started with StartRegistry.
func Push(t testing.TB, img v1.Image, ref string) {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatalf("testimage.Push: %v", err)
	}
	if err := remote.Write(r, img, remote.WithContext(t.Context())); err != nil {
		t.Fatalf("testimage.Push %s: %v", ref, err)
	}
}
