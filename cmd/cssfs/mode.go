package main

import (
	"fmt"
	"os"
	"strconv"
)

// octalMode is a flag of permission bits written in octal, as chmod takes
// them: 0440, 440 and 0o440 are the same.
type octalMode os.FileMode

func (m *octalMode) Set(s string) error {
	v, err := strconv.ParseUint(s, 8, 32)
	if len(s) > 2 && (s[:2] == "0o" || s[:2] == "0O") {
		v, err = strconv.ParseUint(s[2:], 8, 32)
	}
	if err != nil || v > 0o777 {
		return fmt.Errorf("%q is not an octal mode such as 0440", s)
	}
	*m = octalMode(v)
	return nil
}

func (m *octalMode) String() string { return fmt.Sprintf("%04o", uint32(*m)) }
func (m *octalMode) Type() string   { return "mode" }
