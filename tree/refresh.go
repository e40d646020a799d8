package tree

// RefreshXattr is the attribute that drops a directory's cached listing
// (and those below it): setfattr -n user.css.refresh -v 1 DIR.
const RefreshXattr = XattrPrefix + "refresh"

// Forget drops the cached listings of the directory d and of every
// directory below it, so that the next look at them asks the service.
func (t *Tree) Forget(d Entry) {
	if d.d().kind == kindRoot {
		t.ForgetAll()
		return
	}
	t.listings.ForgetTree(d.Path)
}

// ForgetAll drops every cached listing (cssfs mount does on SIGHUP).
func (t *Tree) ForgetAll() { t.listings.ForgetAll() }
