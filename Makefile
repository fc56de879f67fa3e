# Small convenience wrapper; scripts/test.sh is the real test command.
#   make build                 build ./bin/vigil
#   make test [ARGS='-run Foo ./image/...']
#   make bench [BENCH_ARGS='-n 3 --big']
#   make fuzz [FUZZTIME=30s]   run every Go fuzz target for FUZZTIME each
GO        ?= go
FUZZTIME  ?= 30s
ARGS      ?=
BENCH_ARGS ?=

.PHONY: build test bench fuzz

build:
	$(GO) build -o bin/vigil ./cmd/vigil

test:
	scripts/test.sh $(ARGS)

bench:
	bench/sbom.sh $(BENCH_ARGS)

# scripts/fuzz.sh finds the targets with `go test -list '^Fuzz' ./...` and
# runs each one for FUZZTIME (go test -fuzz takes one target at a time).
fuzz:
	FUZZTIME=$(FUZZTIME) scripts/fuzz.sh
