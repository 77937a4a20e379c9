package search

import (
	"context"
	"sync"
)

// persistence follows which Bleve batches are on disk. Batches are numbered as they are
// applied; the persister reports each one (in any order), and a waiter needs every batch up
// to the last one applied before it started waiting.
type persistence struct {
	mu      sync.Mutex
	issued  uint64
	pending map[uint64]bool // applied, not yet on disk
	err     error           // the last persister failure, reported to the next waiter
	changed chan struct{}   // closed and replaced whenever a batch is reported
}

func newPersistence() *persistence {
	return &persistence{pending: map[uint64]bool{}, changed: make(chan struct{})}
}

// issue numbers a batch about to be applied.
func (p *persistence) issue() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.issued++
	p.pending[p.issued] = true
	return p.issued
}

// done records that batch seq is on disk (or failed to get there).
func (p *persistence) done(seq uint64, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.pending, seq)
	if err != nil {
		p.err = err
	}
	close(p.changed)
	p.changed = make(chan struct{})
}

// wait returns once no batch applied before the call is still off disk.
func (p *persistence) wait(ctx context.Context) error {
	p.mu.Lock()
	upTo := p.issued
	for {
		if p.err != nil {
			err := p.err
			p.err = nil
			p.mu.Unlock()
			return err
		}
		outstanding := false
		for seq := range p.pending {
			if seq <= upTo {
				outstanding = true
				break
			}
		}
		if !outstanding {
			p.mu.Unlock()
			return nil
		}
		ch := p.changed
		p.mu.Unlock()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
		p.mu.Lock()
	}
}
