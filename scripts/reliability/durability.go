package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// durabilityResult: complaints filed by clients while the server is killed with SIGKILL and
// restarted; every acknowledged one must be there afterwards, and none twice.
type durabilityResult struct {
	Clients, Kills int
	Acknowledged   int // distinct complaints answered 201
	Resent         int // requests re-sent with their Idempotency-Key after no answer or 409/5xx
	Missing        int // acknowledged, not found by reference after the last restart
	Listed         int // cases the index lists after the last restart
	Duplicates     int // cases listed beyond the acknowledged ones
	IndexCaughtUp  bool
	Elapsed        time.Duration
}

func (r durabilityResult) ok() bool {
	return r.Missing == 0 && r.Duplicates == 0 && r.Acknowledged > 0 && r.IndexCaughtUp
}

// runDurability files complaints from clients goroutines for phase, killing the server kills
// times at even intervals and restarting it, then stops it cleanly, starts it once more and
// checks every acknowledged complaint. It returns the server left running.
func runDurability(ctx context.Context, bin string, env []string, logw io.Writer, clients, kills int, phase time.Duration, adminPassword string) (*kaikuProcess, durabilityResult, error) {
	res := durabilityResult{Clients: clients, Kills: kills}
	began := time.Now()
	p, err := startKaiku(ctx, bin, env, logw)
	if err != nil {
		return nil, res, err
	}
	var addr atomic.Value
	addr.Store(p.addr)

	var mu sync.Mutex
	acked := map[string]bool{}
	var resent atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	httpc := &http.Client{Timeout: 20 * time.Second}
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				key := randomHex(16)
				body, _ := json.Marshal(map[string]string{
					"name": fmt.Sprintf("Durable %d-%d", c, i), "email": fmt.Sprintf("durable-%d-%d@reliability.example", c, i),
					"category": "delivery", "touchpoint": "delivery", "expected_outcome": "replacement",
					"description": fmt.Sprintf("Durability check %d-%d: the parcel arrived crushed.", c, i),
				})
				// Send until answered 201, re-sending with the same key after no answer; stop
				// only once answered (a request cut off by the end of the phase is not counted).
				for attempt := 0; ; attempt++ {
					if attempt > 0 {
						resent.Add(1)
						time.Sleep(50 * time.Millisecond) // back off while the server restarts
					}
					req, _ := http.NewRequest("POST", "http://"+addr.Load().(string)+"/api/v1/complaints", bytes.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Idempotency-Key", key)
					r, err := httpc.Do(req)
					if err != nil {
						if isStopped(stop) && attempt > 200 {
							return
						}
						continue
					}
					var receipt struct {
						Data struct {
							Reference string `json:"reference"`
						} `json:"data"`
					}
					decodeErr := json.NewDecoder(r.Body).Decode(&receipt)
					r.Body.Close()
					if r.StatusCode == http.StatusCreated && decodeErr == nil && receipt.Data.Reference != "" {
						mu.Lock()
						acked[receipt.Data.Reference] = true
						mu.Unlock()
						break
					}
				}
			}
		}()
	}
	interval := phase / time.Duration(kills+1)
	for range kills {
		select {
		case <-ctx.Done():
			close(stop)
			wg.Wait()
			return nil, res, ctx.Err()
		case <-time.After(interval):
		}
		p.kill()
		p, err = startKaiku(ctx, bin, env, logw)
		if err != nil {
			close(stop)
			wg.Wait()
			return nil, res, fmt.Errorf("restart after kill -9: %w", err)
		}
		addr.Store(p.addr)
	}
	time.Sleep(interval) // the last stretch after the last restart
	close(stop)
	wg.Wait()
	if err := p.stop(); err != nil {
		return nil, res, err
	}
	p, err = startKaiku(ctx, bin, env, logw)
	if err != nil {
		return nil, res, err
	}
	res.Acknowledged, res.Resent = len(acked), int(resent.Load())

	admin, err := login("http://"+p.addr, adminEmail, adminPassword)
	if err != nil {
		return p, res, err
	}
	for ref := range acked {
		if code, _, err := admin.do("GET", "/api/v1/cases/"+ref, nil); err != nil || code != 200 {
			res.Missing++
		}
	}
	// The index catches up on its own (marks left by the kills); wait for it, bounded.
	deadline := time.Now().Add(90 * time.Second)
	for {
		code, body, err := admin.do("GET", "/api/v1/cases?view=all_open&limit=1", nil)
		var page struct {
			Meta struct {
				Total int `json:"total"`
			} `json:"meta"`
		}
		if err == nil && code == 200 && json.Unmarshal(body, &page) == nil {
			res.Listed = page.Meta.Total
			if res.Listed >= res.Acknowledged {
				res.IndexCaughtUp = true
				break
			}
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond) // the reconciler runs every 2 s; bounded by the deadline
	}
	res.Duplicates = max(0, res.Listed-res.Acknowledged)
	res.Elapsed = time.Since(began)
	return p, res, nil
}

func isStopped(stop chan struct{}) bool {
	select {
	case <-stop:
		return true
	default:
		return false
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
