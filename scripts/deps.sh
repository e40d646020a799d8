#!/usr/bin/env bash
# Install the tools the FUSE tests and the demo drive, when they are missing
# and we can (root with apt-get). Already-present tools cost nothing.
set -euo pipefail
need=()
command -v fusermount3 >/dev/null || need+=(fuse3)
command -v rsync >/dev/null || need+=(rsync)
command -v ffprobe >/dev/null || need+=(ffmpeg)
command -v sox >/dev/null || need+=(sox)
command -v getfattr >/dev/null || need+=(attr)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "deps: missing ${need[*]}; install them (Debian: apt-get install ${need[*]}) or FUSE tests will skip" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" ca-certificates >/dev/null
