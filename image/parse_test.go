package image

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	dir := t.TempDir()
	layout := filepath.Join(dir, "layout")
	os.MkdirAll(layout, 0o755)
	os.WriteFile(filepath.Join(layout, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644)
	rootfs := filepath.Join(dir, "rootfs")
	os.MkdirAll(rootfs, 0o755)
	notTar := filepath.Join(dir, "notes.txt")
	os.WriteFile(notTar, []byte("hello"), 0o644)

	tests := []struct {
		arg, kind, ref, err string
	}{
		{arg: "docker-archive:a.tar", kind: DockerArchive, ref: "a.tar"},
		{arg: "oci:dir:tag", kind: OCI, ref: "dir:tag"},
		{arg: "registry:alpine:3.21", kind: Registry, ref: "alpine:3.21"},
		{arg: "docker:app", kind: Docker, ref: "app"},
		{arg: "dir:/", kind: Dir, ref: "/"},
		{arg: "ghcr.io/org/app:1.2", kind: Registry, ref: "ghcr.io/org/app:1.2"},
		{arg: "localhost:5000/app", kind: Registry, ref: "localhost:5000/app"},
		{arg: layout, kind: OCI, ref: layout},
		{arg: rootfs, kind: Dir, ref: rootfs},
		{arg: "oci:", err: "names no image after the oci prefix"},
		{arg: "", err: "no image given"},
		{arg: "/no/such/file.tar", err: "no such file or directory"},
		{arg: "./app.tar", err: "no such file or directory"},
		{arg: notTar, err: "neither a docker-archive nor an oci-archive"},
	}
	for _, tt := range tests {
		kind, ref, err := Parse(tt.arg)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("Parse(%q) error = %v, want %q", tt.arg, err, tt.err)
			}
			continue
		}
		if err != nil || kind != tt.kind || ref != tt.ref {
			t.Errorf("Parse(%q) = %q, %q, %v; want %q, %q", tt.arg, kind, ref, err, tt.kind, tt.ref)
		}
	}
}
