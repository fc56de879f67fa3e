package deps
import (
_ "github.com/google/go-containerregistry/pkg/v1/remote"
_ "github.com/google/go-containerregistry/pkg/v1/daemon"
_ "github.com/google/go-containerregistry/pkg/v1/layout"
_ "github.com/google/go-containerregistry/pkg/v1/tarball"
_ "github.com/google/go-containerregistry/pkg/registry"
_ "github.com/CycloneDX/cyclonedx-go"
_ "github.com/spdx/tools-golang/spdx/v2/v2_3"
_ "github.com/spdx/tools-golang/json"
_ "github.com/package-url/packageurl-go"
_ "github.com/knqyf263/go-rpmdb/pkg"
_ "github.com/santhosh-tekuri/jsonschema/v6"
_ "golang.org/x/term"
_ "github.com/google/go-cmp/cmp"
_ "github.com/klauspost/compress/zstd"
_ "github.com/klauspost/pgzip"
)
