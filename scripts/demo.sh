#!/usr/bin/env bash
# Mount the demo tenant (the embedded emulator) in a temporary directory,
# show it, and leave it mounted for you to explore.
set -euo pipefail
bin=${1:-bin/cssfs}
mnt=$(mktemp -d /tmp/cssfs-demo.XXXXXX)
log=$mnt.log
setsid nohup "$bin" mount --demo "$mnt" >"$log" 2>&1 </dev/null &
pid=$!
for _ in $(seq 100); do
  grep -q 'mounted at' "$log" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || { echo "cssfs exited:"; cat "$log"; exit 1; }
  sleep 0.1
done
grep -q 'mounted at' "$log" || { echo "cssfs did not come up:"; cat "$log"; kill "$pid"; exit 1; }

echo "== the demo tenant is mounted at $mnt (cssfs pid $pid)"
echo
echo "== regions and types"
find "$mnt" -mindepth 1 -maxdepth 2 -type d | sed "s|^$mnt/||" | sort
day=$(find "$mnt" -mindepth 5 -maxdepth 5 -type d -path '*callrecording*' | sort | head -1)
echo
echo "== ls -l ${day#$mnt/}"
ls -l "$day"
wav=$(find "$day" -maxdepth 1 -name '*.wav' | head -1)
if [ -n "$wav" ] && command -v ffprobe >/dev/null; then
  echo
  echo "== ffprobe ${wav#$mnt/}"
  ffprobe -hide_banner "$wav" 2>&1 | sed -n '/^Input/,$p'
  echo
  echo "== its metadata (getfattr -d)"
  getfattr -d "$wav" 2>/dev/null | head -20 || true
fi
echo
echo "To unmount: umount $mnt   (or: kill $pid)"
