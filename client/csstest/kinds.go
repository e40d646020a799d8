package csstest

// contentFormat says how generated content of a type looks.
type contentFormat uint8

const (
	formatWAV contentFormat = iota
	formatJSON
	formatText
	formatOpaque
)

// kind is one object type of the synthetic tenant (reference §7.3).
//
// Deviation: the reference shows audio/mpeg (.mp3) for most recordings. The
// emulator's audio is generated PCM WAV (valid, duration = `duration` tag), so
// audio objects are named .wav with mimeType audio/wav; sox and friends pick
// their decoder by extension and would choke on WAV bytes named .mp3.
type kind struct {
	name   string
	mime   string
	ext    string
	format contentFormat
	weight int // relative frequency in the synthetic tenant
}

var kinds = []kind{
	{"callrecording", "audio/wav", ".wav", formatWAV, 34},
	{"callcenterrecording", "audio/wav", ".wav", formatWAV, 18},
	{"transcription", "application/json", ".json", formatJSON, 12},
	{"voicemail", "audio/wav", ".wav", formatWAV, 6},
	{"callcentervoicemail", "audio/wav", ".wav", formatWAV, 4},
	{"voicecommentrecording", "audio/wav", ".wav", formatWAV, 2},
	{"screenrecording", "video/mp4", ".mp4", formatOpaque, 4},
	{"agentnotes", "text/plain", ".txt", formatText, 5},
	{"postcallsurvey", "application/json", ".json", formatJSON, 5},
	{"sentimentScore", "application/json", ".json", formatJSON, 5},
	{"summary", "application/json", ".json", formatJSON, 5},
}

// customKind marks explicit objects whose type is not in kinds.
const customKind uint8 = 255

var kindWeightTotal = func() int {
	t := 0
	for _, k := range kinds {
		t += k.weight
	}
	return t
}()

func kindByName(name string) (uint8, bool) {
	for i, k := range kinds {
		if k.name == name {
			return uint8(i), true
		}
	}
	return customKind, false
}

// pickKind maps a uniform draw to a kind index by weight.
func pickKind(r uint64) uint8 {
	n := int(r % uint64(kindWeightTotal))
	for i, k := range kinds {
		if n < k.weight {
			return uint8(i)
		}
		n -= k.weight
	}
	return 0
}

// formatForMime guesses a content format for explicit objects of unknown type.
func formatForMime(mime string) contentFormat {
	switch {
	case len(mime) >= 6 && mime[:6] == "audio/":
		return formatWAV
	case mime == "application/json":
		return formatJSON
	case len(mime) >= 5 && mime[:5] == "text/":
		return formatText
	}
	return formatOpaque
}

// mimeForType gives the default mimeType of a type name.
func mimeForType(t string) string {
	if k, ok := kindByName(t); ok {
		return kinds[k].mime
	}
	return "application/octet-stream"
}

// isAudioType reports types whose content is WAV audio.
func isAudioType(t string) bool {
	k, ok := kindByName(t)
	return ok && kinds[k].format == formatWAV
}
