package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cssfs/cssfs/client/csstest"
	"github.com/cssfs/cssfs/internal/mounttest"
)

func TestSecretsNeverLeak(t *testing.T) {
	mounttest.RequireFUSE(t)
	m := mountEmulator(t, csstest.Options{Seed: 3, Objects: 30, TokenLifetime: time.Hour}, "--debug-fuse")
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", m.Cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	files := m.filesByID()
	var ids []string
	for id := range files {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	if len(ids) < 8 {
		t.Fatalf("only %d files", len(ids))
	}
	for _, id := range ids[:5] {
		if _, err := os.ReadFile(files[id][0].path); err != nil {
			t.Fatal(err)
		}
	}
	// Force the refresh path (401, new token) with a file not read yet, and
	// an error path with an object that vanished.
	m.Emu.ExpireTokens()
	if _, err := os.ReadFile(files[ids[5]][0].path); err != nil {
		t.Fatal(err)
	}
	gone := ids[6]
	if err := m.Emu.Remove(regionOf(m, gone), gone); err != nil {
		t.Fatal(err)
	}
	if _, err := os.ReadFile(files[gone][0].path); err == nil {
		t.Errorf("reading a removed object succeeded")
	}
	m.Stop()

	secrets := append([]string{m.Emu.Secret}, m.Emu.IssuedTokens()...)
	if len(secrets) < 3 {
		t.Fatalf("expected at least two tokens to have been issued, got %d", len(secrets)-1)
	}
	log := m.Log.String()
	if !strings.Contains(log, "token") {
		t.Errorf("the log does not mention the token refresh at all:\n%s", tail(log, 2000))
	}
	for _, s := range secrets {
		if strings.Contains(log, s) {
			t.Errorf("the log contains a secret or token %q…", s[:4])
		}
		if bytes.Contains(cmdline, []byte(s)) {
			t.Errorf("/proc/PID/cmdline contains a secret or token %q…", s[:4])
		}
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

func TestOnlyTheMountingUserCanRead(t *testing.T) {
	mounttest.RequireFUSE(t, "cat")
	for _, allowOther := range []bool{false, true} {
		t.Run(fmt.Sprintf("allow-other=%v", allowOther), func(t *testing.T) {
			var args []string
			if allowOther {
				args = append(args, "--allow-other")
			}
			m := mountEmulator(t, csstest.Options{Seed: 3, Objects: 10}, args...)
			var p string
			for _, fs := range m.filesByID() {
				p = fs[0].path
				break
			}
			// Let others reach the mountpoint, so only the mount decides.
			for d := filepath.Dir(m.Dir); d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
				os.Chmod(d, 0o755)
			}
			cmd := exec.Command("cat", p)
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
			out, err := cmd.CombinedOutput()
			if allowOther && err != nil {
				t.Errorf("with --allow-other another user could not read %s: %v %s", p, err, out)
			}
			if !allowOther && (err == nil || !strings.Contains(string(out), "Permission denied")) {
				t.Errorf("another user read the mount: %v %s", err, tail(string(out), 200))
			}
			if f, err := os.OpenFile(p, os.O_RDWR, 0); err == nil {
				f.Close()
				t.Errorf("opened %s for writing", p)
			}
		})
	}
}

func TestAuditLogRecordsEveryOpen(t *testing.T) {
	mounttest.RequireFUSE(t)
	logPath := filepath.Join(t.TempDir(), "audit.jsonl")
	m := mountEmulator(t, csstest.Options{Seed: 3, Objects: 20}, "--audit-log", logPath)
	files := m.filesByID()
	var paths []string
	for _, fs := range files {
		paths = append(paths, fs[0].path)
	}
	// 8 goroutines open every file once each, concurrently.
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, p := range paths {
				if f, err := os.Open(p); err == nil {
					f.Read(make([]byte, 10))
					f.Close()
				}
			}
		}()
	}
	wg.Wait()
	m.Stop()

	st, err := os.Stat(logPath)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("audit log mode %v, want 0600", st.Mode().Perm())
	}
	f, err := os.Open(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	opens := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var rec struct {
			Time, Event, Region, ObjectID, Path string
			UID, PID                            uint32
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("audit line %q: %v", sc.Text(), err)
		}
		if rec.Event != "open" || rec.PID == 0 || rec.UID != uint32(os.Getuid()) || rec.Region == "" {
			t.Errorf("audit record %+v", rec)
		}
		if _, err := time.Parse(time.RFC3339Nano, rec.Time); err != nil {
			t.Errorf("audit time %q: %v", rec.Time, err)
		}
		if got := files[rec.ObjectID]; len(got) == 0 || filepath.Join(m.Dir, rec.Path) != got[0].path {
			t.Errorf("audit record names %s at %s, which is not where the mount has it", rec.ObjectID, rec.Path)
		}
		opens[rec.ObjectID]++
	}
	for id := range files {
		if opens[id] != 8 {
			t.Errorf("object %s: %d audit records, want 8 (one per open)", id, opens[id])
		}
	}

	// A log that others could read is refused.
	os.Chmod(logPath, 0o644)
	var stderr bytes.Buffer
	if code := run([]string{"mount", "--demo", "--audit-log", logPath, t.TempDir()}, io.Discard, &stderr); code != 1 || !strings.Contains(stderr.String(), "0600") {
		t.Errorf("world-readable audit log: exit %d, %s", code, stderr.String())
	}
}

func TestOddNamesAreReachableAndStable(t *testing.T) {
	mounttest.RequireFUSE(t)
	day := time.Date(2024, 5, 6, 0, 0, 0, 0, time.UTC)
	names := []string{".", "..", "", "   ", strings.Repeat("n", 1000) + ".wav", "\xff\xfe.wav",
		"a/b.wav", "a_b.wav", "nul\x00x.wav", "dup.wav", "dup.wav", "Müller–Žofie 通話.wav", "-rf", "~tilde"}
	emu := mounttest.Emulator(t, csstest.Options{Regions: []string{"uk"}})
	want := map[string][]byte{}
	for i, n := range names {
		content := []byte(fmt.Sprintf("object %d named %q\n", i, n))
		o := emu.Add("uk", csstest.ObjectSpec{Type: "agentnotes", Name: n, Created: day.Add(time.Duration(i) * time.Minute), Content: content})
		want[o.ID] = content
	}
	nameOf := func() map[string]string {
		m := &mounted{Mount: mounttest.Start(t, binPath, emu), t: t}
		defer m.Stop()
		dir := filepath.Join(m.Dir, "uk", "agentnotes", "2024", "05", "06")
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, e := range entries {
			p := filepath.Join(dir, e.Name())
			id := xattr(t, p, "user.css.id")
			data, err := os.ReadFile(p)
			if err != nil || !bytes.Equal(data, want[id]) {
				t.Errorf("%q: %v, content %q, want %q", e.Name(), err, data, want[id])
			}
			if _, dup := got[id]; dup {
				t.Errorf("object %s appears twice", id)
			}
			got[id] = e.Name()
		}
		if len(got) != len(names) {
			t.Errorf("%d of %d objects reachable: %q", len(got), len(names), got)
		}
		return got
	}
	first, second := nameOf(), nameOf()
	for id, n := range first {
		if second[id] != n {
			t.Errorf("object %s was %q, then %q on the next mount", id, n, second[id])
		}
	}
}
