package cache

import "strings"

// ForgetAll is Memo.Forget for every key: the next Get of each loads afresh.
func (ms *Memos[V]) ForgetAll() {
	ms.forgetWhere(func(string) bool { return true })
}

// ForgetTree is Memo.Forget for the key dir and every key below it, keys
// being slash-separated paths ("/a" covers "/a" and "/a/b", not "/ab").
func (ms *Memos[V]) ForgetTree(dir string) {
	dir = strings.TrimSuffix(dir, "/")
	prefix := dir + "/"
	ms.forgetWhere(func(k string) bool { return k == dir || strings.HasPrefix(k, prefix) })
}

func (ms *Memos[V]) forgetWhere(match func(string) bool) {
	ms.mu.Lock()
	var hit []*Memo[V]
	for k, m := range ms.memos {
		if match(k) {
			hit = append(hit, m)
		}
	}
	ms.mu.Unlock()
	for _, m := range hit {
		m.Forget()
	}
}
