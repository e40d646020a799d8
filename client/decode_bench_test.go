package client

import (
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/cssfs/cssfs/client/csstest"
)

// BenchmarkDecodePage decodes a page of 100 objects as the emulator sends
// them (a listing of 10,000 objects decodes 100 such pages).
func BenchmarkDecodePage(b *testing.B) {
	srv, err := csstest.New(csstest.Options{Regions: []string{"us-east"}})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	day := time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC)
	for i := range 100 {
		srv.Add("us-east", csstest.ObjectSpec{Type: "callcenterrecording", Name: fmt.Sprintf("c-%03d.wav", i), Created: day.Add(time.Duration(i) * time.Second), Size: 20_000})
	}
	req, _ := http.NewRequest("GET", srv.URL+"/storage/us-east/v3/objects?limit=100&filter=type%3D%3Dcallcenterrecording", nil)
	req.Header.Set("Authorization", "Bearer "+srv.IssueToken())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		b.Fatalf("search: %d %v", resp.StatusCode, err)
	}
	if p, err := decodePage(body, 100); err != nil || len(p.Objects) != 100 {
		b.Fatalf("decodePage: %v", err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := decodePage(body, 100); err != nil {
			b.Fatal(err)
		}
	}
}
