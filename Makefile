# xendshim build and test entry points. `make test` is the whole test suite
# (the README's test command); `.ci/run` calls it after installing what the
# tests need (scripts/install-deps.sh).
GO ?= go

.PHONY: all build test vet fmt-check deps ci

all: build

build:
	$(GO) build -o bin/xendshim ./cmd/xendshim

# deps installs the Debian packages and tools the tests use (idempotent).
deps:
	bash scripts/install-deps.sh

# test runs every unit, integration and real-client test, race detector on.
test: deps
	$(GO) test -race -count=1 ./...

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

ci: fmt-check vet test
