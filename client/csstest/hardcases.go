package csstest

import (
	"fmt"
	"strings"
	"time"
)

// addHardCases adds the odd objects every non-empty synthetic region has,
// recording their ids under the names HardCases documents.
func (s *Server) addHardCases(rg *region) {
	t := s.tenant
	day := s.opts.From.UTC().Truncate(24*time.Hour).AddDate(0, 0, 10)
	at := func(h int) time.Time { return day.Add(time.Duration(h) * time.Hour) }
	dupName := fmt.Sprintf("ipbx:%s:callrecording:users:1001:duplicate-name+15555550100.wav", t.name)
	long := "ipbx:" + t.name + ":callrecording:users:1001:" + strings.Repeat("very-long-recording-name-", 12) + "end.wav"
	specs := []struct {
		name string
		spec ObjectSpec
	}{
		{"duplicate-a", ObjectSpec{Type: "callrecording", Name: dupName, Created: at(10), Size: wavSize(4000)}},
		{"duplicate-b", ObjectSpec{Type: "callrecording", Name: dupName, Created: at(14), Size: wavSize(6000)}},
		{"slash", ObjectSpec{Type: "callrecording", Name: "team/sales/2023 review.wav", Created: at(11), Size: wavSize(5000)}},
		{"long-name", ObjectSpec{Type: "callrecording", Name: long, Created: at(12), Size: wavSize(3000)}},
		{"non-ascii", ObjectSpec{Type: "callrecording", Name: "Müller–Žofie 通話.wav", Created: at(13), Size: wavSize(7000)}},
		{"empty", ObjectSpec{Type: "agentnotes", Name: "empty-notes.txt", Created: at(15), Content: []byte{}}},
		{"archived", ObjectSpec{Type: "callrecording", Name: "archived-call.wav", State: StateArchived, Created: at(9), Size: wavSize(8000)}},
		{"archived-2", ObjectSpec{Type: "callcenterrecording", Name: "archived-cc-call.wav", State: StateArchived, Created: at(9).Add(time.Minute), Size: wavSize(9000)}},
		{"revoked", ObjectSpec{Type: "callrecording", Name: "revoked-call.wav", State: StateRevoked, Created: at(16), Size: wavSize(3000)}},
		{"pending", ObjectSpec{Type: "callrecording", Name: "pending-call.wav", State: StatePending, Created: at(17), Size: wavSize(3000)}},
		{"big", ObjectSpec{Type: "callcenterrecording", Name: "long-conference-1h50m.wav", Created: at(18), Size: wavSize(110 * 60 * 1000), plainMD5: true}},
		{"one-hour", ObjectSpec{Type: "callrecording", Name: "one-hour-call.wav", Created: at(19), Size: wavSize(60 * 60 * 1000)}},
	}
	rg.mu.Lock()
	defer rg.mu.Unlock()
	for i, hc := range specs {
		hc.spec.ID = formatUUID(uuidFrom(mix2(rg.key^0x4a4dca5e, uint64(i))))
		hc.spec.Tags = []Tag{{Key: "callId", Value: fmt.Sprint(1666686434952 + i)}, {Key: "direction", Value: "INBOUND"}}
		s.addLocked(rg, hc.spec)
		rg.hard[hc.name] = hc.spec.ID
	}
}
