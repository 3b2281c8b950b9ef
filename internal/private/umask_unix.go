//go:build unix

package private

import "syscall"

// WithUmask runs create under the umask 0o077, so that what it creates
// (a Unix socket bound by net.Listen) is never, even for an instant,
// reachable by another user. The umask is the process's: meanwhile other
// goroutines' new files are at most tightened, never widened.
func WithUmask(create func() error) error {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	return create()
}
