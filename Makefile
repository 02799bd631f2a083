# xendshim build and test entry points. `make test` is the whole test suite
# (the README's test command); `.ci/run` calls it after installing what the
# tests need (scripts/install-deps.sh).
GO ?= go
# VERSION is stamped into the binary (xendshim version).
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)

.PHONY: all build test vet fmt-check deps ci

all: build

build:
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o bin/xendshim ./cmd/xendshim

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

# xenlab-test is the real-Xen lane: static xendshim and test binaries run in
# a real Xen 4.17 dom0 under QEMU (../shared/xenlab); needs root and QEMU.
# See scripts/xenlab/lane.sh.
.PHONY: xenlab-test
xenlab-test:
	bash scripts/xenlab/lane.sh

# xenlab-pvscsi is the PVSCSI scenario on a real Xen host: dom0 gets a SCSI
# disk, a guest created through xendshim sees its LUN with xen-scsifront and
# reads a pattern dom0 wrote; hot-plug, detach and destroy are checked in
# configfs and xenstore. Needs root and QEMU. See scripts/xenlab/pvscsi.sh.
.PHONY: xenlab-pvscsi
xenlab-pvscsi:
	bash scripts/xenlab/pvscsi.sh
