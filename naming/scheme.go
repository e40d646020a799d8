package naming

import (
	"fmt"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/cssfs/cssfs/client"
)

// Default templates, tried in order; an object that fits none is named by
// its safe objectName. They put the time first so that a day sorts by it,
// and name the call the way a contact centre would: direction, other
// party, extension, length. Names come from the object's own tags only, so
// that no name depends on another object; a transcript carries its call's
// start where its tags have it (call-centre ones do), else its call id.
const (
	recordingTemplate  = "{tag:startTime:ms:15-04-05} {tag:direction} {tag:address|callerId} {tag:extensionNumber|calleeId} {tag:duration:ms}{ext}"
	voicemailTemplate  = "{tag:startTime:ms:15-04-05} voicemail {tag:callerId|address} {tag:extensionNumber|calleeId} {tag:duration:ms}{ext}"
	screenTemplate     = "{tag:startTime:ms:15-04-05} screen {tag:agentId} {tag:duration:ms}{ext}"
	commentTemplate    = "{tag:startTime:ms:15-04-05} voice comment {tag:pcsId} q{tag:pcsQuestionNumber} {tag:duration:ms}{ext}"
	transcriptTemplate = "{created:15-04-05} transcript {tag:speaker} {tag:callId}{ext}"
	callFileTemplate   = "{created:15-04-05} {type} {tag:callId}{ext}"
)

var defaultTemplates = map[string][]string{
	"callrecording":         {recordingTemplate},
	"callcenterrecording":   {recordingTemplate},
	"meeting":               {recordingTemplate},
	"voicemail":             {voicemailTemplate},
	"callcentervoicemail":   {voicemailTemplate},
	"screenrecording":       {screenTemplate},
	"voicecommentrecording": {commentTemplate},
	"transcription":         {recordingTemplate, transcriptTemplate, callFileTemplate},
	"agentnotes":            {callFileTemplate},
	"postcallsurvey":        {callFileTemplate},
	"sentimentScore":        {callFileTemplate},
	"summary":               {callFileTemplate},
}

// Scheme names objects: templates per type, in a time zone.
type Scheme struct {
	byType map[string][]*Template // templates of a type, tried in order
	others []*Template            // templates of the types not in byType
	loc    *time.Location
}

// Raw is the format that names every object by its safe objectName.
const Raw = "raw"

var typeSpec = regexp.MustCompile(`^([A-Za-z0-9_.-]+)=(.*)$`)

// NewScheme builds the default scheme changed by formats, in order:
// "raw" (every type by its safe objectName), "TEMPLATE" (every type), or
// "TYPE=TEMPLATE" and "TYPE=raw" (one type). Times are shown in loc
// (nil: UTC).
func NewScheme(formats []string, loc *time.Location) (*Scheme, error) {
	if loc == nil {
		loc = time.UTC
	}
	s := &Scheme{byType: map[string][]*Template{}, loc: loc}
	for typ, srcs := range defaultTemplates {
		for _, src := range srcs {
			t, err := ParseTemplate(src)
			if err != nil {
				panic("naming: bad default template: " + err.Error()) // a bug, caught by every test
			}
			s.byType[typ] = append(s.byType[typ], t)
		}
	}
	for _, f := range formats {
		typ, src := "", f
		if m := typeSpec.FindStringSubmatch(f); m != nil {
			typ, src = m[1], m[2]
		}
		var ts []*Template
		if src != Raw {
			t, err := ParseTemplate(src)
			if err != nil {
				return nil, fmt.Errorf("--name-format %q: %w", f, err)
			}
			ts = []*Template{t}
		}
		if typ == "" {
			s.byType, s.others = map[string][]*Template{}, ts
		} else {
			s.byType[typ] = ts
		}
	}
	return s, nil
}

// Name is o's file name before de-duplication: from the first template
// of its type that o fits, else from its objectName; always safe, never
// over MaxBytes, never empty.
func (s *Scheme) Name(o *client.Object) string {
	ts, ok := s.byType[o.Type]
	if !ok {
		ts = s.others
	}
	for _, t := range ts {
		if v, ok := t.render(o, s.loc); ok && usable(v) {
			return fit(Safe(v), o.ID)
		}
	}
	return rawName(o)
}

// rawName is the safe objectName, with an extension from the mime type
// where it has none, or the object id where nothing usable is left.
func rawName(o *client.Object) string {
	name := SafeID(o.ID)
	if usable(o.ObjectName) {
		name = Safe(o.ObjectName)
	}
	if path.Ext(name) == "" {
		name += extByMime[mimeOf(o)]
	}
	return fit(name, o.ID)
}

// extByMime gives an extension to objects whose names have none.
var extByMime = map[string]string{
	"audio/mpeg":       ".mp3",
	"audio/mp3":        ".mp3",
	"audio/wav":        ".wav",
	"audio/x-wav":      ".wav",
	"audio/wave":       ".wav",
	"video/mp4":        ".mp4",
	"application/json": ".json",
	"text/plain":       ".txt",
}

func mimeOf(o *client.Object) string {
	return strings.ToLower(strings.TrimSpace(strings.SplitN(o.MimeType, ";", 2)[0]))
}

// extension is {ext}: the objectName's extension when it looks like one
// (a few letters or digits), else the mime type's, else nothing.
func extension(o *client.Object) string {
	if ext := path.Ext(o.ObjectName); len(ext) >= 2 && len(ext) <= 8 && isAlnum(ext[1:]) {
		return ext
	}
	return extByMime[mimeOf(o)]
}

func isAlnum(s string) bool {
	for _, r := range s {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return false
		}
	}
	return true
}
