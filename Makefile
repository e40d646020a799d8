# cssfs — build, test, demo, bench, lint.
GO        ?= go
BIN       := bin/cssfs
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
NFPM      := github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.45.2
VERSION   ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)

.PHONY: all build deps test demo bench lint cross package package-test fmt soak clean

all: build

build:
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/cssfs

# Tools the FUSE tests and the demo drive (fuse3, rsync, ffmpeg, sox, attr), when missing.
deps:
	./scripts/deps.sh

# The whole suite: unit tests, fuzz seed corpora, and real FUSE mounts.
test: deps
	$(GO) test -count=1 -timeout 20m ./...

# Mount the embedded emulator's demo tenant in a temporary directory and show it.
demo: deps build
	./scripts/demo.sh $(BIN)

bench: build
	$(GO) test -count=1 -run '^$$' -bench . -benchtime 1x -timeout 60m ./bench/...

# The long form of the fault suite (issue 5): a bigger tenant, minutes of load.
soak: deps
	CSSFS_SOAK=1 $(GO) test -count=1 -v -run Fault -timeout 60m ./cmd/cssfs/

lint: cross
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

# Every package for macOS (mount through macFUSE); the command for Windows,
# where go-fuse has no port, so cssfs there is ls, cat, get and doctor.
cross:
	GOOS=darwin GOARCH=arm64 $(GO) build ./...
	GOOS=darwin GOARCH=amd64 $(GO) build ./...
	GOOS=windows GOARCH=amd64 $(GO) build -o /dev/null ./cmd/cssfs

# The .deb (in dist/): /usr/bin/cssfs, /sbin/mount.fuse.cssfs, the systemd
# unit and a logrotate snippet, depending on fuse3.
package: build
	mkdir -p dist
	VERSION=0~$(subst -,.,$(VERSION)) GOARCH=$$($(GO) env GOARCH) $(GO) run $(NFPM) package --config packaging/nfpm.yaml --packager deb --target dist/

# Install the .deb into a temporary root and run the packaged binary.
package-test: package
	./scripts/package-test.sh

fmt:
	gofmt -w .

clean:
	rm -rf bin dist
