// Package spdx writes an inventory as an SPDX 2.3 JSON document, through
// github.com/spdx/tools-golang, and reads SPDX 2.x JSON documents (as
// written by vigil, Syft, Trivy and others) back into an inventory.
//
// # Document shape
//
//   - name is the image name (Source.Name, else Source.Ref).
//   - documentNamespace is
//     "https://vigil.dev/spdxdocs/<name>-<uuid>", where <name> is the image
//     name with every character but letters, digits, ".", "_" and "-"
//     replaced by "-", and <uuid> a version 5 UUID derived from the
//     inventory and the creation time. The namespace is so unique per
//     document (a new scan or a new time gives a new one), yet the same
//     inventory encoded with the same clock gives the same document, which
//     keeps golden files stable.
//   - creationInfo.creators is "Tool: vigil-<version>"; created is the
//     encoding time (Options.Now); licenseListVersion the SPDX license list
//     the licenses were checked against.
//   - Packages: the image (SPDXRef-Image, primaryPackagePurpose CONTAINER,
//     versionInfo its manifest digest, else its config digest), the OS
//     (SPDXRef-OperatingSystem, OPERATING_SYSTEM, name OS.ID, versionInfo
//     OS.VersionID, description OS.PrettyName), and one per package.
//     The tag-value form of SPDX 2.3 spells the purpose OPERATING-SYSTEM;
//     the JSON schema enumerates OPERATING_SYSTEM, which is what we write
//     (and both are read).
//   - A package has SPDXID "SPDXRef-Package-<type>-<name>-<hash>" (every
//     character but letters, digits, "." and "-" replaced by "-"; <hash>
//     is 16 hex digits of SHA-256 over the package key and purl, with "-2",
//     "-3"... appended for exact duplicates), versionInfo, supplier,
//     downloadLocation and licenseConcluded NOASSERTION, filesAnalyzed
//     false, licenseDeclared, an externalRef PACKAGE-MANAGER purl, and a
//     sourceInfo naming the file and layer it was found in.
//   - Relationships: SPDXRef-DOCUMENT DESCRIBES the image; the image
//     CONTAINS the OS and each package; a development-only dependency
//     (inventory.Package.Dev) is also DEV_DEPENDENCY_OF the image, which
//     Decode reads back.
//
// # Licenses
//
// licenseDeclared is an SPDX license expression: the package's licenses
// joined with AND (parts holding an OR in parentheses). A license that is
// an SPDX identifier or expression is kept; anything else becomes
// "LicenseRef-<sanitised string>" with a hasExtractedLicensingInfos entry
// whose name and extractedText are the original string. A package without
// licenses has licenseDeclared NOASSERTION. Validation uses
// github.com/github/go-spdx.
//
// # Decoding
//
// Decode reads SPDX 2.1, 2.2 and 2.3 JSON up to a size limit (512 MiB by
// default) with a lenient reader of its own (missing fields, unknown
// fields and malformed creators do not fail the document) and returns its
// packages: every package except the ones the document describes that
// carry no purl (the image or directory that was scanned), those whose
// purpose is CONTAINER, and the OS. Name, version, purl and licenses come
// from the package (licenseDeclared, else licenseConcluded, split at its
// top-level ANDs, with LicenseRef- identifiers replaced by their extracted
// names); type, architecture and source package from the purl. SPDX has no
// place for layers, so decoded packages have Layer -1.
package spdx
