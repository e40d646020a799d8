package csstest

import (
	"net/http"
)

// bucket is a BucketResponse (reference §4.7): the objects sharing a bucketId.
type bucket struct {
	BucketID    string   `json:"bucketId"`
	CustomerID  string   `json:"customerId"`
	UserID      string   `json:"userId"`
	CreatedTime string   `json:"createdTime"`
	UpdatedTime string   `json:"updatedTime"`
	ObjectList  []Object `json:"objectList"`
	Tags        []Tag    `json:"tags"`
}

type bucketPage struct {
	Content  []bucket `json:"content"`
	PageKey  int64    `json:"pageKey"`
	PageSize int64    `json:"pageSize"`
	LastPage bool     `json:"lastPage"`
	Total    *int64   `json:"total,omitempty"`
}

// bucketHeads lists, in createdTime order, the first AVAILABLE object of each bucket.
func (s *Server) bucketHeads(rg *region) (ids []string, members map[string][]int32) {
	members = map[string][]int32{}
	rg.mu.RLock()
	defer rg.mu.RUnlock()
	f := fieldReader{s: s, rg: rg}
	for _, h := range rg.order {
		if rg.recs[h].state != codeAvailable {
			continue
		}
		f.h, f.meta = h, nil
		b, _ := f.field("bucketId")
		if b == "" {
			continue
		}
		if _, seen := members[b]; !seen {
			ids = append(ids, b)
		}
		members[b] = append(members[b], h)
	}
	return ids, members
}

func (s *Server) bucketOf(rg *region, id string, hs []int32) (bucket, error) {
	objs, err := s.objects(rg, hs)
	if err != nil {
		return bucket{}, err
	}
	b := bucket{BucketID: id, CustomerID: s.tenant.customerID, ObjectList: objs, Tags: []Tag{}}
	if len(objs) > 0 {
		b.UserID, b.CreatedTime, b.UpdatedTime = objs[0].UserID, objs[0].CreatedTime, objs[len(objs)-1].UpdatedTime
	}
	return b, nil
}

// handleBuckets pages over buckets; kept simple: filter=id==X is the only
// filter honoured, and pageKey is always a record offset whatever
// Options.Paging says (the variants matter for object listings).
func (s *Server) handleBuckets(w http.ResponseWriter, r *http.Request, rg *region) {
	p, err := s.parseSearchParams(r)
	if err != nil {
		writeError(w, r, http.StatusBadRequest, err.Error())
		return
	}
	start, err := parseNumericKey(p.pageKey)
	if err != nil {
		writeError(w, r, http.StatusBadRequest, err.Error())
		return
	}
	ids, members := s.bucketHeads(rg)
	if p.filter != "" {
		n, err := parseFilter(p.filter)
		if err != nil {
			writeError(w, r, http.StatusBadRequest, err.Error())
			return
		}
		if c, ok := n.(*comparison); ok && c.selector == "id" && c.op == "==" {
			ids = []string{}
			if _, ok := members[c.args[0]]; ok {
				ids = []string{c.args[0]}
			}
		}
	}
	total := int64(len(ids))
	from, to := min(start, total), min(start+p.limit, total)
	out := bucketPage{Content: []bucket{}, PageKey: start + p.limit, LastPage: start+p.limit >= total, Total: s.total(total)}
	for _, id := range ids[from:to] {
		b, err := s.bucketOf(rg, id, members[id])
		if err != nil {
			writeError(w, r, http.StatusInternalServerError, err.Error())
			return
		}
		out.Content = append(out.Content, b)
	}
	out.PageSize = int64(len(out.Content))
	s.writeJSON(w, r, http.StatusOK, out, false)
}

func (s *Server) handleBucket(w http.ResponseWriter, r *http.Request, rg *region) {
	id := r.PathValue("id")
	_, members := s.bucketHeads(rg)
	hs, ok := members[id]
	if !ok {
		writeError(w, r, http.StatusNotFound, "bucket "+id+" not found")
		return
	}
	b, err := s.bucketOf(rg, id, hs)
	if err != nil {
		writeError(w, r, http.StatusInternalServerError, err.Error())
		return
	}
	s.writeJSON(w, r, http.StatusOK, b, false)
}
