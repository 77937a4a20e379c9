package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kaiku-helpdesk/kaiku/server"
)

// fileComplaint files one complaint on the public form and returns its reference.
func fileComplaint(c *http.Client, addr string, i int) (string, error) {
	body := fmt.Sprintf(`{"name":"Backup Customer %d","email":"backup%d@example.com","category":"delivery","touchpoint":"delivery",`+
		`"description":"Backupsentinel parcel %d arrived crushed.","expected_outcome":"replacement"}`, i, i, i)
	res, err := c.Post("http://"+addr+"/api/v1/complaints", "application/json", strings.NewReader(body))
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	var receipt struct {
		Data struct {
			Reference string `json:"reference"`
		} `json:"data"`
	}
	if res.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("complaint %d: status %d", i, res.StatusCode)
	}
	if err := json.NewDecoder(res.Body).Decode(&receipt); err != nil {
		return "", err
	}
	return receipt.Data.Reference, nil
}

// runCommand runs `kaiku <args>` in-process.
func runCommand(env map[string]string, args ...string) (string, error) {
	out := &syncBuffer{}
	err := server.Run(context.Background(), args, func(k string) string { return env[k] }, out, &syncBuffer{})
	return out.String(), err
}

func TestBackupWhileTakingComplaintsRestoresEveryAcknowledgedCase(t *testing.T) {
	dir := t.TempDir()
	env := baseEnv(dir)
	env["KAIKU_INTAKE_LIMIT_PER_IP"] = "100000"
	r := start(t, env)

	// Complaints keep coming in from two clients for the whole backup.
	var mu sync.Mutex
	var acknowledged []string
	stop := make(chan struct{})
	firstBatch := make(chan struct{})
	var intake sync.WaitGroup
	for w := range 2 {
		intake.Add(1)
		go func() {
			defer intake.Done()
			for i := w; ; i += 2 {
				select {
				case <-stop:
					return
				default:
				}
				ref, err := fileComplaint(http.DefaultClient, r.addr, i)
				if err != nil {
					t.Errorf("intake during backup: %v", err)
					return
				}
				mu.Lock()
				acknowledged = append(acknowledged, ref)
				if len(acknowledged) == 20 {
					close(firstBatch)
				}
				mu.Unlock()
			}
		}()
	}
	<-firstBatch
	mu.Lock()
	before := append([]string(nil), acknowledged...) // acknowledged before the backup began
	mu.Unlock()

	file := filepath.Join(t.TempDir(), "kaiku.backup")
	if out, err := runCommand(env, "backup", file, "--data-dir", dir); err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	close(stop)
	intake.Wait()
	mu.Lock()
	t.Logf("%d complaints acknowledged before the backup began, %d by the end of intake", len(before), len(acknowledged))
	mu.Unlock()
	if st, err := os.Stat(file); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: %v %v (want mode 0600: it holds every customer's data)", st, err)
	}

	// A data directory in use is never overwritten.
	if out, err := runCommand(env, "restore", file, "--data-dir", dir); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("restore into a non-empty directory: want a refusal, got %v\n%s", err, out)
	}

	restored := filepath.Join(t.TempDir(), "restored")
	env2 := baseEnv(restored)
	out, err := runCommand(env2, "restore", file)
	if err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	if !strings.Contains(out, "search index rebuilt") {
		t.Fatalf("restore output: %s", out)
	}
	r.stop(t)

	// Started on the restored directory: the restore built the index, so search lists every
	// complaint acknowledged before the backup began at once, and each one opens.
	r2 := start(t, env2)
	c, _ := client(t, r2)
	listed := map[string]bool{}
	cursor := ""
	for {
		code, body := getJSON(t, c, "http://"+r2.addr+"/api/v1/cases?q=backupsentinel&limit=200&cursor="+cursor)
		if code != 200 {
			t.Fatalf("search after restore: %d %s", code, body)
		}
		var page struct {
			Data []struct {
				ID string `json:"id"` // the case's reference
			} `json:"data"`
			Meta struct {
				NextCursor string `json:"next_cursor"`
			} `json:"meta"`
		}
		if err := json.Unmarshal([]byte(body), &page); err != nil {
			t.Fatal(err)
		}
		for _, row := range page.Data {
			listed[row.ID] = true
		}
		if page.Meta.NextCursor == "" || len(page.Data) == 0 {
			break
		}
		cursor = page.Meta.NextCursor
	}
	for _, ref := range before {
		if !listed[ref] {
			t.Errorf("complaint %s, acknowledged before the backup began, is not listed after the restore", ref)
		}
	}
	if len(listed) < len(before) {
		t.Fatalf("search lists %d complaints after the restore, want at least %d", len(listed), len(before))
	}
	if code, body := getJSON(t, c, "http://"+r2.addr+"/api/v1/cases?q="+before[0]); code != 200 || !strings.Contains(body, before[0]) {
		t.Fatalf("case %s by its reference after the restore: %d %s", before[0], code, body)
	}
}
