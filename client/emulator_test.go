package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cssfs/cssfs/client/csstest"
)

// newEmulator starts an emulator and a client for it with fast, patient
// retries (Retry-After is capped by MaxDelay, so injected 429s cost little).
func newEmulator(t *testing.T, opts csstest.Options) (*csstest.Server, *Client, *syncBuffer) {
	t.Helper()
	srv, err := csstest.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	logs := &syncBuffer{}
	c, err := New(Config{
		BaseURL: srv.URL,
		Key:     srv.Key,
		Secret:  srv.Secret,
		Retry:   RetryPolicy{MaxAttempts: 30, BaseDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond, MaxElapsed: 30 * time.Second},
		Logger:  slog.New(slog.NewTextHandler(logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	return srv, c, logs
}

func TestEmulatorPaging(t *testing.T) {
	srv, c, _ := newEmulator(t, csstest.Options{Regions: []string{"us-east"}})
	want := map[int][]string{}
	for _, n := range []int{0, 1, 100, 101, 245} {
		for i := range n {
			o := srv.Add("us-east", csstest.ObjectSpec{
				Type:    fmt.Sprintf("paging%d", n),
				Created: time.Date(2024, 1, 1, 0, 0, i, 0, time.UTC),
				Size:    10,
			})
			want[n] = append(want[n], o.ID)
		}
	}
	ctx := context.Background()
	for n, ids := range want {
		q := Query{Filter: Eq("type", fmt.Sprintf("paging%d", n)), SortField: "createdTime", SortDirection: "ASC"}
		for _, parallel := range []int{1, 4} {
			objs, err := c.List(ctx, "us-east", q, parallel)
			if err != nil {
				t.Fatalf("n=%d: %v", n, err)
			}
			var got []string
			for _, o := range objs {
				got = append(got, o.ID)
			}
			if !slices.Equal(got, ids) {
				t.Errorf("n=%d parallel=%d: got %d ids, want %d (or order differs)", n, parallel, len(got), len(ids))
			}
		}
		first, ok, err := c.First(ctx, "us-east", q)
		if err != nil || ok != (n > 0) || (ok && first.ID != ids[0]) {
			t.Errorf("n=%d: First = %v %v %v", n, first.ID, ok, err)
		}
	}
}

func TestEmulatorObjectAndRegions(t *testing.T) {
	srv, c, _ := newEmulator(t, csstest.Options{Regions: []string{"us-east", "uk"}})
	created := time.Date(2022, 11, 1, 21, 22, 22, 0, time.UTC)
	w := srv.Add("uk", csstest.ObjectSpec{
		ID: "a/b c", Type: "callrecording", Name: "x:y+z.mp3", Created: created,
		Tags: []csstest.Tag{{Key: "direction", Value: "OUTBOUND"}}, Content: []byte("hello"),
	})
	ctx := context.Background()
	regions, err := c.Regions(ctx)
	if err != nil || !slices.Equal(regions, []string{"us-east", "uk"}) {
		t.Fatalf("Regions = %v, %v", regions, err)
	}
	o, err := c.Object(ctx, "uk", "a/b c")
	if err != nil {
		t.Fatal(err)
	}
	if o.ID != w.ID || o.ObjectName != w.ObjectName || o.StoredBytes != 5 || !o.CreatedTime.Equal(created) ||
		o.Checksum != w.Checksum || o.ObjectState != "AVAILABLE" || o.BucketID != w.BucketID || o.UserID != w.UserID {
		t.Errorf("got %+v\nwire %+v", o, w)
	}
	if v, _ := o.Tag("direction"); v != "OUTBOUND" {
		t.Errorf("tags %v", o.Tags)
	}
	if _, err := c.Object(ctx, "uk", "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing object: %v", err)
	}
	if _, err := c.Object(ctx, "us-east", "a/b c"); !errors.Is(err, ErrNotFound) {
		t.Errorf("object in the other region: %v", err)
	}
}

func TestEmulatorOneTokenForConcurrentCallers(t *testing.T) {
	srv, c, _ := newEmulator(t, csstest.Options{Regions: []string{"us-east"}})
	o := srv.Add("us-east", csstest.ObjectSpec{Size: 100})
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if _, err := c.Object(context.Background(), "us-east", o.ID); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := srv.Count("token"); n != 1 {
		t.Errorf("token requests = %d, want 1", n)
	}
}

func TestEmulatorTokenExpiry(t *testing.T) {
	srv, c, logs := newEmulator(t, csstest.Options{Regions: []string{"us-east"}, TokenLifetime: time.Second})
	o := srv.Add("us-east", csstest.ObjectSpec{Size: 100})
	ctx := context.Background()
	// Server-side expiry: one 401, one refresh, success.
	if _, err := c.Object(ctx, "us-east", o.ID); err != nil {
		t.Fatal(err)
	}
	srv.ExpireTokens()
	if _, err := c.Object(ctx, "us-east", o.ID); err != nil {
		t.Fatal(err)
	}
	if n := srv.Count("token"); n != 2 {
		t.Errorf("token requests = %d, want 2", n)
	}
	// Short lifetimes: the client refreshes ahead, so no call ever sees a 401.
	before := strings.Count(logs.String(), "token rejected")
	deadline := time.Now().Add(5 * time.Second)
	for srv.Count("token") < 4 && time.Now().Before(deadline) {
		if _, err := c.Object(ctx, "us-east", o.ID); err != nil {
			t.Fatal(err)
		}
	}
	if srv.Count("token") < 4 {
		t.Fatal("token never refreshed")
	}
	if after := strings.Count(logs.String(), "token rejected"); after != before {
		t.Errorf("%d calls hit an expired token", after-before)
	}
}

func TestEmulatorBadCredentials(t *testing.T) {
	srv, err := csstest.New(csstest.Options{Regions: []string{"us-east"}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c, err := New(Config{BaseURL: srv.URL, Key: srv.Key, Secret: "not-" + srv.Secret})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Regions(context.Background())
	if !errors.Is(err, ErrAuth) || strings.Contains(err.Error(), srv.Secret) {
		t.Fatalf("got %v", err)
	}
}

// readAll reads a whole object through ReadRange in blocks of bs bytes.
func readAll(t *testing.T, c *Client, region, id string, size int64, bs int) []byte {
	t.Helper()
	out := make([]byte, size)
	for off := int64(0); off < size; off += int64(bs) {
		p := out[off:min(off+int64(bs), size)]
		if _, err := c.ReadRange(context.Background(), region, id, off, p, nil); err != nil {
			t.Fatalf("read at %d: %v", off, err)
		}
	}
	return out
}

func trueContent(t *testing.T, srv *csstest.Server, region, id string) []byte {
	t.Helper()
	ra, n, err := srv.Open(region, id)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(io.NewSectionReader(ra, 0, n))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestEmulatorFaults(t *testing.T) {
	srv, c, logs := newEmulator(t, csstest.Options{Regions: []string{"us-east"}})
	var ids []string
	for i := range 130 {
		ids = append(ids, srv.Add("us-east", csstest.ObjectSpec{Type: "faulty", Size: int64(1000 + i)}).ID)
	}
	big := srv.Add("us-east", csstest.ObjectSpec{Type: "bigfile", MimeType: "application/octet-stream", Size: 700 << 10})
	want := trueContent(t, srv, "us-east", big.ID)
	ctx := context.Background()

	for _, f := range []csstest.Faults{
		{Rate429: 0.4, RetryAfter: time.Second},
		{Rate5xx: 0.4},
		{MalformedRate: 0.4},
		{ResetRate: 0.5},
		{Rate429: 0.2, Rate5xx: 0.2, ResetRate: 0.3, MalformedRate: 0.2},
	} {
		srv.SetFaults(f)
		objs, err := c.List(ctx, "us-east", Query{Filter: Eq("type", "faulty"), Limit: 50}, 1)
		if err != nil {
			t.Fatalf("%+v: search: %v", f, err)
		}
		var got []string
		for _, o := range objs {
			got = append(got, o.ID)
		}
		if len(got) != len(ids) {
			t.Errorf("%+v: search found %d of %d", f, len(got), len(ids))
		}
		if b := readAll(t, c, "us-east", big.ID, big.StoredBytes, 256<<10); !bytes.Equal(b, want) {
			t.Errorf("%+v: content differs", f)
		}
	}
	if !strings.Contains(logs.String(), "css retry") {
		t.Error("no retries logged")
	}
	srv.SetFaults(csstest.Faults{Rate429: 1, RetryAfter: 5 * time.Second})
	c.retry.MaxElapsed = time.Second
	if _, err := c.Object(ctx, "us-east", big.ID); !errors.Is(err, ErrThrottled) {
		t.Errorf("Retry-After beyond the budget: %v", err)
	}
}

func TestEmulatorRangeIgnored(t *testing.T) {
	srv, c, _ := newEmulator(t, csstest.Options{Regions: []string{"us-east"}})
	o := srv.Add("us-east", csstest.ObjectSpec{MimeType: "application/octet-stream", Type: "blob", Size: 300<<10 + 3})
	want := trueContent(t, srv, "us-east", o.ID)
	srv.SetFaults(csstest.Faults{IgnoreRange: true, ResetRate: 0.3})
	got := make([]byte, len(want))
	off, n := int64(100_000), 50_000
	p := got[off : off+int64(n)]
	if _, err := c.ReadRange(context.Background(), "us-east", o.ID, off, p, func(at int64, b []byte) {
		copy(got[at:], b)
	}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("range plus spill differs from the object")
	}
	if !c.RangeIgnored() {
		t.Error("RangeIgnored not set")
	}
}

func TestEmulatorBadBodies(t *testing.T) {
	srv, c, _ := newEmulator(t, csstest.Options{Regions: []string{"us-east"}})
	o := srv.Add("us-east", csstest.ObjectSpec{MimeType: "application/octet-stream", Type: "blob", Size: 4000})
	want := trueContent(t, srv, "us-east", o.ID)
	ctx := context.Background()
	for _, f := range []csstest.Faults{{ShortBodies: true}, {ShortBodies: true, IgnoreRange: true}} {
		srv.SetFaults(f)
		p := make([]byte, 100)
		n, err := c.ReadRange(ctx, "us-east", o.ID, 3900, p, nil)
		if n != 0 || !errors.Is(err, ErrBadResponse) {
			t.Errorf("%+v: tail of a short body: n=%d err=%v", f, n, err)
		}
	}
	for _, f := range []csstest.Faults{{LongBodies: true}, {LongBodies: true, IgnoreRange: true}} {
		srv.SetFaults(f)
		p := make([]byte, 100)
		if _, err := c.ReadRange(ctx, "us-east", o.ID, 3900, p, nil); err != nil || !bytes.Equal(p, want[3900:]) {
			t.Errorf("%+v: tail of a long body: %v", f, err)
		}
	}
}

func TestEmulatorNotAvailable(t *testing.T) {
	srv, c, _ := newEmulator(t, csstest.Options{Regions: []string{"us-east"}})
	ctx := context.Background()
	for state, want := range map[string]error{
		csstest.StateArchived:  ErrNotAvailable,
		csstest.StateRevoked:   ErrNotAvailable,
		csstest.StatePending:   ErrNotAvailable,
		csstest.StateAvailable: nil,
	} {
		o := srv.Add("us-east", csstest.ObjectSpec{State: state, Size: 50})
		_, err := c.ReadRange(ctx, "us-east", o.ID, 0, make([]byte, 10), nil)
		if !errors.Is(err, want) && (want != nil || err != nil) {
			t.Errorf("%s: got %v, want %v", state, err, want)
		}
	}
	if _, err := c.ReadRange(ctx, "us-east", "missing", 0, make([]byte, 10), nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing object: %v", err)
	}
}

func TestEmulatorCancellation(t *testing.T) {
	srv, c, _ := newEmulator(t, csstest.Options{Regions: []string{"us-east"}, Faults: csstest.Faults{Latency: 3 * time.Second}})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Regions(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("returned after %v", d)
	}
	_ = srv
}

func TestEmulatorFIQLRoundTrip(t *testing.T) {
	srv, c, _ := newEmulator(t, csstest.Options{Regions: []string{"us-east"}})
	values := []string{
		"plain", "with space", `a "quoted" word`, "semi;colon", "com,ma", "(paren)", "eq=ual", "<lt>gt",
		"bang!", "ti~lde", "it's", `back\slash`, "+16695555518", "ünïcödé", "a=in=(x,y)",
	}
	ids := map[string]string{}
	for i, v := range values {
		o := srv.Add("us-east", csstest.ObjectSpec{Type: "fiql", Size: 1,
			Name: "name " + v, Created: time.Date(2024, 2, 1, 0, 0, i, 0, time.UTC),
			Tags: []csstest.Tag{{Key: "note", Value: v}}})
		ids[v] = o.ID
	}
	ctx := context.Background()
	find := func(filter string) []string {
		t.Helper()
		objs, err := c.List(ctx, "us-east", Query{Filter: filter, SortField: "createdTime", SortDirection: "ASC"}, 1)
		if err != nil {
			t.Fatalf("filter %s: %v", filter, err)
		}
		var got []string
		for _, o := range objs {
			got = append(got, o.ID)
		}
		return got
	}
	for _, v := range values {
		if got := find(And(Eq("type", "fiql"), Eq("note", v))); !slices.Equal(got, []string{ids[v]}) {
			t.Errorf("note==%q (%s): got %v", v, Eq("note", v), got)
		}
		if got := find(Eq("objectName", "name "+v)); !slices.Equal(got, []string{ids[v]}) {
			t.Errorf("objectName==%q: got %v", "name "+v, got)
		}
	}
	got := find(And(Eq("type", "fiql"), Or(Eq("note", "com,ma"), In("note", "(paren)", "it's"))))
	if want := []string{ids["com,ma"], ids["(paren)"], ids["it's"]}; !slices.Equal(got, want) {
		t.Errorf("or/in: got %v, want %v", got, want)
	}
	from := time.Date(2024, 2, 1, 0, 0, 3, 0, time.UTC)
	got = find(And(Eq("type", "fiql"), Ge("createdTime", Millis(from)), Lt("createdTime", Millis(from.Add(2*time.Second)))))
	if want := []string{ids[values[3]], ids[values[4]]}; !slices.Equal(got, want) {
		t.Errorf("time window: got %v, want %v", got, want)
	}
	if got := find(And(Eq("type", "fiql"), Out("note", values[1:]...))); !slices.Equal(got, []string{ids["plain"]}) {
		t.Errorf("out: got %v", got)
	}
}
