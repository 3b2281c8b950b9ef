package configs

import (
	"log/slog"
	"net"
	"time"
)

// Ops configures the operations listener (health, readiness, metrics).
type Ops struct {
	// Listen is the listener's address; loopback by default
	// (127.0.0.1:9464). "off" turns the listener off.
	Listen string `yaml:"listen"`
	// StuckAfter is how long the oldest pending outbox message may be
	// overdue before /readyz reports the outbox stuck (Go duration, "15m").
	StuckAfter string `yaml:"stuck_after"`
}

// Log configures the log.
type Log struct {
	// Format is text (default) or json.
	Format string `yaml:"format"`
	// Level is debug, info (default), warn or error; SIGUSR1 and the admin
	// socket change it at run time.
	Level string `yaml:"level"`
}

// Backups configures the backups the schedule "backup" and /kipina backup
// write into the data directory's backups folder.
type Backups struct {
	// Keep is how many backups stay; older ones are removed after a new
	// one passes its check. 0 keeps all.
	Keep int `yaml:"keep"`
}

// SlogLevel parses Level; empty is info.
func (l Log) SlogLevel() (slog.Level, error) {
	var lv slog.Level
	if l.Level == "" {
		return slog.LevelInfo, nil
	}
	err := lv.UnmarshalText([]byte(l.Level))
	return lv, err
}

// StuckDuration parses StuckAfter; empty is 15 minutes.
func (o Ops) StuckDuration() (time.Duration, error) {
	if o.StuckAfter == "" {
		return 15 * time.Minute, nil
	}
	return time.ParseDuration(o.StuckAfter)
}

// validateOps adds the problems of the ops, log and backups sections.
func (c *Config) validateOps(bad func(string, ...any)) {
	if c.Ops.Listen != "" && c.Ops.Listen != "off" {
		if _, _, err := net.SplitHostPort(c.Ops.Listen); err != nil {
			bad("ops.listen: %q is not host:port (or off): %v", c.Ops.Listen, err)
		}
	}
	if d, err := c.Ops.StuckDuration(); err != nil || d <= 0 {
		bad("ops.stuck_after: %q is not a positive duration such as 15m", c.Ops.StuckAfter)
	}
	switch c.Log.Format {
	case "", "text", "json":
	default:
		bad("log.format: %q is not text or json", c.Log.Format)
	}
	if _, err := c.Log.SlogLevel(); err != nil {
		bad("log.level: %q is not debug, info, warn or error", c.Log.Level)
	}
	if c.Backups.Keep < 0 {
		bad("backups.keep: %d is negative", c.Backups.Keep)
	}
}
