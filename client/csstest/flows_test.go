package csstest

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRestoreFlow(t *testing.T) {
	e := startEmu(t, Options{Objects: 5})
	id := e.s.HardCases("us-east")["archived"]
	for _, body := range []string{`{"expirationDays":0}`, `{"expirationDays":11}`, `nonsense`} {
		if resp, _ := e.call("POST", "us-east", "/objects/"+id+"/restore", body); resp.StatusCode != 400 {
			t.Errorf("restore %s: %d", body, resp.StatusCode)
		}
	}
	avail := e.s.HardCases("us-east")["one-hour"]
	if resp, _ := e.call("POST", "us-east", "/objects/"+avail+"/restore", ""); resp.StatusCode != 400 {
		t.Errorf("restore of AVAILABLE: %d", resp.StatusCode)
	}
	resp, body := e.call("POST", "us-east", "/objects/"+id+"/restore", "")
	if resp.StatusCode != 200 || strings.TrimSpace(string(body)) != `{"expirationDays":7}` {
		t.Fatalf("restore: %d %s", resp.StatusCode, body)
	}
	_, body = e.get("us-east", "/objects/"+id)
	if m := decodeMap(t, body); m["objectState"] != StateAvailable {
		t.Errorf("after restore: %v", m["objectState"])
	}
	if resp, _ := e.get("us-east", "/objects/"+id+"/content"); resp.StatusCode != 200 {
		t.Errorf("restored content: %d", resp.StatusCode)
	}

	ro := startEmu(t, Options{Objects: 5, ReadOnlyKey: true, RestoreDelay: time.Hour})
	rid := ro.s.HardCases("us-east")["archived"]
	if resp, _ := ro.call("POST", "us-east", "/objects/"+rid+"/restore", ""); resp.StatusCode != 403 {
		t.Errorf("read-only restore: %d", resp.StatusCode)
	}
	if resp, _ := ro.call("DELETE", "us-east", "/bulk", `["`+rid+`"]`); resp.StatusCode != 403 {
		t.Errorf("read-only delete: %d", resp.StatusCode)
	}
	slow := startEmu(t, Options{Objects: 5, RestoreDelay: time.Hour})
	sid := slow.s.HardCases("us-east")["archived"]
	slow.call("POST", "us-east", "/objects/"+sid+"/restore", `{"expirationDays":3}`)
	if o, _ := slow.s.Object("us-east", sid); o.ObjectState != StateArchived {
		t.Errorf("restore before delay: %s", o.ObjectState)
	}
}

func TestBulkFlow(t *testing.T) {
	e := startEmu(t, Options{Objects: 5})
	hc := e.s.HardCases("us-east")
	ids := []string{hc["duplicate-a"], hc["non-ascii"], hc["slash"]}
	body, _ := json.Marshal(ids)
	resp, out := e.call("POST", "us-east", "/bulk/download/start", string(body))
	var st bulkStatus
	if err := json.Unmarshal(out, &st); resp.StatusCode != 200 || err != nil || st.Status != BulkNotStarted || !strings.HasSuffix(st.ZipName, ".zip") {
		t.Fatalf("start: %d %s", resp.StatusCode, out)
	}
	_, out = e.get("us-east", "/bulk/download/status/"+st.ZipName)
	if !strings.Contains(string(out), BulkDone) {
		t.Fatalf("status: %s", out)
	}
	resp, zipBytes := e.get("us-east", "/bulk/download/"+st.ZipName)
	if resp.StatusCode != 200 {
		t.Fatalf("download: %d", resp.StatusCode)
	}
	zr, err := zip.NewReader(bytes.NewReader(zipBytes), int64(len(zipBytes)))
	if err != nil || len(zr.File) != 3 {
		t.Fatalf("zip: %v", err)
	}
	for i, f := range zr.File {
		o, _ := e.s.Object("us-east", ids[i])
		rc, _ := f.Open()
		got, _ := io.ReadAll(rc)
		rc.Close()
		ra, size, _ := e.s.Open("us-east", ids[i])
		if f.Name != o.ObjectName || !bytes.Equal(got, readAll(t, ra, size)) {
			t.Errorf("entry %d %q vs %q", i, f.Name, o.ObjectName)
		}
	}
	// partial and failed jobs, listing, cancel, clear
	body, _ = json.Marshal([]string{hc["empty"], hc["archived"]})
	_, out = e.call("POST", "us-east", "/bulk/download/start", string(body))
	json.Unmarshal(out, &st)
	if _, out = e.get("us-east", "/bulk/download/status/"+st.ZipName); !strings.Contains(string(out), BulkPartialDone) {
		t.Errorf("partial: %s", out)
	}
	_, out = e.call("POST", "us-east", "/bulk/download/start", `["nope"]`)
	json.Unmarshal(out, &st)
	if _, out = e.get("us-east", "/bulk/download/status/"+st.ZipName); !strings.Contains(string(out), BulkFailed) {
		t.Errorf("failed: %s", out)
	}
	if resp, _ := e.get("us-east", "/bulk/download/"+st.ZipName); resp.StatusCode != 404 {
		t.Errorf("download of failed job: %d", resp.StatusCode)
	}
	var list []bulkStatus
	_, out = e.get("us-east", "/bulk/download/status")
	if json.Unmarshal(out, &list); len(list) != 3 {
		t.Errorf("status list: %s", out)
	}
	if resp, _ := e.call("PUT", "us-east", "/bulk/download/clear", ""); resp.StatusCode != 200 {
		t.Errorf("clear: %d", resp.StatusCode)
	}
	_, out = e.get("us-east", "/bulk/download/status")
	if strings.TrimSpace(string(out)) != "[]" {
		t.Errorf("after clear: %s", out)
	}

	slow := startEmu(t, Options{Objects: 5, BulkStepDelay: time.Hour})
	_, out = slow.call("POST", "us-east", "/bulk/download/start", string(body))
	json.Unmarshal(out, &st)
	for _, m := range []string{"PUT", "POST"} {
		if resp, out := slow.call(m, "us-east", "/bulk/download/cancel/"+st.ZipName, ""); resp.StatusCode != 200 || !strings.Contains(string(out), BulkCancelled) {
			t.Errorf("%s cancel: %d %s", m, resp.StatusCode, out)
		}
	}
	if resp, _ := slow.call("PUT", "us-east", "/bulk/download/cancel/none.zip", ""); resp.StatusCode != 404 {
		t.Errorf("cancel unknown: %d", resp.StatusCode)
	}
}

func TestDeleteAndStoreHooks(t *testing.T) {
	e := startEmu(t, Options{Objects: 5})
	hc := e.s.HardCases("us-east")
	id := hc["duplicate-a"]
	if resp, _ := e.call("DELETE", "us-east", "/bulk", `["`+id+`","unknown"]`); resp.StatusCode != 204 {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	if o, _ := e.s.Object("us-east", id); o.ObjectState != StateRevoked {
		t.Errorf("deleted object is %s", o.ObjectState)
	}
	if got := e.searchAll("us-east", "id=="+id); len(got) != 0 {
		t.Errorf("deleted object still listed")
	}
	if got := e.searchAll("us-east", "objectState==REVOKED;id=="+id); len(got) != 1 {
		t.Errorf("deleted object not found as REVOKED")
	}
	if resp, _ := e.call("DELETE", "us-east", "/bulk", `["unknown"]`); resp.StatusCode != 404 {
		t.Errorf("delete unknown: %d", resp.StatusCode)
	}
	if err := e.s.Remove("us-east", hc["slash"]); err != nil {
		t.Fatal(err)
	}
	if resp, _ := e.get("us-east", "/objects/"+hc["slash"]); resp.StatusCode != 404 {
		t.Errorf("removed object: %d", resp.StatusCode)
	}
	if err := e.s.SetState("us-east", hc["pending"], StateAvailable); err != nil {
		t.Fatal(err)
	}
	if got := e.searchAll("us-east", "id=="+hc["pending"]); len(got) != 1 {
		t.Errorf("SetState not visible to search")
	}
	o := e.s.Add("us-east", ObjectSpec{ID: "odd id/with?chars", Name: "x.wav", Content: []byte("abc")})
	if o.Checksum != "900150983cd24fb0d6963f7d28e17f72" || o.StoredBytes != 3 {
		t.Errorf("Add: %+v", o)
	}
	e.s.FailRegion("uk", true)
	if resp, _ := e.get("uk", "/objects"); resp.StatusCode != 500 {
		t.Errorf("failed region: %d", resp.StatusCode)
	}
	e.s.FailRegion("uk", false)
	if resp, _ := e.get("uk", "/objects"); resp.StatusCode != 200 {
		t.Errorf("recovered region: %d", resp.StatusCode)
	}
}

func TestFaults429And5xx(t *testing.T) {
	e := startEmu(t, Options{})
	e.s.SetFaults(Faults{Rate429: 1, RetryAfter: 3 * time.Second})
	resp, _ := e.get("us-east", "/regions")
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "3" {
		t.Errorf("429: %d %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	e.s.SetFaults(Faults{Rate5xx: 1})
	if resp, _ := e.get("us-east", "/regions"); resp.StatusCode < 500 {
		t.Errorf("5xx: %d", resp.StatusCode)
	}
	e.s.SetFaults(Faults{MalformedRate: 1})
	_, body := e.get("us-east", "/objects")
	if json.Valid(body) {
		t.Errorf("malformed JSON is valid: %s", body)
	}
}

func TestHardCasesAndDir(t *testing.T) {
	e := startEmu(t, Options{Objects: 3})
	hc := e.s.HardCases("uk")
	a, _ := e.s.Object("uk", hc["duplicate-a"])
	b, _ := e.s.Object("uk", hc["duplicate-b"])
	if a.ObjectName != b.ObjectName || a.CreatedTime[:10] != b.CreatedTime[:10] {
		t.Error("duplicates differ")
	}
	if o, _ := e.s.Object("uk", hc["long-name"]); len(o.ObjectName) <= 255 {
		t.Error("long name is short")
	}
	if o, _ := e.s.Object("uk", hc["big"]); o.StoredBytes < 100<<20 {
		t.Errorf("big object %d bytes", o.StoredBytes)
	}
	if o, _ := e.s.Object("uk", hc["one-hour"]); o.Tags[len(o.Tags)-1].Value != "3600000" {
		t.Errorf("one-hour tags %v", o.Tags)
	}

	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "sub", "call.wav"), []byte("RIFFdata"), 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("hello"), 0o644)
	d := startEmu(t, Options{Dir: dir, Regions: []string{"uk"}})
	objs := d.s.Objects("uk")
	if len(objs) != 2 {
		t.Fatalf("dir objects: %+v", objs)
	}
	for _, o := range objs {
		ra, size, _ := d.s.Open("uk", o.ID)
		if o.ObjectName == "call.wav" && (o.Type != "callrecording" || string(readAll(t, ra, size)) != "RIFFdata") {
			t.Errorf("dir wav: %+v", o)
		}
	}
}
