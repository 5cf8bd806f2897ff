package tokensvc

import (
	"context"
	"time"

	"github.com/positiveaction/tokens/store"
)

// instrumentedStore times every call of the store the service uses and
// counts its faults, per operation, without the backends knowing. Operation
// names are fixed here; arguments never reach a label.
type instrumentedStore struct {
	next store.Store
	m    *metrics
}

var _ store.Store = instrumentedStore{}

func newInstrumentedStore(next store.Store, m *metrics) store.Store {
	return instrumentedStore{next: next, m: m}
}

func (s instrumentedStore) CreateKey(ctx context.Context, k store.Key) error {
	start := time.Now()
	err := s.next.CreateKey(ctx, k)
	s.m.observeStore("create_key", start, err)
	return err
}

func (s instrumentedStore) GetKey(ctx context.Context, clientID string) (store.Key, error) {
	start := time.Now()
	k, err := s.next.GetKey(ctx, clientID)
	s.m.observeStore("get_key", start, err)
	return k, err
}

func (s instrumentedStore) UpdateKey(ctx context.Context, k store.Key) error {
	start := time.Now()
	err := s.next.UpdateKey(ctx, k)
	s.m.observeStore("update_key", start, err)
	return err
}

func (s instrumentedStore) TouchKey(ctx context.Context, clientID string, at time.Time) error {
	start := time.Now()
	err := s.next.TouchKey(ctx, clientID, at)
	s.m.observeStore("touch_key", start, err)
	return err
}

func (s instrumentedStore) MarkTokensNotBefore(ctx context.Context, clientID string,
	at time.Time) error {
	start := time.Now()
	err := s.next.MarkTokensNotBefore(ctx, clientID, at)
	s.m.observeStore("mark_key", start, err)
	return err
}

func (s instrumentedStore) DeleteKey(ctx context.Context, clientID string) error {
	start := time.Now()
	err := s.next.DeleteKey(ctx, clientID)
	s.m.observeStore("delete_key", start, err)
	return err
}

func (s instrumentedStore) ListKeys(ctx context.Context, f store.KeyFilter,
	p store.Page) ([]store.Key, string, error) {
	start := time.Now()
	keys, next, err := s.next.ListKeys(ctx, f, p)
	s.m.observeStore("list_keys", start, err)
	return keys, next, err
}

func (s instrumentedStore) SaveToken(ctx context.Context, t store.Token) error {
	start := time.Now()
	err := s.next.SaveToken(ctx, t)
	s.m.observeStore("save_token", start, err)
	return err
}

func (s instrumentedStore) LookupToken(ctx context.Context, clientID string,
	hash []byte) (store.Token, store.Key, error) {
	start := time.Now()
	t, k, err := s.next.LookupToken(ctx, clientID, hash)
	s.m.observeStore("lookup_token", start, err)
	return t, k, err
}

func (s instrumentedStore) DeleteToken(ctx context.Context, clientID string, hash []byte) error {
	start := time.Now()
	err := s.next.DeleteToken(ctx, clientID, hash)
	s.m.observeStore("delete_token", start, err)
	return err
}

func (s instrumentedStore) ListTokens(ctx context.Context, clientID string,
	p store.Page) ([]store.Token, string, error) {
	start := time.Now()
	toks, next, err := s.next.ListTokens(ctx, clientID, p)
	s.m.observeStore("list_tokens", start, err)
	return toks, next, err
}

func (s instrumentedStore) Incr(ctx context.Context, name string,
	window time.Duration) (int64, error) {
	start := time.Now()
	n, err := s.next.Incr(ctx, name, window)
	s.m.observeStore("incr", start, err)
	return n, err
}

func (s instrumentedStore) Count(ctx context.Context, name string) (int64, error) {
	start := time.Now()
	n, err := s.next.Count(ctx, name)
	s.m.observeStore("count", start, err)
	return n, err
}

func (s instrumentedStore) PutIfAbsent(ctx context.Context, name string,
	value []byte) ([]byte, error) {
	start := time.Now()
	v, err := s.next.PutIfAbsent(ctx, name, value)
	s.m.observeStore("put_if_absent", start, err)
	return v, err
}

func (s instrumentedStore) PublishRevocation(ctx context.Context, r store.Revocation) error {
	start := time.Now()
	err := s.next.PublishRevocation(ctx, r)
	s.m.observeStore("publish_revocation", start, err)
	return err
}

// SubscribeRevocations times setting the subscription up, not its life.
func (s instrumentedStore) SubscribeRevocations(
	ctx context.Context) (<-chan store.Revocation, error) {
	start := time.Now()
	ch, err := s.next.SubscribeRevocations(ctx)
	s.m.observeStore("subscribe_revocations", start, err)
	return ch, err
}

func (s instrumentedStore) AppendAudit(ctx context.Context, e store.AuditEntry) error {
	start := time.Now()
	err := s.next.AppendAudit(ctx, e)
	s.m.observeStore("append_audit", start, err)
	return err
}

func (s instrumentedStore) ListAudit(ctx context.Context, f store.AuditFilter,
	p store.Page) ([]store.AuditEntry, string, error) {
	start := time.Now()
	entries, next, err := s.next.ListAudit(ctx, f, p)
	s.m.observeStore("list_audit", start, err)
	return entries, next, err
}

func (s instrumentedStore) Ping(ctx context.Context) error {
	start := time.Now()
	err := s.next.Ping(ctx)
	s.m.observeStore("ping", start, err)
	return err
}

// Close passes through: the service never closes its store, its owner does.
func (s instrumentedStore) Close() error { return s.next.Close() }
