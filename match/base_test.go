package match

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/vigil-dev/vigil/image"
	"github.com/vigil-dev/vigil/internal/testenv"
	"github.com/vigil-dev/vigil/inventory"
)

// langHistory is the real configuration history of the lang test image
// (testdata/fixtures/lang.history.json): the bookworm image made by
// `docker import` (one layer, no instruction), then RUN and COPY layers.
func langHistory(t *testing.T) []v1.History {
	t.Helper()
	data, err := os.ReadFile("testdata/fixtures/lang.history.json")
	if err != nil {
		t.Fatal(err)
	}
	var h []v1.History
	if err := json.Unmarshal(data, &h); err != nil {
		t.Fatal(err)
	}
	return h
}

func TestBaseLayers(t *testing.T) {
	classic := []v1.History{
		{CreatedBy: "/bin/sh -c #(nop) ADD file:5d67 in / "},
		{CreatedBy: `/bin/sh -c #(nop)  CMD ["bash"]`, EmptyLayer: true},
		{CreatedBy: "/bin/sh -c apt-get update"},
		{CreatedBy: "/bin/sh -c #(nop) COPY file:aa in /app "},
		{CreatedBy: `/bin/sh -c #(nop)  ENTRYPOINT ["/app"]`, EmptyLayer: true},
		{CreatedBy: `/bin/sh -c #(nop)  CMD ["serve"]`, EmptyLayer: true},
	}
	buildkit := []v1.History{
		{CreatedBy: "ADD alpine-minirootfs.tar.gz / # buildkit"},
		{CreatedBy: `CMD ["/bin/sh"]`, EmptyLayer: true},
		{CreatedBy: "RUN /bin/sh -c apk add python3 # buildkit"},
		{CreatedBy: `ENTRYPOINT ["python3"]`, EmptyLayer: true},
		{CreatedBy: "COPY app.py / # buildkit"},
	}
	layers := []inventory.Layer{{DiffID: "sha256:a"}, {DiffID: "sha256:b"}, {DiffID: "sha256:c"}}
	for _, c := range []struct {
		name    string
		history []v1.History
		base    []string
		want    int
	}{
		{"classic builder, own CMD at the end", classic, nil, 1},
		{"buildkit, a mid-way base ENTRYPOINT", buildkit, nil, 2},
		{"lang image: docker import base", langHistory(t), nil, 1},
		{"no history", nil, nil, -1},
		{"single imported layer", []v1.History{{Comment: "Imported from -"}}, nil, -1},
		{"base diffIDs", nil, []string{"sha256:a", "sha256:b"}, 2},
		{"base diffIDs win over history", classic, []string{"sha256:a", "sha256:b"}, 2},
		{"not built on that base", nil, []string{"sha256:x"}, -1},
	} {
		got, _ := BaseLayers(layers, c.history, c.base)
		if got != c.want {
			t.Errorf("%s: %d base layers, want %d", c.name, got, c.want)
		}
	}
}

// TestBaseLayersRealImage: on the real lang image, the base guessed from
// its history is exactly the bookworm image it was built FROM, as their
// diffIDs show; and the findings of the Debian packages of that layer are
// marked as coming from the base.
func TestBaseLayersRealImage(t *testing.T) {
	ctx := context.Background()
	lang, err := image.Open(ctx, "docker-archive:"+testenv.Get(t, "VIGIL_TEST_LANG_ARCHIVE"), image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer lang.Close()
	base, err := image.Open(ctx, "docker-archive:"+testenv.Get(t, "VIGIL_TEST_ARCHIVE"), image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer base.Close()
	var baseIDs []string
	for _, l := range base.Layers {
		baseIDs = append(baseIDs, l.DiffID)
	}
	fromHistory, _ := BaseLayers(lang.Layers, lang.Config.History, nil)
	fromDiffIDs, warn := BaseLayers(lang.Layers, nil, baseIDs)
	if fromHistory != fromDiffIDs || fromHistory < 1 || warn != "" {
		t.Fatalf("base from history %d, from the base's diffIDs %d (%s)", fromHistory, fromDiffIDs, warn)
	}
	inv := langInventory(t)
	r := match(t, inv, openTestDB(t), Options{History: lang.Config.History})
	if r.BaseLayers != fromHistory {
		t.Errorf("report BaseLayers %d, want %d", r.BaseLayers, fromHistory)
	}
	fromBase := 0
	for _, f := range r.Findings {
		if f.Remediation.FromBase != (f.Package.Layer < fromHistory) {
			t.Errorf("%s %s in layer %d: FromBase %v", f.ID, f.Package.Name, f.Package.Layer, f.Remediation.FromBase)
		}
		if f.Remediation.FromBase {
			fromBase++
		}
	}
	if fromBase == 0 {
		t.Error("no finding from the base image's packages")
	}
}
