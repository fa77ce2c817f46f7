package natsauth

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/nats-io/nkeys"
)

// keyStore keeps the seed of every identity in a directory, one file each,
// so the next start signs with the same keys: the same operator, the same
// accounts (JetStream keeps an account's streams under its public key) and
// the same users. A missing key is made anew.
type keyStore struct{ dir string }

// key returns the key pair stored under name, creating it with create when
// there is none. A stored seed of another kind of key is an error: using
// it would change an identity silently.
func (s keyStore) key(name string, prefix nkeys.PrefixByte, create func() (nkeys.KeyPair, error)) (nkeys.KeyPair, error) {
	path := filepath.Join(s.dir, name+".nk")
	seed, err := os.ReadFile(path)
	switch {
	case err == nil:
		kp, err := nkeys.FromSeed(bytes.TrimSpace(seed))
		if err != nil {
			return nil, fmt.Errorf("key %s: %w (delete the file to have a new identity made)", path, err)
		}
		if err := nkeys.CompatibleKeyPair(kp, prefix); err != nil {
			return nil, fmt.Errorf("key %s: not a %s key: %w (delete the file to have a new identity made)", path, prefix, err)
		}
		return kp, nil
	case errors.Is(err, fs.ErrNotExist):
		kp, err := create()
		if err != nil {
			return nil, fmt.Errorf("key %s: %w", name, err)
		}
		seed, err := kp.Seed()
		if err != nil {
			return nil, fmt.Errorf("key %s: %w", name, err)
		}
		if err := writePrivate(path, append(seed, '\n')); err != nil {
			return nil, err
		}
		return kp, nil
	default:
		return nil, fmt.Errorf("key %s: %w", path, err)
	}
}

// writePrivate writes a secret readable by its owner only, replacing any
// earlier file whole (a rename), so a reader never sees half of it.
func writePrivate(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	if err := tmp.Chmod(0o600); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
