#!/usr/bin/env bash
# Checks the .deb and the .rpm that make package built: their files, their
# dependency on fuse3 and their version; then extracts the .deb into a
# temporary root (dpkg-deb -x, as a fresh machine would install it) and runs
# what it holds: the binary, the man page, the bash completion.
# PKG_VERSION, when set, is the version both must carry.
set -euo pipefail
deb=$(ls -t dist/cssfs_*.deb | head -1)
rpm=$(ls -t dist/cssfs-*.rpm | head -1)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
fail=0
check() { if "$@"; then echo "ok   $*"; else echo "FAIL $*"; fail=1; fi; }

# The .deb
dpkg-deb -x "$deb" "$root"
check test -x "$root/usr/bin/cssfs"
check test "$(readlink "$root/sbin/mount.fuse.cssfs")" = /usr/bin/cssfs
check grep -q '^Type=notify' "$root/lib/systemd/system/cssfs.service"
check grep -q '^ExecReload=/bin/kill -HUP \$MAINPID' "$root/lib/systemd/system/cssfs.service"
check grep -q 'systemctl reload cssfs.service' "$root/etc/logrotate.d/cssfs"
check test -s "$root/usr/share/bash-completion/completions/cssfs"
check test -s "$root/usr/share/zsh/vendor-completions/_cssfs"
check test -s "$root/usr/share/fish/vendor_completions.d/cssfs.fish"
check sh -c "dpkg-deb -f '$deb' Depends | grep -qw fuse3"
if [ -n "${PKG_VERSION:-}" ]; then
  check test "$(dpkg-deb -f "$deb" Version)" = "$PKG_VERSION"
fi
check sh -c "'$root/usr/bin/cssfs' version | grep -q '^cssfs '"
check sh -c "'$root/usr/bin/cssfs' ls --demo /uk | grep -q ."
check sh -c "'$root/usr/bin/cssfs' mount --help | grep -q -- --file-mode"
# The man page renders without a warning and documents the mount's flags.
check sh -c "zcat '$root/usr/share/man/man1/cssfs.1.gz' | groff -man -ww -z 2>&1 | (! grep .)"
check sh -c "zcat '$root/usr/share/man/man1/cssfs.1.gz' | groff -man -Tascii -P-cbou | grep -q -- --file-mode"
# The completion, sourced as bash-completion would, offers the commands.
check bash -c "source '$root/usr/share/bash-completion/completions/cssfs'; COMP_WORDS=(cssfs mo); COMP_CWORD=1; _cssfs; [ \"\${COMPREPLY[*]}\" = mount ]"

# The .rpm: its file list, dependency and version (rpm -qp reads it
# without installing).
files=$(rpm -qpl "$rpm")
for f in /usr/bin/cssfs /usr/sbin/mount.fuse.cssfs /usr/lib/systemd/system/cssfs.service \
  /etc/logrotate.d/cssfs /usr/share/man/man1/cssfs.1.gz /usr/share/bash-completion/completions/cssfs \
  /usr/share/zsh/site-functions/_cssfs /usr/share/fish/vendor_completions.d/cssfs.fish; do
  check grep -qx "$f" <<<"$files"
done
check sh -c "rpm -qplv '$rpm' | grep -q '/usr/sbin/mount.fuse.cssfs -> /usr/bin/cssfs'"
check sh -c "rpm -qpc '$rpm' | grep -qx /etc/logrotate.d/cssfs"
check sh -c "rpm -qp --requires '$rpm' | grep -qw fuse3"
if [ -n "${PKG_VERSION:-}" ]; then
  check test "$(rpm -qp --queryformat '%{VERSION}' "$rpm")" = "$PKG_VERSION"
fi
if [ "$fail" = 0 ]; then echo "package: $deb and $rpm passed"; else echo "package: FAILED"; exit 1; fi
