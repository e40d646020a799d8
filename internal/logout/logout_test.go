package logout

import (
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestFileReopenAfterRotation(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "cssfs.log")
	lf, err := OpenFile(p)
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Close()
	lf.Write([]byte("before\n"))
	if err := os.Rename(p, p+".1"); err != nil {
		t.Fatal(err)
	}
	lf.Write([]byte("still old\n"))
	if err := lf.Reopen(); err != nil {
		t.Fatal(err)
	}
	lf.Write([]byte("after\n"))
	old, _ := os.ReadFile(p + ".1")
	cur, _ := os.ReadFile(p)
	if string(old) != "before\nstill old\n" || string(cur) != "after\n" {
		t.Fatalf("rotated %q, new %q", old, cur)
	}
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o600 {
		t.Errorf("new log has mode %o, want 600", st.Mode().Perm())
	}
}

func TestSyslogToSocket(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no syslog")
	}
	sock := filepath.Join(t.TempDir(), "log")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	w, err := Syslog("cssfs", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	sw := NewSwitch(os.Stderr)
	sw.Set(w)
	sw.Write([]byte("level=ERROR msg=\"token refused\"\n"))
	buf := make([]byte, 4096)
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	got := string(buf[:n])
	// <30>: facility daemon (3), priority info (6).
	if !strings.HasPrefix(got, "<30>") || !strings.Contains(got, "cssfs[") || !strings.Contains(got, "token refused") {
		t.Fatalf("syslog message %q", got)
	}
}
