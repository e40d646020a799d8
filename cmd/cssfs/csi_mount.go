package main

import (
	"errors"
	"io"
)

// checkMountArgs parses "cssfs mount" flags (a volume's parameters) as the
// mount process will, without mounting.
func checkMountArgs(args []string) error {
	f, m := newMountFlags(io.Discard)
	if err := f.Parse(args); err != nil {
		return err
	}
	if err := m.check(); err != nil {
		var u usageError
		if errors.As(err, &u) {
			return errors.New(u.msg)
		}
		return err
	}
	return nil
}
