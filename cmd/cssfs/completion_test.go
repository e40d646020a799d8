package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

// generated is what "cssfs ARGS..." prints, run as the shell would run it.
func generated(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := run(args, &out, &errOut); code != 0 {
		t.Fatalf("cssfs %s: exit %d: %s", strings.Join(args, " "), code, errOut.String())
	}
	return out.String()
}

// visibleFlags are the spellings (--name) of the flags cssfs NAME parses
// and shows.
func visibleFlags(t *testing.T, c command) []string {
	t.Helper()
	if c.flags == nil {
		return nil
	}
	var out []string
	c.flags(&bytes.Buffer{}).VisitAll(func(fl *pflag.Flag) {
		if !fl.Hidden {
			out = append(out, "--"+fl.Name)
		}
	})
	return out
}

// needTool skips when a shell or tool is missing (scripts/deps.sh
// installs them, so CI never skips).
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not installed (scripts/deps.sh installs it)", name)
	}
	return p
}

// bashComplete sources the bash script and calls its function with the
// command line words, the last being completed, as bash would.
func bashComplete(t *testing.T, script string, words ...string) []string {
	t.Helper()
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
	}
	prog := `source "$1" && COMP_WORDS=(` + strings.Join(quoted, " ") + `) && COMP_CWORD=$((${#COMP_WORDS[@]} - 1)) && _cssfs && printf '%s\n' "${COMPREPLY[@]}"`
	out, err := exec.Command(needTool(t, "bash"), "-c", prog, "bash", script).CombinedOutput()
	if err != nil {
		t.Fatalf("bash completion of %q: %v: %s", words, err, out)
	}
	return strings.Fields(string(out))
}

func TestBashCompletion(t *testing.T) {
	script := filepath.Join(t.TempDir(), "cssfs.bash")
	os.WriteFile(script, []byte(generated(t, "completion", "bash")), 0o644)

	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
	}
	if got := bashComplete(t, script, "cssfs", ""); !containsAll(got, names) {
		t.Errorf("commands: got %q, want all of %q", got, names)
	}
	if got := bashComplete(t, script, "cssfs", "mo"); !slices.Equal(got, []string{"mount"}) {
		t.Errorf("cssfs mo<TAB>: %q", got)
	}
	for _, c := range commands() {
		if got, want := bashComplete(t, script, "cssfs", c.name, "--"), visibleFlags(t, c); !containsAll(got, want) {
			t.Errorf("cssfs %s --<TAB>: got %q, want all of %q", c.name, got, want)
		}
	}
	if got := bashComplete(t, script, "cssfs", "mount", "--allow-o"); !slices.Equal(got, []string{"--allow-other"}) {
		t.Errorf("cssfs mount --allow-o<TAB>: %q", got)
	}
	if got := bashComplete(t, script, "cssfs", "ls", "--layout", ""); !slices.Equal(got, []string{"type/date", "date", "flat"}) {
		t.Errorf("--layout <TAB>: %q", got)
	}
	// bash splits --log-level=w into "--log-level" "=" "w".
	if got := bashComplete(t, script, "cssfs", "mount", "--log-level", "=", "w"); !slices.Equal(got, []string{"warn"}) {
		t.Errorf("--log-level=w<TAB>: %q", got)
	}
	if got := bashComplete(t, script, "cssfs", "completion", ""); !slices.Equal(got, []string{"bash", "zsh", "fish"}) {
		t.Errorf("cssfs completion <TAB>: %q", got)
	}

	// The mount point is a directory; --credentials-file a file.
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "mnt"), 0o755)
	os.WriteFile(filepath.Join(dir, "creds"), nil, 0o600)
	if got := bashComplete(t, script, "cssfs", "mount", "--demo", dir+"/"); !slices.Equal(got, []string{dir + "/mnt"}) {
		t.Errorf("mount point: %q, want only the directory", got)
	}
	got := bashComplete(t, script, "cssfs", "mount", "--credentials-file", dir+"/c")
	if !slices.Equal(got, []string{dir + "/creds"}) {
		t.Errorf("--credentials-file: %q", got)
	}
	// A value the shell cannot guess: nothing offered, not the flags.
	if got := bashComplete(t, script, "cssfs", "mount", "--api-url", ""); len(got) != 0 {
		t.Errorf("--api-url <TAB>: %q, want nothing", got)
	}
}

func TestZshCompletion(t *testing.T) {
	zsh := needTool(t, "zsh")
	script := generated(t, "completion", "zsh")
	file := filepath.Join(t.TempDir(), "_cssfs")
	os.WriteFile(file, []byte(script), 0o644)
	if out, err := exec.Command(zsh, "-n", file).CombinedOutput(); err != nil {
		t.Fatalf("zsh -n: %v: %s", err, out)
	}
	// Sourced after compinit, it registers itself for cssfs.
	out, err := exec.Command(zsh, "-f", "-c", `autoload -U compinit && compinit -u -D && source "$1" && print -r -- $_comps[cssfs]`, "zsh", file).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "_cssfs" {
		t.Errorf("after source: %q, %v; want _cssfs registered", out, err)
	}
	// What an interactive zsh shows on TAB (driven through a pseudo
	// terminal by zsh/zpty): the list for an ambiguous word, with the
	// flags' descriptions, and the values of a flag.
	if got := zshComplete(t, zsh, file, "cssfs mount --log-f"); !strings.Contains(got, "--log-file") || !strings.Contains(got, "--log-format") ||
		!strings.Contains(got, "text or json") {
		t.Errorf("cssfs mount --log-f<TAB>: %q", got)
	}
	if got := zshComplete(t, zsh, file, "cssfs mount --layout "); !strings.Contains(got, "type/date") || !strings.Contains(got, "flat") {
		t.Errorf("cssfs mount --layout <TAB>: %q", got)
	}
	if got := zshComplete(t, zsh, file, "cssfs "); !strings.Contains(got, "unmount") || !strings.Contains(got, "completion") {
		t.Errorf("cssfs <TAB>: %q", got)
	}
	for _, c := range commands() {
		if !strings.Contains(script, "    '"+c.name+":") {
			t.Errorf("command %s missing", c.name)
		}
		for _, fl := range visibleFlags(t, c) {
			if !strings.Contains(script, fl+"[") && !strings.Contains(script, fl+"=[") && !strings.Contains(script, fl+"}") {
				t.Errorf("cssfs %s %s missing", c.name, fl)
			}
		}
	}
}

// zshComplete types line and a TAB into an interactive zsh that sourced
// the script, and returns what the terminal showed after the line.
func zshComplete(t *testing.T, zsh, script, line string) string {
	t.Helper()
	// The quotes in RE''ADY and EN""D keep the echo of what is typed
	// from matching what the shell prints: the prompt, and END.
	const drive = `zmodload zsh/zpty || exit 1
zpty z zsh -f -i
zpty -w z "PS1='RE''ADY>'; autoload -U compinit; compinit -u -D; source ${(q)1}; LISTMAX=1000; bindkey -e"
zpty -r z out '*READY>*'
zpty -w -n z "$2"$'\t'
zpty -w -n z $'\C-e\C-u echo EN""D\n'
zpty -r z out '*END*'
print -r -- "$out"
zpty -d z`
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, zsh, "-f", "-c", drive, "zsh", script, line).CombinedOutput()
	if err != nil {
		t.Fatalf("zsh completion of %q: %v: %s", line, err, out)
	}
	return string(out)
}

// fishComplete asks fish what it would offer for line.
func fishComplete(t *testing.T, fish, script, line string) []string {
	t.Helper()
	out, err := exec.Command(fish, "--no-config", "-c", `source $argv[1]; complete -C $argv[2]`, script, line).CombinedOutput()
	if err != nil {
		t.Fatalf("fish complete -C %q: %v: %s", line, err, out)
	}
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		word, _, _ := strings.Cut(l, "\t")
		got = append(got, word)
	}
	return got
}

func TestFishCompletion(t *testing.T) {
	fish := needTool(t, "fish")
	script := filepath.Join(t.TempDir(), "cssfs.fish")
	os.WriteFile(script, []byte(generated(t, "completion", "fish")), 0o644)
	if out, err := exec.Command(fish, "--no-config", "-n", script).CombinedOutput(); err != nil {
		t.Fatalf("fish -n: %v: %s", err, out)
	}
	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
	}
	if got := fishComplete(t, fish, script, "cssfs "); !containsAll(got, names) {
		t.Errorf("commands: got %q, want all of %q", got, names)
	}
	for _, c := range commands() {
		if got, want := fishComplete(t, fish, script, "cssfs "+c.name+" --"), visibleFlags(t, c); !containsAll(got, want) {
			t.Errorf("cssfs %s --<TAB>: got %q, want all of %q", c.name, got, want)
		}
	}
	if got := fishComplete(t, fish, script, "cssfs mount --log-format "); !containsAll(got, []string{"text", "json"}) || len(got) != 2 {
		t.Errorf("--log-format <TAB>: %q", got)
	}
}

func TestCompletionUnknownShell(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"completion", "powershell"}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "bash, zsh, fish") {
		t.Errorf("exit %d, %q; want 2 and the shells it knows", code, errOut.String())
	}
	if code := run([]string{"completion"}, &out, &errOut); code != 2 {
		t.Errorf("no shell: exit %d, want 2", code)
	}
}

// The man page renders without a warning, and its section of each command
// names every flag that command parses.
func TestManPage(t *testing.T) {
	groff := needTool(t, "groff")
	page := generated(t, "man")
	cmd := exec.Command(groff, "-man", "-ww", "-z")
	cmd.Stdin = strings.NewReader(page)
	if out, err := cmd.CombinedOutput(); err != nil || len(out) != 0 {
		t.Errorf("groff -man -ww: %v: %s", err, out)
	}
	// As the ASCII terminal shows it (no bold), one section per command.
	cmd = exec.Command(groff, "-man", "-Tascii", "-P-cbou", "-rLL=300n", "-ww")
	cmd.Stdin = strings.NewReader(page)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	text, err := cmd.Output()
	if err != nil || stderr.Len() != 0 {
		t.Fatalf("groff -Tascii: %v: %s", err, stderr.String())
	}
	sections := strings.Split(string(text), "\n   cssfs ")
	for _, c := range commands() {
		i := slices.IndexFunc(sections, func(s string) bool { return strings.HasPrefix(s, c.name+" ") || strings.HasPrefix(s, c.name+"\n") })
		if i < 0 {
			t.Errorf("no section for cssfs %s", c.name)
			continue
		}
		for _, fl := range visibleFlags(t, c) {
			if !strings.Contains(sections[i], "       "+fl+" ") && !strings.Contains(sections[i], ", "+fl+" ") &&
				!strings.Contains(sections[i], fl+"\n") {
				t.Errorf("cssfs %s: flag %s not in its section of the man page", c.name, fl)
			}
		}
	}
}

// containsAll says whether got holds every one of want.
func containsAll(got, want []string) bool {
	for _, w := range want {
		if !slices.Contains(got, w) {
			return false
		}
	}
	return true
}
