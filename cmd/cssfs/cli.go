package main

import (
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/cssfs/cssfs/tree"
)

// cssfs ls, cat and get serve the mount's tree (the same package, the
// same names) by path, for machines without FUSE (containers, macOS
// without a FUSE driver).

// newServiceFlagSet is the flag set of a command that takes the service
// flags, after its own (defined by extra, when not nil).
func newServiceFlagSet(name string, stderr io.Writer, extra func(*pflag.FlagSet)) (*serviceFlags, *pflag.FlagSet) {
	s := &serviceFlags{}
	f := newFlagSet(name, stderr)
	if extra != nil {
		extra(f)
	}
	s.register(f)
	return s, f
}

// parseServiceCommand parses the flags of a command that takes the
// service flags (plus those extra defines).
func parseServiceCommand(name string, args []string, stdout, stderr io.Writer, extra func(*pflag.FlagSet)) (*serviceFlags, *pflag.FlagSet, error) {
	s, f := newServiceFlagSet(name, stderr, extra)
	if err := parseFlags(f, args, stdout); err != nil {
		return nil, nil, err
	}
	if err := s.check(); err != nil {
		return nil, nil, err
	}
	return s, f, nil
}

// treeCommand parses a command's flags and opens the tree.
func treeCommand(name string, args []string, stdout, stderr io.Writer, extra func(*pflag.FlagSet)) (*tree.Tree, []string, func(), error) {
	s, f, err := parseServiceCommand(name, args, stdout, stderr, extra)
	if err != nil {
		return nil, nil, nil, err
	}
	sess, err := s.open(f, stderr)
	if err != nil {
		return nil, nil, nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.opTimeout)
	defer cancel()
	t, err := tree.New(ctx, sess.api, sess.blocks, s.treeConfig(sess.log))
	if err != nil {
		sess.close()
		return nil, nil, nil, err
	}
	return t, f.Args(), sess.close, nil
}

const lsDescription = `Lists the tree the mount would show, by path (default: the regions).
Examples:
  cssfs ls /us-east/callrecording/2024/03
  cssfs ls -l /uk/.filter/'type==callrecording;direction==INBOUND'
`

// lsOptions are the flags of ls besides the service flags.
type lsOptions struct{ long, recursive bool }

func (o *lsOptions) register(f *pflag.FlagSet) {
	f.BoolVarP(&o.long, "long", "l", false, "show mode, size, time and name")
	f.BoolVarP(&o.recursive, "recursive", "R", false, "list subdirectories too")
}

func runLs(args []string, stdout, stderr io.Writer) error {
	var o lsOptions
	t, paths, done, err := treeCommand("ls", args, stdout, stderr, o.register)
	long, recursive := o.long, o.recursive
	if err != nil {
		return err
	}
	defer done()
	if len(paths) == 0 {
		paths = []string{"/"}
	}
	ctx := context.Background()
	show := func(entries []tree.Entry) {
		for _, e := range entries {
			if long {
				fmt.Fprintf(stdout, "%s %12d %s %s\n", e.Attr.Mode, e.Attr.Size, e.Attr.Mtime.UTC().Format("2006-01-02 15:04:05"), e.Name)
			} else {
				fmt.Fprintln(stdout, e.Name)
			}
		}
	}
	for i, p := range paths {
		e, err := t.Resolve(ctx, p)
		if err != nil {
			return err
		}
		if !e.IsDir() {
			show([]tree.Entry{e})
			continue
		}
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		if !recursive {
			l, err := t.List(ctx, e)
			if err != nil {
				return err
			}
			if len(paths) > 1 {
				fmt.Fprintf(stdout, "%s:\n", p)
			}
			show(l.Entries())
			continue
		}
		err = t.Walk(ctx, e, func(d tree.Entry, entries []tree.Entry) error {
			if d.Path != e.Path {
				fmt.Fprintln(stdout)
			}
			fmt.Fprintf(stdout, "%s:\n", d.Path)
			show(entries)
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

const catDescription = `Writes files of the tree to standard output.
Example:
  cssfs cat /us-east/transcription/2024/03/15/x.json | jq .
`

func runCat(args []string, stdout, stderr io.Writer) error {
	t, paths, done, err := treeCommand("cat", args, stdout, stderr, nil)
	if err != nil {
		return err
	}
	defer done()
	if len(paths) == 0 {
		return usageError{"cat needs a PATH"}
	}
	ctx := context.Background()
	for _, p := range paths {
		e, err := t.Resolve(ctx, p)
		if err != nil {
			return err
		}
		r, err := t.Open(ctx, e)
		if err != nil {
			return err
		}
		if _, err := io.Copy(stdout, r.Stream(ctx)); err != nil {
			return err
		}
	}
	return nil
}

const getDescription = `Copies a file or a whole subtree of the tree into the local folder DEST.
It can be run again after an interruption: files already complete (same
size and modification time) are skipped.
Example:
  cssfs get /us-east/callrecording/2024/03 ./march
`

func runGet(args []string, stdout, stderr io.Writer) error {
	var quiet bool
	t, paths, done, err := treeCommand("get", args, stdout, stderr, getFlags(&quiet))
	if err != nil {
		return err
	}
	defer done()
	if len(paths) != 2 {
		return usageError{"get needs a PATH and a DEST"}
	}
	g := &getter{tree: t, ctx: context.Background()}
	src, dest := paths[0], paths[1]
	e, err := t.Resolve(g.ctx, src)
	if err != nil {
		return err
	}
	// Count first, so that the bar has a total and an ETA: the walk lists
	// each directory once, and the copy then opens from the entries.
	var jobs []copyJob
	if e.IsDir() {
		jobs, err = g.plan(e, dest)
	} else {
		jobs = g.keep(jobs, e, filepath.Join(dest, e.Name))
	}
	if err != nil {
		return err
	}
	var total int64
	for _, j := range jobs {
		total += j.entry.Attr.Size
	}
	g.progress = newProgress(stderr, quiet, len(jobs), total)
	for _, j := range jobs {
		if err := g.file(j.entry, j.target); err != nil {
			g.failed++
			g.progress.note(fmt.Sprintf("%s: %v", j.entry.Path, err))
		}
	}
	g.progress.finish()
	elapsed := time.Since(g.progress.start)
	fmt.Fprintf(stdout, "%d files copied (%s in %s, %s/s), %d already complete, %d failed\n", g.copied, humanBytes(g.bytes),
		elapsed.Round(time.Millisecond), humanBytes(int64(float64(g.bytes)/max(elapsed.Seconds(), 1e-3))), g.skipped, g.failed)
	if g.failed > 0 {
		return fmt.Errorf("%d files could not be copied; run the same command again to retry them", g.failed)
	}
	return nil
}

// getFlags defines the flags of get besides the service flags.
func getFlags(quiet *bool) func(*pflag.FlagSet) {
	return func(f *pflag.FlagSet) { f.BoolVarP(quiet, "quiet", "q", false, "no progress bar") }
}

// getter copies a subtree, counting what it did.
type getter struct {
	tree                    *tree.Tree
	ctx                     context.Context
	progress                *progress
	copied, skipped, failed int
	bytes                   int64
}

// copyJob is one file to copy and where to.
type copyJob struct {
	entry  tree.Entry
	target string
}

// plan walks the directory top and lists the files under dest that are not
// there complete already.
func (g *getter) plan(top tree.Entry, dest string) ([]copyJob, error) {
	var jobs []copyJob
	err := g.tree.Walk(g.ctx, top, func(d tree.Entry, entries []tree.Entry) error {
		local := filepath.Join(dest, filepath.FromSlash(strings.TrimPrefix(d.Path, top.Path)))
		if err := os.MkdirAll(local, 0o755); err != nil {
			return err
		}
		for _, e := range entries {
			if !e.IsDir() {
				jobs = g.keep(jobs, e, filepath.Join(local, e.Name))
			}
		}
		return nil
	})
	return jobs, err
}

// keep adds e to jobs unless its local copy is complete (same size and
// modification time).
func (g *getter) keep(jobs []copyJob, e tree.Entry, target string) []copyJob {
	if st, err := os.Stat(target); err == nil && st.Size() == e.Attr.Size && st.ModTime().Equal(e.Attr.Mtime) {
		g.skipped++
		return jobs
	}
	return append(jobs, copyJob{e, target})
}

// file copies one file. It writes to a temporary name and renames, so an
// interrupted copy is never mistaken for a complete one.
func (g *getter) file(e tree.Entry, target string) error {
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	r, err := g.tree.Open(g.ctx, e)
	if err != nil {
		return err
	}
	// A short temporary name: the target's may already be 255 bytes.
	h := fnv.New64a()
	h.Write([]byte(target))
	tmp := filepath.Join(filepath.Dir(target), fmt.Sprintf(".cssfs-%016x.partial", h.Sum64()))
	w, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	n, err := io.Copy(w, g.progress.counting(r.Stream(g.ctx), e.Name))
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err == nil && n != e.Attr.Size {
		err = fmt.Errorf("copied %d of %d bytes", n, e.Attr.Size)
	}
	if err == nil {
		err = os.Chtimes(tmp, e.Attr.Mtime, e.Attr.Mtime)
	}
	if err == nil {
		err = os.Rename(tmp, target)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	g.copied++
	g.progress.fileDone()
	g.bytes += n
	return nil
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(b []byte) (int, error) { return f(b) }

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
