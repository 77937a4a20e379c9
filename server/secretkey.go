package server

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// secretKeyFile holds the key that seals review sources' signing secrets when
// KAIKU_SECRET_KEY is not set. It sits beside the database, not in it, so a database dump
// alone opens no secret; replicas sharing one MongoDB must share KAIKU_SECRET_KEY instead.
const secretKeyFile = "secret.key"

// loadSecretKey returns the configured key, or reads (on the first start creates) the key
// file under the data directory.
func loadSecretKey(cfg Config) ([]byte, error) {
	if cfg.SecretKey != nil {
		return cfg.SecretKey, nil
	}
	path := filepath.Join(cfg.DataDir, secretKeyFile)
	key, err := os.ReadFile(path)
	if err == nil {
		if len(key) != 32 {
			return nil, fmt.Errorf("secret key %s: want 32 bytes, found %d", path, len(key))
		}
		return key, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	key = make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	// O_EXCL: of two processes starting at once on one data directory, one writes the key
	// and the other reads it.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return loadSecretKey(cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	if _, err := f.Write(key); err != nil {
		f.Close()
		return nil, fmt.Errorf("secret key: %w", err)
	}
	return key, f.Close()
}
