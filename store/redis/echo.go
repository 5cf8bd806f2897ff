package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"
)

// A revocation subscription proves, every echoEvery, that it still hears
// what is published: it publishes an echo on a channel of its own through
// the store's client, which follows the current master (in a Cluster, any
// node), and it ends as lost when no echo has come back for echoDeadline,
// so the caller subscribes again. A broken connection ends it sooner.
//
// A subscription can stay connected, and answer pings, while hearing
// nothing: after a Sentinel failover go-redis sends commands to the new
// master but leaves subscriptions on the old one, which stays up as a
// master until the Sentinels turn it into a replica, about ten seconds
// later. Revocations published meanwhile would reach no instance. The
// echo bounds that to echoDeadline, within the one second a gateway may
// keep accepting a revoked token.
const (
	echoEvery    = 200 * time.Millisecond
	echoDeadline = 3 * echoEvery
)

// echo is the liveness state of one subscription.
type echo struct {
	channel     string
	sent, heard time.Time
}

// newEcho names a subscription's echo channel: random, so no two
// subscriptions hear each other's echoes.
func newEcho(now time.Time) *echo {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return &echo{channel: revocationChannel + ":echo:" + hex.EncodeToString(b[:]), heard: now}
}

// deaf reports whether the subscription has heard no echo for too long.
func (e *echo) deaf(now time.Time) bool { return now.Sub(e.heard) > echoDeadline }

// wait is how long to wait for the next message: until the next echo is
// due or the deadline passes, whichever is first.
func (e *echo) wait(now time.Time) time.Duration {
	due := e.sent.Add(echoEvery).Sub(now)
	late := e.heard.Add(echoDeadline).Sub(now)
	return max(min(due, late), time.Millisecond)
}

// send publishes an echo when one is due. A failed publish is not an
// error here: the echo that does not come back ends the subscription.
func (s *Store) sendEcho(ctx context.Context, e *echo, now time.Time) {
	if now.Sub(e.sent) < echoEvery {
		return
	}
	e.sent = now
	ctx, cancel := context.WithTimeout(ctx, min(echoEvery, s.opts.OpTimeout))
	defer cancel()
	_ = s.c.Publish(ctx, e.channel, "").Err()
}
