// A go.mod with every directive that changes what is reported.
module example.com/Service

go 1.22.0

toolchain go1.22.3

godebug default=go1.21

require (
	github.com/google/uuid v1.3.0
	golang.org/x/text v0.3.7
	golang.org/x/net v0.17.0 // indirect
	github.com/pkg/errors v0.9.1
	example.com/internal/lib v0.0.0-00010101000000-000000000000
	github.com/Azure/go-autorest v14.2.0+incompatible // indirect
)

exclude golang.org/x/net v0.16.0

// Version-specific replacement wins over the wildcard one.
replace (
	golang.org/x/text => golang.org/x/text v0.3.8
	golang.org/x/text v0.3.7 => golang.org/x/text v0.14.0
	github.com/pkg/errors => github.com/myfork/errors v0.9.2-fix
	github.com/google/uuid v1.2.0 => github.com/google/uuid v1.6.0
	example.com/internal/lib => ../lib
)

retract v1.0.0

tool golang.org/x/tools/cmd/stringer
