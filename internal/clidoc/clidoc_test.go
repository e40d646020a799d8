package clidoc

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// tricky is a command whose texts hold what each output format must
// escape: quotes, brackets, colons, backslashes, a leading dot, non-ASCII.
func tricky() []Command {
	f := pflag.NewFlagSet("x", pflag.ContinueOnError)
	f.String("name", "", `it's [the] name: a\b "quoted" — or not`)
	f.StringP("out", "o", "", "where to: a file")
	f.String("mode", "fast", "how")
	f.StringArray("tag", nil, "repeatable")
	f.BoolP("verbose", "v", false, "say more")
	f.Bool("secret-thing", false, "hidden")
	f.MarkHidden("secret-thing")
	MarkFile(f, "out")
	MarkChoices(f, "mode", "fast", "slow (safe)")
	SetDefaultText(f, "name", "$USER's")
	return []Command{
		{Name: "run", Synopsis: "[flags] DIR", Summary: "run it: now's the time", Flags: f, Args: Values{Kind: Dirs},
			Description: ".starts with a dot\n'and a quote\nback\\slash and é…\n  example --with -dashes\n"},
		{Name: "help", Summary: "no flags"},
	}
}

func TestRoff(t *testing.T) {
	for in, want := range map[string]string{
		".TH x":   `\&.TH x`,
		"'x":      `\&'x`,
		`a\b-c`:   `a\eb\-c`,
		"wait…":   "wait...",
		"a — b":   `a \(em b`,
		"café":    `caf\[u00E9]`,
		"tab\tab": "tab    ab",
	} {
		if got := roff(in); got != want {
			t.Errorf("roff(%q) = %q, want %q", in, got, want)
		}
	}
}

// Each script and the page pass their tool's syntax check, whatever the
// texts hold.
func TestGeneratedSyntax(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ shell, check string }{{"bash", "-n"}, {"zsh", "-n"}, {"fish", "-n"}} {
		var b bytes.Buffer
		if err := Write(&b, tc.shell, "my-prog", tricky()); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(b.String(), "secret-thing") {
			t.Errorf("%s: a hidden flag is offered", tc.shell)
		}
		path, err := exec.LookPath(tc.shell)
		if err != nil {
			t.Logf("%s not installed; its syntax is not checked", tc.shell)
			continue
		}
		file := filepath.Join(dir, "script."+tc.shell)
		os.WriteFile(file, b.Bytes(), 0o644)
		if out, err := exec.Command(path, tc.check, file).CombinedOutput(); err != nil {
			t.Errorf("%s %s: %v: %s\n%s", tc.shell, tc.check, err, out, b.String())
		}
	}
	var page bytes.Buffer
	if err := Man(&page, Page{Prog: "my-prog", Version: "1.0", Summary: "does things", Description: "A tool.\n", Commands: tricky(),
		Sections: []Section{{Title: "See also", Text: "ls(1)\n"}}}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`\fB\-o\fR, \fB\-\-out\fR \fIstring\fR`, `(default: $USER's)`, `(default: fast)`, `\&.starts with a dot`} {
		if !strings.Contains(page.String(), want) {
			t.Errorf("page lacks %q:\n%s", want, page.String())
		}
	}
	if strings.Contains(page.String(), "secret\\-thing") {
		t.Error("the page shows a hidden flag")
	}
	groff, err := exec.LookPath("groff")
	if err != nil {
		t.Skip("groff not installed")
	}
	cmd := exec.Command(groff, "-man", "-ww", "-Tutf8", "-P-cbou")
	cmd.Stdin = &page
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	text, err := cmd.Output()
	if err != nil || stderr.Len() != 0 {
		t.Fatalf("groff: %v: %s", err, stderr.String())
	}
	for _, want := range []string{".starts with a dot", "'and a quote", `back\slash`, "example --with -dashes", "-o, --out string"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("rendered page lacks %q:\n%s", want, text)
		}
	}
}

func TestWriteUnknownShell(t *testing.T) {
	if err := Write(&bytes.Buffer{}, "tcsh", "p", nil); err == nil {
		t.Error("tcsh accepted")
	}
}

func TestMarkUndefinedFlagPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("marking a flag that does not exist went unnoticed")
		}
	}()
	MarkFile(pflag.NewFlagSet("x", pflag.ContinueOnError), "nope")
}
