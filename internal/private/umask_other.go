//go:build !unix

package private

// WithUmask runs create; this system has no umask.
func WithUmask(create func() error) error { return create() }
