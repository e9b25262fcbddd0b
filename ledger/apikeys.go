package ledger

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ErrBadAPIKey: the presented API key is unknown, malformed or revoked.
var ErrBadAPIKey = errors.New("invalid API key")

// APIKey is a bearer key for the usage HTTP API. Only a SHA-256 hash of the
// secret is stored; the full key is shown once, when it is created. Keys
// carry 256 bits of randomness, so a fast hash is enough (no password
// stretching is needed).
type APIKey struct {
	ID      string     `json:"id"`
	Name    string     `json:"name"`
	Hash    string     `json:"hash"` // hex SHA-256 of the whole key text
	Created time.Time  `json:"created"`
	Revoked *time.Time `json:"revoked,omitempty"`
}

const apiKeyPrefix = "mek_"

// CreateAPIKey makes a new key named name and returns its record and the
// full key text "mek_ID_SECRET", which is not stored and cannot be shown again.
func (b *Book) CreateAPIKey(name string) (APIKey, string, error) {
	if strings.TrimSpace(name) == "" {
		return APIKey{}, "", fmt.Errorf("%w: an API key needs a name saying who uses it", ErrInvalid)
	}
	var idb [6]byte
	var secret [32]byte
	rand.Read(idb[:])
	rand.Read(secret[:])
	id := hex.EncodeToString(idb[:])
	text := apiKeyPrefix + id + "_" + hex.EncodeToString(secret[:])
	sum := sha256.Sum256([]byte(text))
	k := APIKey{ID: id, Name: name, Hash: hex.EncodeToString(sum[:]), Created: b.now().UTC()}
	err := b.update(func(tx *bolt.Tx) error {
		if err := putJSON(tx.Bucket(bucketAPIKeys), id, k); err != nil {
			return err
		}
		return b.audit(tx, "apikey.create", "apikey "+id, "", name)
	})
	if err != nil {
		return APIKey{}, "", err
	}
	return k, text, nil
}

// APIKeys lists the keys (hashes only), revoked ones included.
func (b *Book) APIKeys() ([]APIKey, error) {
	var out []APIKey
	err := b.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketAPIKeys).ForEach(func(_, v []byte) error {
			var k APIKey
			if err := json.Unmarshal(v, &k); err != nil {
				return err
			}
			out = append(out, k)
			return nil
		})
	})
	return out, err
}

// RevokeAPIKey revokes the key with id; requests with it fail from then on.
func (b *Book) RevokeAPIKey(id string) error {
	return b.update(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketAPIKeys)
		v := bk.Get([]byte(id))
		if v == nil {
			return fmt.Errorf("API key %q %w (monthend apikey list shows them)", id, ErrNotFound)
		}
		var k APIKey
		if err := json.Unmarshal(v, &k); err != nil {
			return err
		}
		if k.Revoked != nil {
			return nil
		}
		now := b.now().UTC()
		k.Revoked = &now
		if err := putJSON(bk, id, k); err != nil {
			return err
		}
		return b.audit(tx, "apikey.revoke", "apikey "+id, "active", "revoked")
	})
}

// VerifyAPIKey returns the key record for the key text, comparing hashes in
// constant time, or ErrBadAPIKey.
func (b *Book) VerifyAPIKey(text string) (APIKey, error) {
	var k APIKey
	rest, ok := strings.CutPrefix(text, apiKeyPrefix)
	id, _, ok2 := strings.Cut(rest, "_")
	if !ok || !ok2 {
		return k, ErrBadAPIKey
	}
	err := b.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketAPIKeys).Get([]byte(id))
		if v == nil {
			return ErrBadAPIKey
		}
		return json.Unmarshal(v, &k)
	})
	if err != nil {
		return APIKey{}, err
	}
	sum := sha256.Sum256([]byte(text))
	want, err := hex.DecodeString(k.Hash)
	if err != nil || subtle.ConstantTimeCompare(sum[:], want) != 1 || k.Revoked != nil {
		return APIKey{}, ErrBadAPIKey
	}
	return k, nil
}
