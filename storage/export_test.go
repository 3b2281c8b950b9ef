package storage

// SetPruneStep sets how many messages one transaction of migration 3
// prunes, and returns a function restoring it.
func SetPruneStep(n int) func() {
	old := pruneStep
	pruneStep = n
	return func() { pruneStep = old }
}
