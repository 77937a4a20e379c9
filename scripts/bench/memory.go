package main

import (
	"fmt"
	"os"
	"sync"
	"time"
)

// memSampler follows the server's memory while it runs: its peak resident set (VmHWM) says
// whether the whole run stayed under the target, the highest anonymous and file-backed shares
// sampled say what to look at (the Go heap and SQLite's caches are anonymous; the pages of the
// index segments Bleve maps and of the database files are file-backed).
type memSampler struct {
	pid  int
	stop chan struct{}
	done chan struct{}

	mu              sync.Mutex
	hwm, anon, file int64
	anonAt, fileAt  time.Duration // since the sampler started
	started         time.Time
}

const memSampleEvery = 200 * time.Millisecond

func startMemSampler(pid int) *memSampler {
	m := &memSampler{pid: pid, stop: make(chan struct{}), done: make(chan struct{}), started: time.Now()}
	go func() {
		defer close(m.done)
		t := time.NewTicker(memSampleEvery)
		defer t.Stop()
		for {
			m.sample()
			select {
			case <-m.stop:
				return
			case <-t.C:
			}
		}
	}()
	return m
}

func (m *memSampler) sample() {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", m.pid))
	if err != nil {
		return
	}
	hwm, anon, file := procKB(b, "VmHWM:"), procKB(b, "RssAnon:"), procKB(b, "RssFile:")
	m.mu.Lock()
	defer m.mu.Unlock()
	m.hwm = max(m.hwm, hwm)
	if anon > m.anon {
		m.anon, m.anonAt = anon, time.Since(m.started)
	}
	if file > m.file {
		m.file, m.fileAt = file, time.Since(m.started)
	}
}

// finish takes a last sample and stops; it is safe to call more than once.
func (m *memSampler) finish() {
	select {
	case <-m.stop:
	default:
		close(m.stop)
	}
	<-m.done
	m.sample()
}

// memPeaks is what a sampler saw.
type memPeaks struct {
	hwm, anon, file int64
	anonAt, fileAt  time.Duration
}

func (m *memSampler) peaks() memPeaks {
	m.mu.Lock()
	defer m.mu.Unlock()
	return memPeaks{hwm: m.hwm, anon: m.anon, file: m.file, anonAt: m.anonAt, fileAt: m.fileAt}
}

func (p memPeaks) String() string {
	return fmt.Sprintf("peak RSS %d MB (VmHWM); highest samples every %s: anonymous %d MB (at %s), file-backed %d MB (at %s)",
		p.hwm>>20, memSampleEvery, p.anon>>20, secs(p.anonAt), p.file>>20, secs(p.fileAt))
}
