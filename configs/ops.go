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
	// File, when set, is where the log goes instead of standard error (a
	// path relative to the data directory, or absolute); it is rotated by
	// size. Empty: standard error, for journald or the container runtime
	// to collect and rotate (the terminal shell, which would drown in it,
	// then logs to DATA/kipina.log).
	File string `yaml:"file"`
	// MaxMB is the size in megabytes at which the log file is rotated
	// (default 20).
	MaxMB int `yaml:"max_mb"`
	// Keep is how many rotated log files stay (default 5; 0 takes the
	// default).
	Keep int `yaml:"keep"`
}

// Outbox configures how long delivered messages keep their content.
type Outbox struct {
	// RetentionDays is how many days a delivered message keeps its
	// content before it is compacted to a receipt (outbox.Prune); 0 takes
	// the default, 30.
	RetentionDays int `yaml:"retention_days"`
}

// Backups configures the backups the schedule "backup" and /kipina backup
// write into the data directory's backups folder.
type Backups struct {
	// Keep is how many backups stay; older ones are removed after a new
	// one passes its check. 0 keeps all.
	Keep int `yaml:"keep"`
}

// Privacy is the data-protection settings (docs/privacy.md §4).
type Privacy struct {
	// RetentionMonths is how many months after an event's follow-up ends
	// the personal data of its applications is erased (package
	// bot/privacy); 0 means the default, 24.
	RetentionMonths int `yaml:"retention_months"`
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
	if c.Log.MaxMB < 0 || c.Log.Keep < 0 {
		bad("log.max_mb and log.keep: %d, %d: not negative", c.Log.MaxMB, c.Log.Keep)
	}
	if c.Outbox.RetentionDays < 0 {
		bad("outbox.retention_days: %d is negative", c.Outbox.RetentionDays)
	}
	if c.Backups.Keep < 0 {
		bad("backups.keep: %d is negative", c.Backups.Keep)
	}
}
