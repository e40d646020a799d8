package main

import (
	"errors"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/cssfs/cssfs/internal/mounttest"
)

// getxattrOps sums the getxattr operations of every result on a metrics page.
func getxattrOps(page string) float64 {
	total := 0.0
	for _, line := range strings.Split(page, "\n") {
		if strings.HasPrefix(line, `cssfs_fuse_operations_total{op="getxattr",`) {
			total += sample(line, line[:strings.LastIndex(line, " ")])
		}
	}
	return total
}

// ls -l asks each file for its SELinux label and ACL; cssfs answers
// EOPNOTSUPP for namespaces other than user., so ls stops asking after the
// first file of the mount instead of making two round trips per file.
func TestLsLongAsksXattrsOnce(t *testing.T) {
	mounttest.RequireFUSE(t, "ls")
	m := mountEmulator(t, tenant, "--metrics-addr", "127.0.0.1:0")
	url := metricsURL(t, m.Mount)
	m.Run("ls", "-lR", m.Dir) // the listings are not what we count
	before := getxattrOps(scrape(t, url))
	out := m.Run("ls", "-lR", m.Dir)
	after := getxattrOps(scrape(t, url))
	if n := strings.Count(out, "\n-r"); n < 100 {
		t.Fatalf("ls -lR listed %d files, want the tenant's 120\n%s", n, out)
	}
	if got := after - before; got > 2 {
		t.Errorf("ls -lR of the whole mount made %v getxattr calls, want at most 2 (one label, one ACL)", got)
	}
}

func TestXattrNamespaces(t *testing.T) {
	mounttest.RequireFUSE(t, "getfattr")
	m := mountEmulator(t, tenant)
	files := m.filesByID()
	var file string
	for _, fs := range files {
		file = fs[0].path
		break
	}
	buf := make([]byte, 4096)
	for _, p := range []string{file, filepath.Dir(file), m.Dir} {
		for _, name := range []string{"security.selinux", "system.posix_acl_access", "system.posix_acl_default", "trusted.x", "security.capability"} {
			if _, err := syscall.Getxattr(p, name, buf); !errors.Is(err, syscall.EOPNOTSUPP) {
				t.Errorf("getxattr %s %s: %v, want EOPNOTSUPP", p, name, err)
			}
		}
		if _, err := syscall.Getxattr(p, "user.css.nope", buf); !errors.Is(err, syscall.ENODATA) {
			t.Errorf("getxattr %s user.css.nope: %v, want ENODATA", p, err)
		}
	}
	if id := xattr(t, file, "user.css.id"); id == "" {
		t.Errorf("user.css.id of %s is empty", file)
	}
	if out := m.Run("getfattr", "-d", file); !strings.Contains(out, "user.css.id=") {
		t.Errorf("getfattr -d lacks user.css.id\n%s", out)
	}
}
