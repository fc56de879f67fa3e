// Package report writes vulnerability reports (vuln.Report) in the formats
// vigil offers, applies suppressions from VEX documents and ignore files,
// and decides the CI gate.
//
// # Formats
//
// Write takes a format name (Formats lists them):
//
//   - "table": for people. One group per severity, most severe first, with
//     the columns PACKAGE, INSTALLED, FIXED, ID (with the first CVE alias)
//     and SEVERITY (with the CVSS score when a vector decided the rating);
//     then the suppressed findings with the statement or rule that
//     suppressed them, the unscannable packages with the reason, the
//     report's warnings, and a summary: counts per severity, fixed and
//     unfixed, suppressed and unscannable, and "N findings come from base
//     layers: rebuild on a newer base". Severities are coloured when
//     Options.Color is set. Control and format characters in values are
//     shown as "?", so that hostile package names cannot drive the
//     terminal, and long values are cut.
//   - "json": the versioned JSON form of vuln.Report (schemaVersion first,
//     fields in their declared order). Suppressed findings stay, with
//     their suppression.
//   - "sarif": a SARIF 2.1.0 log as GitHub code scanning reads it. One
//     rule per advisory: id, shortDescription and fullDescription from the
//     summary, help as text and Markdown (aliases, rating and why, affected
//     range, remediation, references), helpUri (the first reference),
//     defaultConfiguration.level, and properties tags ("security",
//     "vulnerability", the level, the package type), precision and
//     security-severity: the CVSS base score when a vector decided the
//     rating, else a score inside the band GitHub maps to the same level
//     (critical 9.5, high 8.0, medium 5.5, low 2.0; none for unknown and
//     negligible). A rule shared by several findings takes the most severe.
//     One result per finding: level error (critical, high), warning
//     (medium) or note (low, negligible, unknown); a message naming the
//     package, advisory, severity and fix; a location whose
//     physicalLocation is the file the package was found in (its first
//     location, relative to the scanned root, line 1) and, for images, a
//     logical location naming the image, digest and layer;
//     fingerprints and partialFingerprints under "vigilFinding/v1" (a hash
//     of advisory id, package URL and file, stable across scans); and, for
//     a suppressed finding, an external accepted suppression. The structs
//     are written here rather than taken from a SARIF module; see
//     sarif.go.
//   - "cyclonedx-json": a CycloneDX 1.6 BOM. Its components are written by
//     sbom/cyclonedx from an inventory of the affected and unscannable
//     packages (once each), so the image, OS and package components and
//     their bom-refs (the purl) are those of vigil's SBOM of the same
//     image. One vulnerability per finding: id, source (the advisory
//     data's source), references (aliases, with NVD, GitHub or OSV as
//     source), one rating (severity; score, vector and method CVSSv4,
//     CVSSv31, CVSSv3 or CVSSv2 when a vector decided, else method
//     "other"; the rating's source and reason), description (summary),
//     detail (the range that matched), recommendation (the remediation),
//     advisories (reference URLs), affects (the component's bom-ref and
//     version) and, for a suppressed finding, analysis. A VEX
//     suppression becomes state not_affected (OpenVEX not_affected),
//     resolved (OpenVEX fixed) or the CycloneDX state it was read as, with
//     the justification mapped from OpenVEX (component_not_present and
//     vulnerable_code_not_present: code_not_present;
//     vulnerable_code_not_in_execute_path: code_not_reachable;
//     vulnerable_code_cannot_be_controlled_by_adversary:
//     protected_at_runtime; inline_mitigations_already_exist:
//     protected_by_mitigating_control); an ignore rule has no CycloneDX
//     state and is recorded as analysis.detail only. Properties
//     vigil:match:range, vigil:match:event, vigil:remediation:fromBase,
//     vigil:suppression:kind, vigil:suppression:source and
//     vigil:suppression:expires carry the rest.
//   - "html": one self-contained page: inline CSS, no script, no external
//     resource (a Content-Security-Policy meta element forbids loading
//     any), every value escaped by html/template; the summary, the
//     findings grouped by severity with their details in <details>
//     elements, the suppressed findings, the unscannable packages and the
//     warnings. References are plain links, http(s) only.
//
// # Suppression
//
// LoadVEX and LoadIgnore (ParseVEX and ParseIgnore for readers) turn
// suppression inputs into Rules; Suppress applies them to a report,
// setting Finding.Suppression. Suppressed findings are kept in the json,
// sarif and cyclonedx-json output, listed apart in the table and the HTML
// page, and not counted by Gate or the summaries.
//
// A finding matches a rule when its advisory id or one of its aliases
// equals the rule's vulnerability id or one of its aliases (ignoring
// case), and its package matches one of the rule's products. Package URLs
// are compared as OpenVEX specifies (see PURLMatches): the rule's purl may
// omit the version and qualifiers, and then matches every version and
// every qualifier value of the package's purl.
//
// OpenVEX documents (0.0.1 to 0.2.0): each statement is a rule; its
// products are the product's purl (identifiers.purl or an @id that is a
// purl), or, when the product has subcomponents, the subcomponents' purls
// within the product; a product that is an OCI image purl with a digest
// restricts the statement to a scanned image with that manifest or config
// digest, and without subcomponents covers every package of that image.
// Statuses not_affected and fixed suppress; affected and
// under_investigation do not. A not_affected statement must carry a
// justification or an impact_statement.
//
// CycloneDX VEX (any CycloneDX JSON document with vulnerabilities): each
// vulnerability with an analysis state is a rule; its products are the
// purls of the components its affects refs name (a bom-ref in the
// document, the bom-ref part of a BOM-Link, or a ref that is a purl).
// States not_affected, false_positive, resolved and resolved_with_pedigree
// suppress; exploitable and in_triage do not. Version ranges in
// affects[].versions are not read: the referenced component decides.
//
// Of the VEX rules that match a finding, the one with the latest timestamp
// (the statement's, else the document's) decides, the later in the input
// order on a tie; when it does not suppress, ignore rules still may.
//
// # Ignore file
//
// The ignore file is YAML (or JSON, which is YAML too) with one list,
// "ignore", of entries:
//
//	ignore:
//	  - id: CVE-2022-42969         # advisory id or alias (required)
//	    package: py                # package or source package name, or a purl (optional)
//	    reason: py.path.svnwc is never used   # why (required)
//	    expires: 2026-09-30        # date or RFC 3339 time (optional)
//
// An entry without package applies to every package. An entry applies
// until its expiry (a date means the start of that day, UTC); after it,
// Suppress skips the entry and adds a warning that it expired. Unknown
// fields, entries without an id or a reason, YAML anchors and aliases
// (which an ignore file never needs, and which YAML bombs are made of),
// files over MaxIgnoreSize and lists over 10,000 entries are errors.
// report/testdata/ignore.yaml is an example.
//
// # Gate
//
// Gate counts the findings that fail a CI gate (not suppressed, at or
// above a level, optionally only those with a fix); Filter drops findings
// below a level or without a fix from what is shown.
package report
