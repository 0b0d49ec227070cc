package serve

import (
	lru "container/list"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/evals-dev/evals/store"
)

// answerCache keeps finished answers: a run never changes once written, and everything
// else an answer depends on moves the store's stamp (a run imported, deleted or renamed, a
// verdict recorded), which is part of the key. So an answer is good for as long as the
// stamp holds; when it moves the cache empties. Bounded in bytes, least recently used
// first out. A cached answer never waits for a heavy-query slot.
type answerCache struct {
	mu    sync.Mutex
	max   int64
	size  int64
	lru   *lru.List // of *cached, most recent first
	byKey map[string]*lru.Element

	hits, misses int64
}

// cached is one answer as it went out: its bytes and the headers that go with them.
type cached struct {
	key  string
	body []byte
	// header and code are a dashboard page's (serve/pages.go); API answers use the rest.
	header      http.Header
	code        int
	contentType string
	filename    string
	run         *store.Run
	etag        string
}

func newAnswerCache(maxBytes int64) *answerCache {
	return &answerCache{max: maxBytes, lru: lru.New(), byKey: map[string]*lru.Element{}}
}

// cacheKey names an answer: the route, the normalized query (parameters sorted, values
// in order) and the store's stamp. "" when the store has no stamp (nothing to key by).
func cacheKey(route string, q url.Values, stamp string) string {
	if stamp == "" {
		return ""
	}
	names := make([]string, 0, len(q))
	for k := range q {
		names = append(names, k)
	}
	slices.Sort(names)
	var b strings.Builder
	b.WriteString(stamp)
	b.WriteByte(0)
	b.WriteString(route)
	for _, k := range names {
		for _, v := range q[k] {
			b.WriteByte(0)
			b.WriteString(k)
			b.WriteByte('=')
			b.WriteString(v)
		}
	}
	return b.String()
}

// get and put take the key only: the store stamp an answer depends on is part of its key
// (per run where the route is about some runs, see server.stampFor), so a write makes the
// answers it changes unreachable and the LRU lets them go; the answers about other runs stay.
func (c *answerCache) get(key string) *cached {
	if c == nil || key == "" {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byKey[key]
	if !ok {
		c.misses++
		return nil
	}
	c.hits++
	c.lru.MoveToFront(e)
	return e.Value.(*cached)
}

func (c *answerCache) put(a *cached) {
	if c == nil || a.key == "" || int64(len(a.body)) > c.max/8 {
		return // one answer may not push out most of the others
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.byKey[a.key]; ok {
		return
	}
	c.byKey[a.key] = c.lru.PushFront(a)
	c.size += int64(len(a.body) + len(a.key))
	for c.size > c.max && c.lru.Len() > 0 {
		old := c.lru.Remove(c.lru.Back()).(*cached)
		delete(c.byKey, old.key)
		c.size -= int64(len(old.body) + len(old.key))
	}
}
