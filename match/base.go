package match

import (
	"fmt"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/vigil-dev/vigil/inventory"
)

// BaseLayers returns how many leading layers of an image come from its
// base image, or -1 when that is not known, with a warning when the
// evidence contradicts itself. In order:
//
//  1. baseDiffIDs, the base image's own layers (a caller that resolved the
//     base, for example from the org.opencontainers.image.base.name and
//     .digest annotations, passes them, as Docker Scout compares an image
//     with its base): when they are a prefix of the image's layers, that
//     prefix is the base. Otherwise the image was not built on that base:
//     -1, with a warning.
//  2. history (the image configuration's): a base image ends with its
//     CMD or ENTRYPOINT, which the history keeps as an empty-layer entry.
//     Skipping the image's own trailing empty-layer entries (its own CMD,
//     ENTRYPOINT, ENV...), the last CMD or ENTRYPOINT entry before the
//     last layer is the base's; the layers before it are the base's. This
//     is the rule Trivy's image scanner uses to guess base layers. It fails when a
//     Dockerfile sets its own CMD mid-way and then adds layers, which is
//     rare.
//  3. history without such an entry: leading layers with no build
//     instruction at all are an imported root file system (`docker
//     import`, a distribution's rootfs tarball), which is a base image when
//     later layers were built on it.
//  4. Otherwise -1.
func BaseLayers(layers []inventory.Layer, history []v1.History, baseDiffIDs []string) (int, string) {
	if len(baseDiffIDs) > 0 {
		return baseFromDiffIDs(layers, baseDiffIDs)
	}
	if n := baseFromEntrypoint(history); n >= 0 {
		return n, ""
	}
	return baseFromImport(history), ""
}

func baseFromDiffIDs(layers []inventory.Layer, base []string) (int, string) {
	if len(base) > len(layers) {
		return -1, fmt.Sprintf("the base image has %d layers, more than the image's %d: not its base", len(base), len(layers))
	}
	for i, d := range base {
		if layers[i].DiffID != d {
			return -1, fmt.Sprintf("layer %d (%s) is not the base image's layer %s: not built on that base", i, layers[i].DiffID, d)
		}
	}
	return len(base), ""
}

// baseFromEntrypoint is rule 2 of BaseLayers, or -1.
func baseFromEntrypoint(history []v1.History) int {
	end := len(history) - 1
	for end >= 0 && history[end].EmptyLayer {
		end--
	}
	for i := end - 1; i >= 0; i-- {
		if history[i].EmptyLayer && isEntrypoint(history[i].CreatedBy) {
			return nonEmpty(history[:i])
		}
	}
	return -1
}

// isEntrypoint reports whether a history entry is a CMD or ENTRYPOINT
// instruction, as the classic builder ("/bin/sh -c #(nop)  CMD [...]")
// or BuildKit ("CMD [...]") writes it.
func isEntrypoint(createdBy string) bool {
	s := strings.TrimSpace(createdBy)
	if rest, ok := strings.CutPrefix(s, "/bin/sh -c #(nop)"); ok {
		s = strings.TrimSpace(rest)
	}
	return strings.HasPrefix(s, "CMD ") || strings.HasPrefix(s, "CMD[") ||
		strings.HasPrefix(s, "ENTRYPOINT ") || strings.HasPrefix(s, "ENTRYPOINT[")
}

// baseFromImport is rule 3 of BaseLayers, or -1.
func baseFromImport(history []v1.History) int {
	n, seen := 0, 0
	leading := true
	for _, h := range history {
		if h.EmptyLayer {
			continue
		}
		seen++
		if leading && strings.TrimSpace(h.CreatedBy) == "" {
			n++
		} else {
			leading = false
		}
	}
	if n == 0 || n == seen {
		return -1
	}
	return n
}

// nonEmpty counts the history entries that made a layer.
func nonEmpty(history []v1.History) int {
	n := 0
	for _, h := range history {
		if !h.EmptyLayer {
			n++
		}
	}
	return n
}
