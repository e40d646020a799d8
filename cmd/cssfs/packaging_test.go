package main

import (
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// logrotate's postrotate reloads the unit, else signals every cssfs mount
// and nothing else: the pattern it gives pkill matches the command lines
// of mounts (the unit's, fstab's --daemon child, one by hand), not those
// of other cssfs commands, which SIGHUP would kill.
func TestLogrotateSignalsOnlyMounts(t *testing.T) {
	data, err := os.ReadFile("../../packaging/logrotate")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "systemctl reload cssfs.service") {
		t.Error("postrotate does not reload the unit")
	}
	m := regexp.MustCompile(`pkill -HUP -f '([^']+)'`).FindStringSubmatch(string(data))
	if m == nil {
		t.Fatal("no pkill -HUP -f 'PATTERN' fallback in packaging/logrotate")
	}
	pattern := m[1]
	pgrep := needTool(t, "pgrep")
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep")
	}
	// Processes whose command line is that of a cssfs command: sleep,
	// started with argv[0] set to it ("… 600" is sleep's argument).
	cases := map[string]bool{
		"/usr/bin/cssfs mount --credentials-file /etc/cssfs/credentials --allow-other /mnt/css": true,
		"cssfs mount --demo /tmp/x":                     true,
		"/usr/local/bin/cssfs mount /mnt/css":           true,
		"/usr/bin/cssfs get /uk/callrecording ./calls":  false,
		"cssfs ls -l /uk":                               false,
		"cssfs mountpoint":                              false,
		"/usr/bin/mycssfs mount /mnt/css":               false,
		"/bin/sh -c cssfs mount --demo /tmp/x":          false,
		"vi /etc/cssfs/notes-on-cssfs mount procedures": false,
	}
	type proc struct {
		line    string
		matches bool
	}
	procs := map[int]proc{}
	for line, matches := range cases {
		cmd := exec.Command(sleep, "600")
		cmd.Args[0] = line
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		procs[cmd.Process.Pid] = proc{line, matches}
	}
	out, _ := exec.Command(pgrep, "-f", pattern).Output() // exit 1: none
	got := map[int]bool{}
	for _, f := range strings.Fields(string(out)) {
		pid, _ := strconv.Atoi(f)
		got[pid] = true // other cssfs mounts on this machine are not in procs
	}
	for pid, p := range procs {
		if got[pid] != p.matches {
			t.Errorf("%q: matched %v, want %v", p.line, got[pid], p.matches)
		}
	}
}
