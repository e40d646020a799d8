package csstest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"
)

// ErrNotFound is returned for unknown regions and objects.
var ErrNotFound = errors.New("not found")

func (s *Server) region(name string) (*region, error) {
	rg, ok := s.regions[name]
	if !ok {
		return nil, fmt.Errorf("region %q: %w", name, ErrNotFound)
	}
	return rg, nil
}

// Objects returns every object of the region in every state, sorted by
// createdTime then id. It computes checksums, so it is slow on huge tenants.
func (s *Server) Objects(region string) []Object {
	rg, err := s.region(region)
	if err != nil {
		return nil
	}
	rg.settle(time.Now().UnixNano())
	rg.mu.RLock()
	hs := append([]int32(nil), rg.order...)
	rg.mu.RUnlock()
	objs, err := s.objects(rg, hs)
	if err != nil {
		return nil
	}
	return objs
}

// Object returns one object (any state).
func (s *Server) Object(region, id string) (Object, error) {
	rg, err := s.region(region)
	if err != nil {
		return Object{}, err
	}
	rg.mu.RLock()
	h, ok := rg.lookup(id)
	rg.mu.RUnlock()
	if !ok {
		return Object{}, fmt.Errorf("object %s: %w", id, ErrNotFound)
	}
	objs, err := s.objects(rg, []int32{h})
	if err != nil {
		return Object{}, err
	}
	return objs[0], nil
}

// Open returns an object's true content and length (no faults applied).
func (s *Server) Open(region, id string) (io.ReaderAt, int64, error) {
	rg, err := s.region(region)
	if err != nil {
		return nil, 0, err
	}
	rg.mu.RLock()
	defer rg.mu.RUnlock()
	h, ok := rg.lookup(id)
	if !ok {
		return nil, 0, fmt.Errorf("object %s: %w", id, ErrNotFound)
	}
	_, src, _ := s.snapshot(rg, h)
	return src, src.Size(), nil
}

// Add inserts an explicit object and returns it. Unknown regions are ignored
// (the zero Object is returned).
func (s *Server) Add(region string, spec ObjectSpec) Object {
	rg, err := s.region(region)
	if err != nil {
		return Object{}
	}
	rg.mu.Lock()
	h := s.addLocked(rg, spec)
	rg.mu.Unlock()
	objs, err := s.objects(rg, []int32{h})
	if err != nil {
		return Object{}
	}
	return objs[0]
}

// addLocked builds an explicit object from spec. Caller holds rg.mu.
func (s *Server) addLocked(rg *region, spec ObjectSpec) int32 {
	n := s.idCounter.Add(1)
	key := mix2(rg.key^0xadd, n)
	ex := &explicitObj{id: spec.ID, typ: spec.Type, name: spec.Name, mime: spec.MimeType}
	if ex.id == "" {
		ex.id = formatUUID(uuidFrom(key))
	}
	if old, ok := rg.lookup(ex.id); ok {
		rg.remove(old)
	}
	s.forgetChecksum(rg.name, ex.id)
	if ex.typ == "" {
		ex.typ = "callrecording"
	}
	if ex.mime == "" {
		ex.mime = mimeForType(ex.typ)
	}
	kd, known := kindByName(ex.typ)
	format := formatForMime(ex.mime)
	if known {
		format = kinds[kd].format
	}
	if ex.name == "" {
		ext := ".bin"
		if known {
			ext = kinds[kd].ext
		}
		ex.name = ex.id + ext
	}
	created := spec.Created
	if created.IsZero() {
		created = s.opts.From
	}
	if spec.Content != nil {
		ex.src, ex.exactChecksum = bytesSource(bytes.Clone(spec.Content)), true
	} else {
		ex.src = generatedSource(format, mix2(key, hashString(ex.id)), max(spec.Size, 0), ex.id)
		ex.exactChecksum = spec.plainMD5
	}
	ex.tags = append([]Tag{}, spec.Tags...)
	if isAudioType(ex.typ) && spec.Content == nil {
		if _, has := (Object{Tags: ex.tags}).Tag("duration"); !has {
			ms := max(ex.src.Size()-wavHeaderLen, 0) / wavBytesPerMs
			ex.tags = append(ex.tags, Tag{Key: "duration", Value: fmt.Sprint(ms)})
		}
	}
	ex.updated = created.Unix() + 2
	ex.userID = s.tenant.userID(key % syntheticUsers)
	ex.bucketID = formatUUID(uuidFrom(mix2(key, 77)))
	st, ok := stateCode(spec.State)
	if !ok {
		st = codeAvailable
	}
	return rg.insert(record{created: created.Unix(), size: ex.src.Size(), kind: kd, state: st}, ex)
}

func (s *Server) forgetChecksum(region, id string) {
	s.sumMu.Lock()
	delete(s.sums, region+"\x00"+id)
	s.sumMu.Unlock()
}

// SetState sets an object's objectState (cancelling any pending restore).
func (s *Server) SetState(region, id, state string) error {
	rg, err := s.region(region)
	if err != nil {
		return err
	}
	st, ok := stateCode(state)
	if !ok {
		return fmt.Errorf("unknown state %q", state)
	}
	rg.mu.Lock()
	defer rg.mu.Unlock()
	h, ok := rg.lookup(id)
	if !ok {
		return fmt.Errorf("object %s: %w", id, ErrNotFound)
	}
	delete(rg.pending, h)
	rg.setState(h, st)
	return nil
}

// Remove makes an object vanish entirely (404 afterwards).
func (s *Server) Remove(region, id string) error {
	rg, err := s.region(region)
	if err != nil {
		return err
	}
	rg.mu.Lock()
	defer rg.mu.Unlock()
	h, ok := rg.lookup(id)
	if !ok {
		return fmt.Errorf("object %s: %w", id, ErrNotFound)
	}
	rg.remove(h)
	s.forgetChecksum(region, id)
	return nil
}

// FailRegion makes every storage call for the region answer 500 (or stop doing so).
func (s *Server) FailRegion(region string, fail bool) {
	if rg, err := s.region(region); err == nil {
		rg.mu.Lock()
		rg.failed = fail
		rg.mu.Unlock()
	}
}

// HardCases maps the names of the always-present odd objects to their ids:
// duplicate-a, duplicate-b, slash, long-name, non-ascii, empty, archived,
// archived-2, revoked, pending, big, one-hour.
func (s *Server) HardCases(region string) map[string]string {
	rg, err := s.region(region)
	if err != nil {
		return nil
	}
	rg.mu.RLock()
	defer rg.mu.RUnlock()
	out := make(map[string]string, len(rg.hard))
	for k, v := range rg.hard {
		out[k] = v
	}
	return out
}

// Len is the number of objects of the region in every state.
func (s *Server) Len(region string) int {
	rg, err := s.region(region)
	if err != nil {
		return 0
	}
	rg.mu.RLock()
	defer rg.mu.RUnlock()
	return len(rg.order)
}

// TenantBytes is the total storedBytes of the region's objects in the given
// state ("" = all states).
func (s *Server) TenantBytes(region, state string) int64 {
	rg, err := s.region(region)
	if err != nil {
		return 0
	}
	rg.mu.RLock()
	defer rg.mu.RUnlock()
	var total int64
	for _, h := range rg.order {
		if state == "" || stateNames[rg.recs[h].state] == state {
			total += rg.recs[h].size
		}
	}
	return total
}
