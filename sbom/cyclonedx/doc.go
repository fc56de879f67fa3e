// Package cyclonedx writes an inventory as a CycloneDX 1.6 JSON bill of
// materials, and reads CycloneDX JSON (1.2 to 1.7, as written by vigil,
// Syft, Trivy and others) back into an inventory.
//
// # Document shape
//
//   - metadata.timestamp is the encoding time (Options.Now).
//   - metadata.tools.components holds vigil itself, as a component of type
//     "application" (the CycloneDX 1.5+ form; the 1.4 "tools" array is
//     deprecated).
//   - metadata.component is the image, of type "container": name is the
//     image name (Source.Name, else Source.Ref), version its manifest digest
//     (else its config digest). Its bom-ref is "image".
//   - The OS is a top-level component of type "operating-system": name is
//     OS.ID ("debian"), version OS.VersionID ("12"), description
//     OS.PrettyName. Its bom-ref is "os:<id>@<versionID>".
//   - Each package is a component of type "library" with name, version,
//     purl, the declared licenses and the vigil properties below. Its
//     bom-ref is its purl, or "vigil:<type>/<name>@<version>/<arch>" when
//     it has none; when that is taken (the same package found twice), ":2",
//     ":3"... is appended, so refs stay unique and stable.
//   - dependencies: the image dependsOn the OS and every package. Nothing is
//     said about dependencies between packages (the inventory does not
//     record them), so packages get no dependency entry of their own: in
//     CycloneDX an empty dependsOn would claim "has no dependencies".
//   - serialNumber is a version 5 UUID derived from the inventory and the
//     timestamp: unique per document, yet stable for golden files.
//
// # Licenses
//
// A license string that is an SPDX license identifier is written as
// license.id (in its canonical case); one that is a valid SPDX expression as
// an expression; anything else as license.name. The schema allows a single
// expression or a list of licenses, not both: when a package has several
// licenses, all valid SPDX and at least one a compound expression, they are
// joined into one expression with AND; when some are not SPDX, compound
// expressions are written as names. Validation uses github.com/github/go-spdx.
// Decoding splits expressions at their top-level ANDs, so a package's license
// list survives a round trip.
//
// # Properties
//
// Details that CycloneDX has no field for are component properties in the
// "vigil" namespace, following the CycloneDX property taxonomy
// (https://github.com/CycloneDX/cyclonedx-property-taxonomy): names are
// colon-separated, namespaces lower case, base names camelCase, as Syft's
// "syft:package:type" and "syft:location:0:layerID". The namespace is not
// registered in the taxonomy (registration is optional). Properties may
// repeat; list-valued ones do.
//
// On package components:
//
//	vigil:package:type           package format: deb, apk, rpm, ...
//	vigil:package:sourceName     source package name
//	vigil:package:sourceVersion  source package version
//	vigil:package:arch           architecture, as the package database says
//	vigil:package:ecosystem      advisory ecosystem, as OSV spells it ("Debian:12")
//	vigil:package:dev            "true" for a development-only dependency
//	vigil:layer:index            index of the layer that introduced the package
//	vigil:layer:diffID           that layer's diff ID
//	vigil:layer:createdBy        that layer's build instruction
//	vigil:location:path          a file the package was found in (one per file)
//
// On the image (metadata.component):
//
//	vigil:source:type            docker-archive, oci, oci-archive, registry, docker, dir
//	vigil:source:ref             the reference or path as the user gave it
//	vigil:image:manifestDigest   manifest digest
//	vigil:image:configDigest     config digest (image ID)
//	vigil:image:platform         os/arch[/variant]
//	vigil:image:layer:N:digest    layer N's blob digest
//	vigil:image:layer:N:diffID    layer N's diff ID
//	vigil:image:layer:N:mediaType layer N's media type
//	vigil:image:layer:N:size      layer N's blob size in bytes
//	vigil:image:layer:N:createdBy layer N's build instruction
//
// Layers are properties of the image rather than nested components: a layer
// is not a piece of software with a name, version or purl, and consumers
// such as Dependency-Track treat every component as an inventory item that
// vulnerabilities can match. Indexed names (as Syft's
// "syft:location:0:layerID") keep each layer's fields together.
//
// On the OS component:
//
//	vigil:os:name, vigil:os:version, vigil:os:codename  os-release NAME, VERSION, VERSION_CODENAME
//	vigil:os:idLike              one per ID_LIKE entry
//	vigil:os:distroless          "true" for images without a package manager
//
// The files a package owns (Package.Files) are not written: they would
// multiply the document's size, and the matchers do not need them.
//
// # Decoding
//
// Decode reads any CycloneDX JSON document up to a size limit (512 MiB by
// default) and returns the packages it lists: components of every nesting
// level that have a purl, or whose type is library or framework. Name,
// version, purl and licenses come from the component; type, architecture
// and source package from the purl when it has them (the "upstream"
// qualifier); vigil properties override, and Syft's and Trivy's location and
// source properties are read too. A package whose layer is unknown has
// Layer -1.
package cyclonedx
