package naming

import (
	"strings"
	"testing"

	"github.com/cssfs/cssfs/client"
	"github.com/cssfs/cssfs/client/csstest"
)

// Every default name over a 100,000-object tenant, hard cases included
// (odd unicode, 300-byte names, duplicates, names with '/', objects without
// the tags their type's template needs), is safe for tools and for Windows
// once made unique in its directory, as the tree makes it.
func TestDefaultNamesAreSafeOverAHundredThousandObjects(t *testing.T) {
	emu, err := csstest.New(csstest.Options{Objects: 50_000, MultipartThreshold: 1}) // no content hashed for checksums
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	for i, name := range []string{"-rf", "CON.wav", "trailing. ", "a:b<c>d\"e\\f|g?h*i.wav", "bell\a.wav", "rtl\u202Ewav.exe", "", "..", strings.Repeat("ü", 150)} {
		emu.Add("us-east", csstest.ObjectSpec{Type: "callrecording", Name: name, Size: int64(100 + i),
			Tags: []csstest.Tag{{Key: "direction", Value: "-INBOUND:"}}}) // too few tags for the template
	}
	scheme, err := NewScheme(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	dirs := map[string][]Named{} // by region/type/day, as the default layout files them
	readable := 0
	for _, region := range emu.Regions() {
		for _, o := range emu.Objects(region) {
			obj := client.Object{ID: o.ID, Type: o.Type, MimeType: o.MimeType, ObjectName: o.ObjectName, CreatedTime: o.Created()}
			for _, tag := range o.Tags {
				obj.Tags = append(obj.Tags, client.Tag{Key: tag.Key, Value: tag.Value})
			}
			name := scheme.Name(&obj)
			if name != rawName(&obj) {
				readable++
			}
			dir := region + "/" + o.Type + "/" + o.Created().Format("2006/01/02")
			dirs[dir] = append(dirs[dir], Named{Name: name, ID: o.ID})
		}
	}
	files := 0
	for dir, entries := range dirs {
		names := Unique(entries)
		seen := map[string]bool{}
		for _, name := range names {
			if why := unsafe(name); why != "" {
				t.Errorf("%s/%q: %s", dir, name, why)
			}
			if seen[name] {
				t.Errorf("%s/%q: twice in one directory", dir, name)
			}
			seen[name] = true
			if side := Sidecar(name, "x"); unsafe(side) != "" {
				t.Errorf("%s/%q: its sidecar name %q is not safe", dir, name, side)
			}
		}
		files += len(names)
	}
	if files < 100_000 {
		t.Fatalf("checked %d names, want at least 100,000", files)
	}
	if readable < files*9/10 {
		t.Errorf("only %d of %d objects have a readable name", readable, files)
	}
	t.Logf("%d names checked, %d from their tags", files, readable)
}
