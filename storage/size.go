package storage

import bolt "go.etcd.io/bbolt"

// Size returns the size of the store's data in bytes, as bbolt counts it
// for a consistent copy (what a backup writes).
func (db *DB) Size() (int64, error) {
	var n int64
	err := db.bolt.View(func(tx *bolt.Tx) error { n = tx.Size(); return nil })
	return n, err
}
