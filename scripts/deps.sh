#!/usr/bin/env bash
# Install the tools the FUSE tests and the demo drive, and those that check
# the completions, the man page and the .rpm, when they are missing
# and we can (root with apt-get). Already-present tools cost nothing.
set -euo pipefail
need=()
command -v fusermount3 >/dev/null || need+=(fuse3)
command -v rsync >/dev/null || need+=(rsync)
command -v ffprobe >/dev/null || need+=(ffmpeg)
command -v sox >/dev/null || need+=(sox)
command -v getfattr >/dev/null || need+=(attr)
command -v zsh >/dev/null || need+=(zsh)
command -v fish >/dev/null || need+=(fish)
command -v groff >/dev/null || need+=(groff-base)
command -v rpm >/dev/null || need+=(rpm)
command -v pgrep >/dev/null || need+=(procps)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "deps: missing ${need[*]}; install them (Debian: apt-get install ${need[*]}) or the tests that need them will skip" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" ca-certificates >/dev/null
