# The cssfs image, for the CSI driver (deploy/kubernetes) or any container:
#   docker build --build-arg VERSION=$(git describe --always --dirty) -t REGISTRY/cssfs:TAG .
# .dockerignore leaves .git out of the context, so the version stamped into
# the binary (as by make build) comes in as a build argument.

# Build: the same Go as make build, a static binary (go-fuse needs no cgo).
FROM golang:1.26-trixie AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/cssfs ./cmd/cssfs

# Run: Debian with fuse3 (fusermount3 and /etc/fuse.conf, as the .deb
# depends on), CA certificates for the API's HTTPS, and time zones for
# --timezone.
FROM debian:trixie-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends fuse3 ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/cssfs /usr/bin/cssfs
# mount(8) runs this for an fstab entry of type fuse.cssfs, as with the .deb.
RUN ln -s /usr/bin/cssfs /sbin/mount.fuse.cssfs
# Root: the CSI node plugin mounts FUSE filesystems into other pods' volume
# directories, which takes mount(2) with CAP_SYS_ADMIN in the host's mount
# namespace (a privileged container), and opens the mounts to the pods'
# users (allow_other). A container that only runs cssfs ls/cat/get, or the
# CSI controller, may run as any user (controller.yaml uses 65532).
USER root
ENTRYPOINT ["/usr/bin/cssfs"]
