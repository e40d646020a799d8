package csstest

import (
	"fmt"
	"slices"
	"time"
)

// tenant holds account-wide synthetic identity shared by all regions.
type tenant struct {
	seed       int64
	key        uint64
	name       string // pbx / tenant short name used in objectNames
	customerID string
	short      bool // Options.ShortRecordings
}

var tenantNames = []string{"acmecorp", "globexinc", "initech", "umbrellaco", "hooli", "vandelay"}

func newTenant(seed int64) *tenant {
	k := mix(uint64(seed))
	return &tenant{
		seed:       seed,
		key:        k,
		name:       tenantNames[k%uint64(len(tenantNames))],
		customerID: "0012J00002" + randString(mix2(k, 1), 8, alnum),
	}
}

const syntheticUsers = 40

// userID is the 22-character base64url id of synthetic user u.
func (t *tenant) userID(u uint64) string { return randString(mix2(t.key, 1000+u), 22, b64url) }

// extension is the extension number of synthetic user u.
func extension(u uint64) int { return 1001 + int(u*37%900) }

// generate fills rg with n synthetic objects spread over from..to.
func (t *tenant) generate(rg *region, n int, from, to time.Time) {
	times := make([]int64, n)
	first := from.UTC().Truncate(24 * time.Hour)
	days := uint64(to.Sub(first)/(24*time.Hour)) + 1
	lo, hi := from.Unix(), to.Unix()
	for i := range times {
		times[i] = drawTime(mix2(rg.key, uint64(i)), first, days, t.key, lo, hi)
	}
	slices.Sort(times)

	rg.recs = make([]record, n)
	rg.order = make([]int32, n)
	rg.synthIDs = make(map[[16]byte]int32, n)
	for i := range rg.recs {
		k := synthKey(rg.key, int32(i))
		kd := pickKind(mix2(k, 1))
		rg.recs[i] = record{
			uuid:    uuidFrom(k),
			created: times[i],
			size:    t.synthSize(k, kd),
			ext:     -1,
			kind:    kd,
			state:   synthState(mix2(k, 2)),
			live:    true,
		}
		rg.order[i] = int32(i)
		rg.synthIDs[rg.recs[i].uuid] = int32(i)
	}
	// times are sorted; only runs of equal seconds need ordering by id
	for start := 0; start < n; {
		end := start + 1
		for end < n && rg.recs[end].created == rg.recs[start].created {
			end++
		}
		if end-start > 1 {
			slices.SortFunc(rg.order[start:end], rg.cmp)
		}
		start = end
	}
	rg.indexTypes()
	rg.version++
}

// drawTime picks a createdTime: weekdays busier than weekends, some very busy
// days, business hours (UTC) busier than nights.
func drawTime(r uint64, first time.Time, days uint64, tk uint64, lo, hi int64) int64 {
	for try := uint64(0); ; try++ {
		x := mix2(r, try)
		d := x % days
		day := first.Add(time.Duration(d) * 24 * time.Hour)
		w := uint64(3)
		switch {
		case mix2(tk, d)%20 == 0:
			w = 10
		case day.Weekday() == time.Saturday || day.Weekday() == time.Sunday:
			w = 1
		}
		if (x>>32)%10 >= w && try < 64 {
			continue
		}
		y := mix(x)
		secs := 6*3600 + int64((y%50400+(y>>32)%50400)/2)
		ts := day.Unix() + secs
		return min(max(ts, lo), hi)
	}
}

func synthKey(regionKey uint64, h int32) uint64 { return mix2(regionKey, 0x100000000+uint64(h)) }

// synthState: mostly AVAILABLE, a few ARCHIVED, REVOKED and PENDING.
func synthState(r uint64) uint8 {
	switch x := r % 1000; {
	case x < 30:
		return codeArchived
	case x < 40:
		return codeRevoked
	case x < 45:
		return codePending
	}
	return codeAvailable
}

// synthDurationMs: a few seconds to just over an hour, most a minute or two.
func synthDurationMs(k uint64) int64 {
	u := float64(mix2(k, 3)>>11) / (1 << 53)
	u3 := u * u * u
	return 3000 + int64(u3*u3*3_700_000) + int64(mix2(k, 4)%1000)
}

const screenBytesPerMs = 5

// durationMs is the length of synthetic recording k.
func (t *tenant) durationMs(k uint64) int64 {
	if t.short {
		return 100 + synthDurationMs(k)%500
	}
	return synthDurationMs(k)
}

func (t *tenant) synthSize(k uint64, kd uint8) int64 {
	switch kinds[kd].format {
	case formatWAV:
		return wavSize(t.durationMs(k))
	case formatOpaque:
		return t.durationMs(k) * screenBytesPerMs
	}
	return 300 + int64(mix2(k, 5)%6000)
}

// durationMsOf recovers the duration tag of a synthetic record.
func (t *tenant) durationMsOf(k uint64, r *record) int64 {
	switch kinds[r.kind].format {
	case formatWAV:
		return (r.size - wavHeaderLen) / wavBytesPerMs
	case formatOpaque:
		return r.size / screenBytesPerMs
	}
	return t.durationMs(k)
}

// synthMeta holds the regenerated strings of one synthetic object.
type synthMeta struct {
	name, userID, bucketID string
	updated                int64
	tags                   []Tag
	prefix, suffix         string // text/JSON body framing
}

// meta regenerates the strings of synthetic handle h. Caller holds rg.mu.
func (t *tenant) meta(rg *region, h int32) synthMeta {
	r := &rg.recs[h]
	k := synthKey(rg.key, h)
	kd := kinds[r.kind]
	u := mix2(k, 10) % syntheticUsers
	ext := extension(u)
	dur := t.durationMsOf(k, r)
	startMs := r.created*1000 + int64(mix2(k, 11)%1000)
	endMs := startMs + dur + int64(mix2(k, 12)%4000)
	callID := fmt.Sprint(startMs - 600_000 - int64(mix2(k, 13)%9_000_000))
	phone := fmt.Sprintf("+1%03d555%04d", 200+mix2(k, 14)%700, mix2(k, 15)%10000)
	dir := "INBOUND"
	suffix := "I"
	if mix2(k, 16)%2 == 0 {
		dir, suffix = "OUTBOUND", "E"
	}
	agentID := randString(mix2(t.key, 2000+u), 22, b64url)
	tenantID := t.name + "01"
	interaction := fmt.Sprintf("int-%x-%s", startMs, randString(mix2(k, 17), 23, b64url[:52]))
	m := synthMeta{
		userID:   t.userID(u),
		bucketID: formatUUID(uuidFrom(mix2(rg.key^0xb0c3e7, uint64(h/3)))),
		updated:  r.created + 1 + int64(mix2(k, 18)%15),
	}
	tag := func(key, value string) { m.tags = append(m.tags, Tag{Key: key, Value: value}) }
	ms := func(v int64) string { return fmt.Sprint(v) }
	switch kd.name {
	case "callrecording":
		m.name = fmt.Sprintf("ipbx:%s:callrecording:users:%d:%d-%s-%d-%s_%s%s", t.name, ext, startMs, callID, ext, phone, suffix, kd.ext)
		tag("callId", callID)
		tag("direction", dir)
		tag("duration", ms(dur))
		tag("startTime", ms(startMs))
		tag("endTime", ms(endMs))
		tag("extensionNumber", fmt.Sprint(ext))
		tag("address", phone)
		tag("callerId", phone)
		tag("pbxname", t.name)
		tag("userName", fmt.Sprintf("user%d", ext))
		tag("userEmail", fmt.Sprintf("user%d@%s.example", ext, t.name))
		tag("media-processed", "true")
	case "callcenterrecording", "callcentervoicemail":
		m.name = fmt.Sprintf("%s-phone-00-%s%s", interaction, tenantID, kd.ext)
		if kd.name == "callcentervoicemail" {
			m.name = fmt.Sprintf("%s-voicemail-%s%s", interaction, tenantID, kd.ext)
		}
		tag("callId", interaction)
		tag("direction", dir)
		tag("agentId", agentID)
		tag("agentName", fmt.Sprintf("Agent %d", u))
		tag("callerId", phone)
		tag("calleeId", fmt.Sprint(ext))
		tag("queueName", []string{"Sales", "Support", "Billing", "Returns"}[mix2(k, 19)%4])
		tag("queueNumber", fmt.Sprint(8000+mix2(k, 19)%4))
		tag("transactionId", fmt.Sprint(mix2(k, 20)%100000000))
		tag("holdDuration", fmt.Sprint(mix2(k, 21)%60000))
		tag("startTime", ms(startMs))
		tag("duration", ms(dur))
		tag("tenantId", tenantID)
		if kd.name == "callcentervoicemail" {
			tag("agentEmail", fmt.Sprintf("agent%d@%s.example", u, t.name))
			tag("originalCallId", callID)
		}
	case "voicemail":
		m.name = fmt.Sprintf("ipbx:%s:voicemail:users:%d:%d-%s%s", t.name, ext, startMs, phone, kd.ext)
		tag("callId", callID)
		tag("callerId", phone)
		tag("duration", ms(dur))
		tag("startTime", ms(startMs))
		tag("endTime", ms(endMs))
		tag("extensionNumber", fmt.Sprint(ext))
	case "voicecommentrecording":
		pcs := fmt.Sprint(mix2(k, 22) % 1000000)
		m.name = fmt.Sprintf("pcs-%s-q%d-%s%s", pcs, 1+mix2(k, 23)%5, callID, kd.ext)
		tag("callId", callID)
		tag("pcsId", pcs)
		tag("pcsQuestionNumber", fmt.Sprint(1+mix2(k, 23)%5))
		tag("duration", ms(dur))
		tag("startTime", ms(startMs))
		tag("tenantId", tenantID)
		tag("transcription-processed", "false")
	case "screenrecording":
		stamp := time.Unix(r.created, 0).UTC().Format("20060102T150405")
		m.name = fmt.Sprintf("screen-%s-%s%s", agentID, stamp, kd.ext)
		tag("agentId", agentID)
		tag("callId", interaction)
		tag("startTime", ms(startMs))
		tag("duration", ms(dur))
		tag("tenantId", tenantID)
		tag("startedBy", "vcc-agui")
		tag("recording_start_time", stamp)
	default:
		m.name = fmt.Sprintf("%s-%s%s", kd.name, callID, kd.ext)
		tag("callId", callID)
		tag("tenantId", tenantID)
		switch kd.name {
		case "transcription":
			src := []string{"callrecordingchannel", "callcenterrecording", "callcentervoicemail", "voicecommentrecording"}[mix2(k, 24)%4]
			tag("sourceObjectType", src)
			tag("language", "en-US")
			tag("provider", "voci")
			tag("result", "ok")
			tag("duration", ms(dur))
			if src == "callrecordingchannel" {
				tag("speaker", []string{"owner", "external"}[mix2(k, 25)%2])
			}
		case "postcallsurvey":
			tag("pcsId", fmt.Sprint(mix2(k, 22)%1000000))
			tag("agentId", agentID)
		case "sentimentScore":
			tag("sourceObjectType", "transcription")
			tag("contentObjectType", "callcenterrecordingchannel")
			tag("sentimentProcessed", "true")
		case "summary":
			tag("result", "ok")
			tag("sourceObjectType", "transcription")
			tag("contentObjectType", "callcenterrecording")
		}
	}
	if kd.format == formatText {
		m.prefix, m.suffix = fmt.Sprintf("Notes for call %s\n", callID), "\n"
	} else {
		m.prefix = fmt.Sprintf(`{"type":%q,"callId":%q,"tenantId":%q,"text":"`, kd.name, callID, tenantID)
		m.suffix = "\"}\n"
	}
	return m
}

// indexTypes builds byType from order.
func (rg *region) indexTypes() {
	counts := map[string]int{}
	for _, h := range rg.order {
		counts[rg.typeName(h)]++
	}
	rg.byType = make(map[string][]int32, len(counts))
	for typ, n := range counts {
		rg.byType[typ] = make([]int32, 0, n)
	}
	for _, h := range rg.order {
		typ := rg.typeName(h)
		rg.byType[typ] = append(rg.byType[typ], h)
	}
}
