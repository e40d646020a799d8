// Package clidoc writes shell completion scripts (bash, zsh, fish) and a
// man page from a program's commands and their pflag flag sets, so that
// what the shells offer and what the manual says are the flags the
// commands parse.
//
// A flag's values are hinted with annotations on its definition
// (MarkFile, MarkDir, MarkChoices, SetDefaultText); flags marked hidden
// are left out everywhere.
package clidoc

import (
	"fmt"
	"io"
	"slices"
	"sort"

	"github.com/spf13/pflag"
)

// Command is one subcommand, as the completion scripts and the manual
// describe it.
type Command struct {
	Name        string
	Synopsis    string         // what follows "prog NAME", e.g. "[flags] MOUNTPOINT"
	Summary     string         // one line
	Description string         // paragraphs; lines indented by two spaces are shown as typed
	Flags       *pflag.FlagSet // nil when the command takes no flags
	Args        Values         // what its operands are
}

// Values says what a flag's value or an operand can be.
type Values struct {
	Kind    Kind
	Choices []string // for Choices
}

// Kind of values.
type Kind int

const (
	Any     Kind = iota // free text: nothing to offer
	Files               // a file name
	Dirs                // a directory name
	Choices             // one of Values.Choices
)

// Annotation keys on pflag flags.
const (
	annotValues  = "clidoc_values"
	annotDefault = "clidoc_default"
)

// MarkFile says the flag name of f takes a file name.
func MarkFile(f *pflag.FlagSet, name string) { mustAnnotate(f, name, annotValues, []string{"files"}) }

// MarkDir says the flag name of f takes a directory name.
func MarkDir(f *pflag.FlagSet, name string) { mustAnnotate(f, name, annotValues, []string{"dirs"}) }

// MarkChoices says the flag name of f takes one of choices (or, for a
// flag that also takes other values, that these are the usual ones).
func MarkChoices(f *pflag.FlagSet, name string, choices ...string) {
	mustAnnotate(f, name, annotValues, append([]string{"choices"}, choices...))
}

// SetDefaultText replaces, in the manual, a default that depends on where
// the program runs (the user, the environment) by a description of it.
func SetDefaultText(f *pflag.FlagSet, name, text string) {
	mustAnnotate(f, name, annotDefault, []string{text})
}

// mustAnnotate panics on a name that was never defined: that is a
// mistake in the program, found by its first test.
func mustAnnotate(f *pflag.FlagSet, name, key string, values []string) {
	if err := f.SetAnnotation(name, key, values); err != nil {
		panic(fmt.Sprintf("clidoc: %v", err))
	}
}

// valuesOf is what a flag's annotations say its values are.
func valuesOf(fl *pflag.Flag) Values {
	a := fl.Annotations[annotValues]
	if len(a) == 0 {
		return Values{}
	}
	switch a[0] {
	case "files":
		return Values{Kind: Files}
	case "dirs":
		return Values{Kind: Dirs}
	case "choices":
		return Values{Kind: Choices, Choices: a[1:]}
	}
	return Values{}
}

// takesValue says whether the flag needs a value (--flag VALUE); boolean
// flags, whose value is optional, do not.
func takesValue(fl *pflag.Flag) bool { return fl.NoOptDefVal == "" }

// repeatable says whether the flag may be given more than once.
func repeatable(fl *pflag.Flag) bool {
	return slices.Contains([]string{"stringArray", "stringSlice", "intSlice", "uintSlice", "durationSlice", "boolSlice", "float64Slice", "int64Slice", "ipSlice"}, fl.Value.Type())
}

// VisibleFlags are the flags of c that are not hidden, in their order of
// definition (or sorted, as the flag set asks).
func VisibleFlags(c Command) []*pflag.Flag {
	if c.Flags == nil {
		return nil
	}
	var out []*pflag.Flag
	c.Flags.VisitAll(func(fl *pflag.Flag) {
		if !fl.Hidden {
			out = append(out, fl)
		}
	})
	if c.Flags.SortFlags {
		sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	}
	return out
}

// Write writes the completion script of shell ("bash", "zsh" or "fish")
// for prog's commands.
func Write(w io.Writer, shell, prog string, cmds []Command) error {
	switch shell {
	case "bash":
		return Bash(w, prog, cmds)
	case "zsh":
		return Zsh(w, prog, cmds)
	case "fish":
		return Fish(w, prog, cmds)
	}
	return fmt.Errorf("no completion for shell %q (want bash, zsh or fish)", shell)
}

// Shells are the shells Write knows.
var Shells = []string{"bash", "zsh", "fish"}

// errWriter keeps the first write error, so that the generators can write
// line after line and check once.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
