package csstest

import (
	"encoding/hex"
	"hash/fnv"
)

// mix is the splitmix64 finaliser: a cheap, well-spread hash of one word.
// Everything synthetic is derived from it, so a seed always gives the same tenant.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

func mix2(a, b uint64) uint64 { return mix(a ^ mix(b)) }

func hashString(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// uuidFrom derives a version-4-shaped UUID from a key.
func uuidFrom(key uint64) [16]byte {
	var u [16]byte
	a, b := mix(key), mix(key^0x5bd1e995)
	for i := 0; i < 8; i++ {
		u[i] = byte(a >> (8 * i))
		u[8+i] = byte(b >> (8 * i))
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u
}

func formatUUID(u [16]byte) string {
	var buf [36]byte
	hex.Encode(buf[0:8], u[0:4])
	buf[8] = '-'
	hex.Encode(buf[9:13], u[4:6])
	buf[13] = '-'
	hex.Encode(buf[14:18], u[6:8])
	buf[18] = '-'
	hex.Encode(buf[19:23], u[8:10])
	buf[23] = '-'
	hex.Encode(buf[24:], u[10:])
	return string(buf[:])
}

func parseUUID(s string) ([16]byte, bool) {
	var u [16]byte
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return u, false
	}
	compact := s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:]
	for _, c := range compact {
		if c >= 'A' && c <= 'F' {
			return u, false // ids are lowercase; uppercase is another id
		}
	}
	if _, err := hex.Decode(u[:], []byte(compact)); err != nil {
		return u, false
	}
	return u, true
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
const b64url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// randString draws n characters of alphabet from key.
func randString(key uint64, n int, alphabet string) string {
	b := make([]byte, n)
	for i := range b {
		if i%8 == 0 {
			key = mix(key)
		}
		b[i] = alphabet[int(key>>(8*(i%8))&0xff)%len(alphabet)]
	}
	return string(b)
}
