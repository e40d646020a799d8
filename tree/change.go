package tree

import (
	"context"
	"errors"
	"fmt"
)

// Refresh reads again the metadata of a file whose object is not
// AVAILABLE (one request), so that a restored object becomes readable
// without a remount. Settled entries come back unchanged.
func (t *Tree) Refresh(ctx context.Context, e Entry) (Entry, error) {
	if e.Settled() {
		return e, nil
	}
	o, err := t.api.Object(ctx, e.Region, e.ObjectID)
	if err != nil {
		return e, fmt.Errorf("%s: %w", e.Path, apiError(err))
	}
	return t.fileEntry(e.Path, e.Name, e.Region, &o), nil
}

// Restore days: the service keeps a restored copy for 1 to 10 days.
const (
	MinRestoreDays = 1
	MaxRestoreDays = 10
)

// Restore asks for the archived object of file e back for days days. The
// service restores it asynchronously (up to 24 h); Refresh shows when.
func (t *Tree) Restore(ctx context.Context, e Entry, days int) error {
	if e.Kind != File {
		return fmt.Errorf("%s: only objects can be restored: %w", e.Path, ErrReadOnly)
	}
	if days < MinRestoreDays || days > MaxRestoreDays {
		return fmt.Errorf("%s: restore for %d days: the service keeps a restored copy %d to %d days: %w", e.Path, days, MinRestoreDays, MaxRestoreDays, ErrInvalidArgument)
	}
	err := apiError(t.api.Restore(ctx, e.Region, e.ObjectID, days))
	switch {
	case errors.Is(err, ErrNotArchived):
		return fmt.Errorf("%s: restore refused: %w", e.Path, err)
	case errors.Is(err, ErrAccessDenied):
		return fmt.Errorf("%s: restore refused: the API key has no edit access: %w", e.Path, err)
	case err != nil:
		return fmt.Errorf("%s: restore: %w", e.Path, err)
	}
	t.log.Info("restore requested; the file becomes readable once the service has restored it (up to 24 h)", "region", e.Region, "id", e.ObjectID, "days", days)
	return nil
}

// Delete deletes the object named name in directory d (with
// Config.AllowDelete), forgets d's listing so that it goes at once, and
// returns the entry it was.
func (t *Tree) Delete(ctx context.Context, d Entry, name string) (Entry, error) {
	if !t.cfg.AllowDelete {
		return Entry{}, fmt.Errorf("%s: %w", childPath(d.Path, name), ErrReadOnly)
	}
	l, err := t.List(ctx, d) // only what is listed: never an object reached by .id
	if err != nil {
		return Entry{}, err
	}
	e, ok := l.Lookup(name)
	if !ok {
		return Entry{}, fmt.Errorf("%s: %w", childPath(d.Path, name), ErrNotFound)
	}
	if e.Kind != File {
		// A directory is a view of the service, and a sidecar goes with its object.
		return Entry{}, fmt.Errorf("%s: only objects can be deleted: %w", e.Path, ErrNotPermitted)
	}
	if err := t.api.Delete(ctx, e.Region, e.ObjectID); err != nil {
		return Entry{}, fmt.Errorf("%s: delete: %w", e.Path, apiError(err))
	}
	t.listings.Forget(d.Path)
	return e, nil
}
