package csstest

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"time"
)

// snapshot builds the wire object of handle h (without checksum) and its
// content source. Caller holds rg.mu (read).
func (s *Server) snapshot(rg *region, h int32) (Object, source, bool) {
	r := &rg.recs[h]
	o := Object{
		ChecksumType: "MD5",
		CustomerID:   s.tenant.customerID,
		StoredBytes:  r.size,
		CreatedTime:  time.Unix(r.created, 0).UTC().Format(TimeLayout),
		ObjectState:  stateNames[r.state],
		Tags:         []Tag{},
	}
	if r.ext >= 0 {
		ex := rg.explicit[r.ext]
		o.ID, o.Type, o.MimeType, o.ObjectName = ex.id, ex.typ, ex.mime, ex.name
		o.UpdatedTime = time.Unix(ex.updated, 0).UTC().Format(TimeLayout)
		o.UserID, o.BucketID = ex.userID, ex.bucketID
		if ex.customerID != "" {
			o.CustomerID = ex.customerID
		}
		o.Tags = append(o.Tags, ex.tags...)
		return o, ex.src, ex.exactChecksum
	}
	m := s.tenant.meta(rg, h)
	kd := kinds[r.kind]
	o.ID, o.Type, o.MimeType, o.ObjectName = formatUUID(r.uuid), kd.name, kd.mime, m.name
	o.UpdatedTime = time.Unix(m.updated, 0).UTC().Format(TimeLayout)
	o.UserID, o.BucketID = m.userID, m.bucketID
	o.Tags = m.tags
	return o, synthSource(synthKey(rg.key, h), r, m), false
}

// synthSource is the generated content of a synthetic record.
func synthSource(k uint64, r *record, m synthMeta) source {
	switch kinds[r.kind].format {
	case formatWAV:
		return wavSource{key: k, size: r.size}
	case formatOpaque:
		return opaqueSource{key: k, size: r.size}
	}
	return newTextSource(m.prefix, m.suffix, r.size, k)
}

// generatedSource makes content for an explicit object without given bytes.
func generatedSource(format contentFormat, key uint64, size int64, id string) source {
	switch format {
	case formatWAV:
		return wavSource{key: key, size: size}
	case formatJSON:
		return newTextSource(fmt.Sprintf(`{"id":%q,"text":"`, id), "\"}\n", size, key)
	case formatText:
		return newTextSource("Notes for "+id+"\n", "\n", size, key)
	}
	return opaqueSource{key: key, size: size}
}

// checksum returns the object's checksum, memoised: a plain hex MD5 of the
// content, or for large generated content an S3-multipart-style "<hex>-N"
// (see Options.MultipartThreshold).
func (s *Server) checksum(region, id string, src source, exact bool) (string, error) {
	key := region + "\x00" + id
	// A multipart-style sum costs less than looking it up: not memoised,
	// so a tenant of millions listed end to end does not grow the emulator.
	if size, limit := src.Size(), s.opts.MultipartThreshold; !exact && limit > 0 && size > limit {
		h := md5.Sum([]byte("multipart\x00" + key))
		parts := (size + limit - 1) / limit
		return fmt.Sprintf("%s-%d", hex.EncodeToString(h[:]), parts), nil
	}
	s.sumMu.Lock()
	sum, ok := s.sums[key]
	s.sumMu.Unlock()
	if ok {
		return sum, nil
	}
	v, err, _ := s.sumFlight.Do(key, func() (any, error) {
		size := src.Size()
		h := md5.New()
		if _, err := io.Copy(h, io.NewSectionReader(src, 0, size)); err != nil {
			return "", fmt.Errorf("hash %s: %w", id, err)
		}
		return hex.EncodeToString(h.Sum(nil)), nil
	})
	if err != nil {
		return "", err
	}
	sum = v.(string)
	s.sumMu.Lock()
	s.sums[key] = sum
	s.sumMu.Unlock()
	return sum, nil
}

// objects materialises handles (with checksums), taking the read lock only
// while copying metadata.
func (s *Server) objects(rg *region, hs []int32) ([]Object, error) {
	out := make([]Object, len(hs))
	srcs := make([]source, len(hs))
	exact := make([]bool, len(hs))
	rg.mu.RLock()
	for i, h := range hs {
		out[i], srcs[i], exact[i] = s.snapshot(rg, h)
	}
	rg.mu.RUnlock()
	for i := range out {
		sum, err := s.checksum(rg.name, out[i].ID, srcs[i], exact[i])
		if err != nil {
			return nil, err
		}
		out[i].Checksum = sum
	}
	return out, nil
}
