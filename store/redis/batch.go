package redis

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// The batcher's shape. Measured with scripts/bench (docs/performance.md):
// under 32 concurrent introspections a batch holds about seven calls,
// which cuts Redis' CPU per call by two thirds and the service's by a
// sixth, since a loopback write costs about the same for one command as
// for fifty. One or four workers did no better than two.
const (
	// batchWorkers send the queued calls, each taking every call queued
	// while it was busy; with a caller's own pipeline (sent when nothing
	// was in flight) at most batchWorkers+1 pipelines are in flight.
	batchWorkers = 2
	// maxBatch caps the calls in one pipeline.
	maxBatch = 64
	// batchQueue is how many calls may wait for a worker.
	batchQueue = 1024
)

// batcher merges the single round trips of concurrent store calls into
// shared pipelines. A call that finds no pipeline in flight sends its own
// commands at once; otherwise it queues them and waits, and a worker takes
// every call queued meanwhile and sends them as one pipeline. So batching
// adds no wait of its own when calls are few, and when many arrive
// together, Redis and this process read and write once per batch instead
// of once per call.
//
// It stands in for go-redis' own auto-pipelining, which LIBRARIES.md
// advises against: it batches only the calls given to it (one node's
// reads and script runs on the token path), over the ordinary Pipeline,
// so a Cluster splits a batch per node and redirects as it always does.
// A batch is not a transaction: each call's commands succeed or fail on
// their own, and each caller reads only its own commands' results.
type batcher struct {
	c       redis.UniversalClient
	timeout time.Duration
	calls   chan *batchCall
	stop    chan struct{}
	workers sync.WaitGroup
	// pipelines counts the pipelines sent (the tests read it).
	pipelines atomic.Int64
	// inFlight counts the pipelines being sent. A call that finds none
	// sends its commands itself, so a lone caller pays no hand-off to a
	// worker and back.
	inFlight atomic.Int32
}

// batchCall is one caller's commands: queue adds them to the pipeline,
// done is closed once they have their results, or with err set when they
// were left out.
type batchCall struct {
	ctx   context.Context
	queue func(ctx context.Context, p redis.Pipeliner)
	done  chan struct{}
	err   error
}

func newBatcher(c redis.UniversalClient, timeout time.Duration) *batcher {
	b := &batcher{
		c:       c,
		timeout: timeout,
		calls:   make(chan *batchCall, batchQueue),
		stop:    make(chan struct{}),
	}
	for range batchWorkers {
		b.workers.Go(b.work)
	}
	return b
}

// do runs queue's commands in a shared pipeline and returns once they have
// their results, which the caller then reads from the commands queue made.
// It fails only when ctx ends first (the commands may still run) or the
// store is closed; a command's own error is on the command.
func (b *batcher) do(ctx context.Context, queue func(ctx context.Context, p redis.Pipeliner)) error {
	select {
	case <-b.stop:
		return redis.ErrClosed
	default:
	}
	call := &batchCall{ctx: ctx, queue: queue, done: make(chan struct{})}
	if b.inFlight.CompareAndSwap(0, 1) {
		b.send([]*batchCall{call})
		b.inFlight.Add(-1)
		return call.err
	}
	select {
	case b.calls <- call:
	case <-ctx.Done():
		return ctx.Err()
	case <-b.stop:
		return redis.ErrClosed
	}
	select {
	case <-call.done:
		return call.err
	case <-ctx.Done():
		return ctx.Err()
	case <-b.stop:
		return redis.ErrClosed
	}
}

// close stops the workers; calls still waiting fail with redis.ErrClosed.
func (b *batcher) close() {
	close(b.stop)
	b.workers.Wait()
}

func (b *batcher) work() {
	batch := make([]*batchCall, 0, maxBatch)
	for {
		select {
		case <-b.stop:
			return
		case call := <-b.calls:
			batch = append(batch[:0], call)
		}
		batch = b.fill(batch)
		if len(batch) < maxBatch {
			// Let the handlers that are ready to run queue their calls
			// too: one yield about doubles the batch under load and
			// costs nothing when nothing else is runnable.
			runtime.Gosched()
			batch = b.fill(batch)
		}
		b.inFlight.Add(1)
		b.send(batch)
		b.inFlight.Add(-1)
		clear(batch) // let finished calls' closures go
	}
}

// fill adds the calls already queued, up to maxBatch.
func (b *batcher) fill(batch []*batchCall) []*batchCall {
	for len(batch) < maxBatch {
		select {
		case call := <-b.calls:
			batch = append(batch, call)
		default:
			return batch
		}
	}
	return batch
}

// send sends one batch. Calls whose caller has already given up are left
// out, so a backlog after a stall does not replay abandoned work. The
// pipeline has its own deadline, not any caller's: one caller leaving must
// not cut the connection under the others.
func (b *batcher) send(batch []*batchCall) {
	ctx, cancel := context.WithTimeout(context.Background(), b.timeout)
	defer cancel()
	p := b.c.Pipeline()
	live := 0
	for _, call := range batch {
		if err := call.ctx.Err(); err != nil {
			call.err = err
			continue
		}
		call.queue(ctx, p)
		live++
	}
	if live > 0 {
		b.pipelines.Add(1)
		_, _ = p.Exec(ctx) // every command carries its own error
	}
	for _, call := range batch {
		close(call.done)
	}
}
