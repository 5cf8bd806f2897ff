package gqlgateway

import "container/list"

// lru is a bounded map that forgets its least recently used entry when
// full. It is not safe for concurrent use: its owners hold a lock.
type lru[K comparable, V any] struct {
	size  int
	order *list.List // front: most recently used; elements hold *lruItem
	items map[K]*list.Element
}

type lruItem[K comparable, V any] struct {
	key K
	val V
}

func newLRU[K comparable, V any](size int) *lru[K, V] {
	return &lru[K, V]{size: max(size, 1), order: list.New(), items: make(map[K]*list.Element)}
}

// get returns the value under k and marks it recently used.
func (c *lru[K, V]) get(k K) (V, bool) {
	el, ok := c.items[k]
	if !ok {
		var zero V
		return zero, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*lruItem[K, V]).val, true
}

// add stores v under k, forgetting the least recently used entry if full.
func (c *lru[K, V]) add(k K, v V) {
	if el, ok := c.items[k]; ok {
		el.Value.(*lruItem[K, V]).val = v
		c.order.MoveToFront(el)
		return
	}
	if c.order.Len() >= c.size {
		oldest := c.order.Back()
		c.order.Remove(oldest)
		delete(c.items, oldest.Value.(*lruItem[K, V]).key)
	}
	c.items[k] = c.order.PushFront(&lruItem[K, V]{key: k, val: v})
}

func (c *lru[K, V]) remove(k K) {
	if el, ok := c.items[k]; ok {
		c.order.Remove(el)
		delete(c.items, k)
	}
}

// removeIf drops every entry for which drop returns true and says how many.
func (c *lru[K, V]) removeIf(drop func(K, V) bool) int {
	n := 0
	for el := c.order.Front(); el != nil; {
		next := el.Next()
		it := el.Value.(*lruItem[K, V])
		if drop(it.key, it.val) {
			c.order.Remove(el)
			delete(c.items, it.key)
			n++
		}
		el = next
	}
	return n
}

func (c *lru[K, V]) clear() {
	c.order.Init()
	clear(c.items)
}

func (c *lru[K, V]) len() int { return c.order.Len() }
