#!/usr/bin/env bash
# Checks the .deb that make package built: its files, its dependency on
# fuse3, and that the packaged binary runs (extracted with dpkg-deb -x into
# a temporary root, as a fresh machine would install it).
set -euo pipefail
deb=$(ls -t dist/cssfs_*.deb | head -1)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
dpkg-deb -x "$deb" "$root"
fail=0
check() { if "$@"; then echo "ok   $*"; else echo "FAIL $*"; fail=1; fi; }
check test -x "$root/usr/bin/cssfs"
check test "$(readlink "$root/sbin/mount.fuse.cssfs")" = /usr/bin/cssfs
check grep -q '^Type=notify' "$root/lib/systemd/system/cssfs.service"
check grep -q 'postrotate' "$root/etc/logrotate.d/cssfs"
check sh -c "dpkg-deb -f '$deb' Depends | grep -q fuse3"
check sh -c "'$root/usr/bin/cssfs' version | grep -q '^cssfs '"
check sh -c "'$root/usr/bin/cssfs' ls --demo /uk | grep -q ."
check sh -c "'$root/usr/bin/cssfs' mount --help | grep -q -- --file-mode"
[ "$fail" = 0 ] && echo "package: $deb passed" || { echo "package: $deb FAILED"; exit 1; }
