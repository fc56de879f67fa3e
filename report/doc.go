// Package report writes scan reports (vuln.Report: vulnerability findings
// and check findings, that is misconfigurations, hardening and secrets) in
// the formats vigil offers, applies suppressions from VEX documents and
// ignore files, and decides the CI gate.
//
// A report may hold vulnerabilities, check findings, or both. It is the
// result of a vulnerability scan when it names advisory data
// (Database.Built) or has findings or unscannable packages; when it is
// not (`vigil scan config`, or --scanners without vuln), the table and the
// HTML page say nothing about vulnerabilities.
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
//     terminal, and long values are cut. Check findings follow the
//     unscannable packages, one section per domain (OS HARDENING, IMAGE
//     CONFIGURATION, DOCKERFILE, KUBERNETES, SECRETS), most severe first,
//     with the columns CHECK, SEVERITY, WHERE ("file:line", the object,
//     or both, and "(layer N)" for a layer of the image) and MESSAGE; the
//     summary adds "N check findings: ..." with counts per severity, or
//     says "No check findings" when the report has neither checks nor a
//     vulnerability scan.
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
//     sarif.go. Check findings follow, with one rule per check id: name
//     (the title in PascalCase), shortDescription (the title),
//     fullDescription (the description), help as text and Markdown (remediation and
//     references), helpUri (the first http(s) reference), properties tags
//     ("security" and the domain), precision "high", security-severity
//     from the level alone (checks have no CVSS score: critical 9.5, high
//     8.0, medium 5.5, low 2.0, each inside the band GitHub maps to that
//     level; none for negligible and unknown) and problem.severity (error
//     for critical and high, warning for medium, recommendation below).
//     One result per finding: the level as for vulnerabilities; the
//     message with the object and the layer and its (redacted) build
//     instruction; a physicalLocation, which GitHub requires, whose
//     region.startLine is the finding's line, or 1 when the finding is
//     about a whole file; and partialFingerprints and fingerprints from
//     the finding's Fingerprint, or a hash of check id, file, line, object
//     and message. The artifactLocation.uri of a Dockerfile or manifest is
//     the file as it was named on the command line (relative, cleaned; an
//     absolute name becomes a file: URI, which GitHub cannot place in a
//     repository); of a file in the image or scanned root (OS hardening,
//     secrets) it is the path relative to that root, as for packages; a
//     finding without a file (an image configuration field, a history
//     step) points at the image's name. Findings in an image also get a
//     logical location naming the image, digest and layer, and an object
//     (a Kubernetes object, a configuration field) is a logical location.
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
//     vigil:suppression:expires carry the rest. Check findings are left
//     out: they are not vulnerabilities of a component, and CycloneDX 1.6
//     has no place for misconfigurations; the json and sarif formats
//     carry them.
//   - "html": one self-contained page: inline CSS, no script, no external
//     resource (a Content-Security-Policy meta element forbids loading
//     any), every value escaped by html/template; the summary, the
//     findings grouped by severity with their details in <details>
//     elements, the suppressed findings, the unscannable packages, one
//     section of check findings per domain (check, severity, where,
//     message, and in <details> the description, remediation, redacted
//     evidence, layer and references) and the warnings. References are
//     plain links, http(s) only.
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
// "ignore", of entries, each about an advisory or a check:
//
//	ignore:
//	  - id: CVE-2022-42969         # advisory id or alias
//	    package: py                # package or source package name, or a purl (optional)
//	    reason: py.path.svnwc is never used   # why (required)
//	    expires: 2026-09-30        # date or RFC 3339 time (optional)
//	  - check: DF-011              # check id (vigil checks list)
//	    path: tools/bastion/Dockerfile        # path glob (optional)
//	    reason: the bastion image serves SSH by design
//	    expires: 2026-12-31
//
// An entry has an id or a check, not both. An entry without package
// applies to every package; a check's entry without path applies to every
// finding of the check. A path is matched against the file of a check
// finding (MatchPath) as .gitignore patterns are: without "/", it matches
// a file or directory name at any depth ("*.Dockerfile", "testdata");
// with "/", the path from the scanned root or the current directory, or a
// directory and everything under it ("deploy/prod", "/etc/ssh/*"); "*"
// does not cross "/". Findings without a file (image configuration
// fields) are waived only by entries without path. An entry applies until
// its expiry (a date means the start of that day, UTC); after it,
// Suppress skips the entry and adds a warning that it expired. Unknown
// fields, entries without an id or check, or without a reason, a check
// that is not a check id, package on a check's entry or path on an
// advisory's, invalid globs, YAML anchors and aliases (which an ignore
// file never needs, and which YAML bombs are made of), files over
// MaxIgnoreSize and lists over 10,000 entries are errors.
// report/testdata/ignore.yaml is an example.
//
// VEX documents do not apply to check findings. A check finding has no
// suppression field (check.Finding), so Suppress removes waived check
// findings from the report rather than marking them.
//
// # Gate
//
// Gate counts the findings that fail a CI gate (not suppressed, at or
// above a level, optionally only those with a fix) and the check findings
// at or above the level (a check has no fix: ignoring unfixed findings
// does not apply to them); Filter drops findings below a level or without
// a fix, and check findings below the level, from what is shown.
package report
