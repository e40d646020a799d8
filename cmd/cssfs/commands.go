package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/cssfs/cssfs/internal/clidoc"
)

// command is one subcommand of cssfs: what runs it, and what its --help,
// the usage, the shell completions and the man page say of it. All of
// them read this table, so a new command is added here and nowhere else.
type command struct {
	name     string
	synopsis string // after "cssfs NAME"
	summary  string // one line, for the list of commands
	// description follows the usage line of --help and is the command's
	// part of the man page; lines indented by two spaces are examples.
	description string
	// flags makes the command's flag set, as its run parses it (nil: it
	// takes none).
	flags func(stderr io.Writer) *pflag.FlagSet
	args  clidoc.Values // what the operands are, for completion
	run   func(args []string, stdout, stderr io.Writer) error
}

// commands is the table of subcommands, in the order the usage lists them.
func commands() []command {
	return []command{
		{name: "mount", synopsis: "[flags] MOUNTPOINT", summary: "mount the tenant (foreground; Ctrl-C unmounts)",
			description: mountDescription, flags: func(w io.Writer) *pflag.FlagSet { f, _ := newMountFlags(w); return f },
			args: clidoc.Values{Kind: clidoc.Dirs}, run: runMount},
		{name: "ls", synopsis: "[flags] [PATH...]", summary: "list the same tree without FUSE",
			description: lsDescription, flags: func(w io.Writer) *pflag.FlagSet {
				_, f := newServiceFlagSet("ls", w, new(lsOptions).register)
				return f
			},
			run: runLs},
		{name: "cat", synopsis: "[flags] PATH...", summary: "write files of the tree to standard output",
			description: catDescription, flags: func(w io.Writer) *pflag.FlagSet { _, f := newServiceFlagSet("cat", w, nil); return f },
			run: runCat},
		{name: "get", synopsis: "[flags] PATH DEST", summary: "copy a file or subtree to a local folder (resumable)",
			description: getDescription, flags: func(w io.Writer) *pflag.FlagSet { _, f := newServiceFlagSet("get", w, getFlags(new(bool))); return f },
			run: runGet},
		{name: "unmount", synopsis: "[-z] MOUNTPOINT", summary: "unmount (-z: lazily, when busy)",
			description: unmountDescription, flags: func(w io.Writer) *pflag.FlagSet { return newUnmountFlags(w, new(bool)) },
			args: clidoc.Values{Kind: clidoc.Dirs}, run: runUnmount},
		{name: "doctor", synopsis: "[flags]", summary: "check FUSE, credentials, token, regions and a sample read",
			description: doctorDescription, flags: func(w io.Writer) *pflag.FlagSet { _, f := newServiceFlagSet("doctor", w, nil); return f },
			run: runDoctor},
		{name: "emulator", synopsis: "[flags]", summary: "run the CSS API emulator and print its URL, key and secret",
			description: emulatorDescription, flags: func(w io.Writer) *pflag.FlagSet { f, _, _ := newEmulatorFlags(w); return f },
			run: runEmulator},
		{name: "completion", synopsis: strings.Join(clidoc.Shells, "|"), summary: "print the shell completion script of cssfs",
			description: completionDescription, args: clidoc.Values{Kind: clidoc.Choices, Choices: clidoc.Shells},
			run: runCompletion},
		{name: "man", synopsis: "", summary: "print the manual page of cssfs (roff)",
			description: "Prints this manual page, for man(1):\n  cssfs man | man -l -\n", run: runMan},
		{name: "version", synopsis: "", summary: "print the version",
			description: "Prints the version of cssfs.\n", run: runVersion},
	}
}

// lookup is the command called name.
func lookup(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// mainUsage is what "cssfs --help" prints.
func mainUsage() string {
	var b strings.Builder
	b.WriteString("cssfs — mount an 8x8 Cloud Storage Service tenant as a filesystem\n\nUsage:\n")
	cmds := commands()
	width := 0
	for _, c := range cmds {
		width = max(width, len(c.name)+len(c.synopsis))
	}
	for _, c := range cmds {
		fmt.Fprintf(&b, "  cssfs %-*s  %s\n", width+1, c.name+" "+c.synopsis, c.summary)
	}
	b.WriteString("\nNo credentials yet? cssfs mount --demo MOUNTPOINT mounts a built-in sample tenant.\n" +
		"Run \"cssfs COMMAND --help\" for a command's flags.\n")
	return b.String()
}

// newFlagSet is the flag set of the command called name, whose usage is
// its line of the table and its flags.
func newFlagSet(name string, stderr io.Writer) *pflag.FlagSet {
	f := pflag.NewFlagSet("cssfs "+name, pflag.ContinueOnError)
	f.SetOutput(stderr)
	f.SortFlags = false
	f.Usage = func() {
		c, _ := lookup(name)
		fmt.Fprintf(f.Output(), "Usage: cssfs %s %s\n\n%s", name, c.synopsis, c.description)
		if f.HasAvailableFlags() {
			fmt.Fprintf(f.Output(), "\nFlags:\n%s", f.FlagUsages())
		}
	}
	return f
}

// docCommands is the table as the completion and man page generators
// take it.
func docCommands() []clidoc.Command {
	var out []clidoc.Command
	for _, c := range commands() {
		d := clidoc.Command{Name: c.name, Synopsis: c.synopsis, Summary: c.summary, Description: c.description, Args: c.args}
		if c.flags != nil {
			d.Flags = c.flags(io.Discard)
		}
		out = append(out, d)
	}
	return out
}

const completionDescription = `Prints a script that completes cssfs's commands, flags and their values
in bash, zsh or fish. The packages install them; otherwise:
  cssfs completion bash > /etc/bash_completion.d/cssfs     # or: source <(cssfs completion bash)
  cssfs completion zsh > "${fpath[1]}/_cssfs"
  cssfs completion fish > ~/.config/fish/completions/cssfs.fish
`

func runCompletion(args []string, stdout, stderr io.Writer) error {
	f := newFlagSet("completion", stderr)
	if err := parseFlags(f, args, stdout); err != nil {
		return err
	}
	if f.NArg() != 1 {
		f.Usage()
		return usageError{"completion needs one shell: " + strings.Join(clidoc.Shells, ", ")}
	}
	shell := f.Arg(0)
	if !slices.Contains(clidoc.Shells, shell) {
		return usageError{fmt.Sprintf("completion: unknown shell %q (want %s)", shell, strings.Join(clidoc.Shells, ", "))}
	}
	return clidoc.Write(stdout, shell, "cssfs", docCommands())
}

func runMan(args []string, stdout, stderr io.Writer) error {
	f := newFlagSet("man", stderr)
	if err := parseFlags(f, args, stdout); err != nil {
		return err
	}
	if f.NArg() != 0 {
		return usageError{"man takes no arguments"}
	}
	return clidoc.Man(stdout, manPage())
}

func runVersion(args []string, stdout, stderr io.Writer) error {
	f := newFlagSet("version", stderr)
	if err := parseFlags(f, args, stdout); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "cssfs", version)
	return nil
}
