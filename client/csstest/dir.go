package csstest

import (
	"fmt"
	"io/fs"
	"mime"
	"path/filepath"
	"strings"
)

// typeForExt maps a file extension to an object type and mimeType (Dir mode).
func typeForExt(ext string) (string, string) {
	switch strings.ToLower(ext) {
	case ".wav":
		return "callrecording", "audio/wav"
	case ".mp3":
		return "callrecording", "audio/mpeg"
	case ".json":
		return "transcription", "application/json"
	case ".txt":
		return "agentnotes", "text/plain"
	case ".mp4":
		return "screenrecording", "video/mp4"
	}
	m := mime.TypeByExtension(ext)
	if m == "" {
		m = "application/octet-stream"
	}
	return "document", m
}

// loadDir makes every regular file under dir an object of rg: createdTime is
// the file's mtime, content is read from the file on demand.
func (s *Server) loadDir(rg *region, dir string) error {
	rg.mu.Lock()
	defer rg.mu.Unlock()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return fmt.Errorf("stat %s: %w", path, err)
		}
		typ, mimeType := typeForExt(filepath.Ext(path))
		rel, _ := filepath.Rel(dir, path)
		spec := ObjectSpec{
			ID:       formatUUID(uuidFrom(mix2(rg.key, hashString(filepath.ToSlash(rel))))),
			Type:     typ,
			MimeType: mimeType,
			Name:     d.Name(),
			Created:  info.ModTime().UTC(),
		}
		h := s.addLocked(rg, spec)
		ex := rg.explicit[rg.recs[h].ext]
		ex.src, ex.exactChecksum = fileSource{path: path, size: info.Size()}, true
		rg.recs[h].size = info.Size()
		ex.tags = []Tag{{Key: "relativePath", Value: filepath.ToSlash(rel)}}
		return nil
	})
	if err != nil {
		return fmt.Errorf("load %s: %w", dir, err)
	}
	return nil
}
