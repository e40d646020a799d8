package tree

import (
	"context"
	"fmt"

	"github.com/cssfs/cssfs/client"
)

// Names a region directory answers to without listing them, so that find
// and rsync never wander into them.
const (
	filterDirName = ".filter"
	idDirName     = ".id"
)

// isSpecial tells the names that special answers, which are looked up
// without listing the directory first.
func (t *Tree) isSpecial(d dir, name string) bool {
	switch d.kind {
	case kindFilterRoot, kindIDRoot:
		return true
	case kindLayout:
		return d.scope.path == "" && (name == filterDirName || name == idDirName)
	}
	return false
}

// special finds the names a directory answers to without listing them: a
// region's .filter and .id, a filter expression (its search results), an
// object by id.
func (t *Tree) special(ctx context.Context, d Entry, name string) (Entry, error) {
	region, path := d.d().scope.region, childPath(d.Path, name)
	switch {
	case d.d().kind == kindLayout && name == filterDirName:
		return t.dirEntry(name, dir{kind: kindFilterRoot, scope: scope{region: region, path: "/" + filterDirName}, mtime: t.mounted}), nil
	case d.d().kind == kindLayout && name == idDirName:
		return t.dirEntry(name, dir{kind: kindIDRoot, scope: scope{region: region, path: "/" + idDirName}, mtime: t.mounted}), nil
	case d.d().kind == kindFilterRoot:
		// Ask the service whether the expression is valid (one cheap probe).
		if _, _, err := t.api.First(ctx, region, client.Query{Filter: name, Limit: 1}); err != nil {
			return Entry{}, fmt.Errorf("%s: %w", path, apiError(err))
		}
		s := scope{region: region, preds: []string{name}, path: d.d().scope.path + "/" + name}
		return t.dirEntry(name, dir{scope: s, mtime: t.mounted}), nil
	case d.d().kind == kindIDRoot:
		o, err := t.api.Object(ctx, region, name)
		if err != nil {
			return Entry{}, fmt.Errorf("%s: %w", path, apiError(err))
		}
		return t.fileEntry(path, name, region, &o), nil
	}
	return Entry{}, fmt.Errorf("%s: %w", path, ErrNotFound) // isSpecial admits nothing else
}
