package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/spf13/viper"
)

// envPrefix and envKeys turn a key such as "database.host" into APP_DATABASE_HOST.
const envPrefix = "APP"

var envKeys = strings.NewReplacer(".", "_")

// Config is the typed view of the settings. The rest of the program reads a *Config and never
// touches viper: viper is not safe for concurrent use, and a typed struct fails loudly at load time
// instead of deep inside a handler.
type Config struct {
	Server struct {
		Port        int           `mapstructure:"port"`
		ReadTimeout time.Duration `mapstructure:"read_timeout"` // "5s" in YAML, decoded by viper
	} `mapstructure:"server"`
	Database struct {
		Host         string `mapstructure:"host"`
		Port         int    `mapstructure:"port"`
		Name         string `mapstructure:"name"`
		User         string `mapstructure:"user"`
		Password     string `mapstructure:"password"`
		MaxOpenConns int    `mapstructure:"max_open_conns"`
	} `mapstructure:"database"`
	Features struct {
		Greeting         string `mapstructure:"greeting"`
		NewCheckout      bool   `mapstructure:"new_checkout"`
		MaxItemsPerOrder int    `mapstructure:"max_items_per_order"`
	} `mapstructure:"features"`
	Log struct {
		Level string `mapstructure:"level"`
	} `mapstructure:"log"`
}

func (c *Config) validate() error {
	var errs []error
	if c.Server.Port < 1 || c.Server.Port > 65535 {
		errs = append(errs, fmt.Errorf("server.port %d is not a TCP port", c.Server.Port))
	}
	if c.Database.Host == "" {
		errs = append(errs, errors.New("database.host is empty"))
	}
	if c.Features.MaxItemsPerOrder < 1 {
		errs = append(errs, errors.New("features.max_items_per_order must be at least 1"))
	}
	if _, err := parseLevel(c.Log.Level); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Snapshot is one consistent version of the configuration. Reloads build a new Snapshot and swap
// the pointer, so a request that loaded a Snapshot sees the same values from start to end.
type Snapshot struct {
	Config   *Config
	Flat     map[string]any // "database.host" -> effective value, after defaults, file and environment
	File     map[string]any // what config.yaml itself says, to explain edits that an env var hides
	FromEnv  []string       // keys whose value comes from an environment variable
	Version  int
	LoadedAt time.Time
}

// Store owns the viper instance and the current Snapshot.
type Store struct {
	v        *viper.Viper
	current  atomic.Pointer[Snapshot] // read by every request without locking
	reloadMu sync.Mutex               // one reload at a time (viper's watcher and our watchdog may both call)
	onChange func(old, new *Config)   // lets main apply settings such as the log level
}

func newStore(onChange func(old, new *Config)) *Store {
	// Viper talks through slog too; keep its chatter (it logs every file read at INFO) to warnings.
	quiet := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{Level: slog.LevelWarn}))
	v := viper.NewWithOptions(viper.WithLogger(quiet.With("component", "viper")))

	// Layer 1: defaults in code. They also tell viper which keys exist, which AutomaticEnv needs:
	// Unmarshal only looks up environment variables for keys viper already knows about.
	v.SetDefault("server.port", 8080)
	v.SetDefault("server.read_timeout", "5s")
	v.SetDefault("database.host", "localhost")
	v.SetDefault("database.port", 5432)
	v.SetDefault("database.name", "app")
	v.SetDefault("database.user", "app")
	v.SetDefault("database.password", "")
	v.SetDefault("database.max_open_conns", 10)
	v.SetDefault("features.greeting", "hello")
	v.SetDefault("features.new_checkout", false)
	v.SetDefault("features.max_items_per_order", 5)
	v.SetDefault("log.level", "info")

	// Layer 2: config.yaml in the working directory (the service runs from its own folder).
	v.SetConfigName("config")
	v.SetConfigType("yaml")
	v.AddConfigPath(".")

	// Layer 3: environment variables win over the file: APP_DATABASE_HOST for database.host.
	v.SetEnvPrefix(envPrefix)
	v.SetEnvKeyReplacer(envKeys)
	v.AutomaticEnv()

	return &Store{v: v, onChange: onChange}
}

// Current is what handlers call: a lock-free read of the latest good configuration.
func (s *Store) Current() *Snapshot { return s.current.Load() }

// Load reads the file for the first time. A broken file at start is fatal; later it is not.
func (s *Store) Load() error {
	if err := s.v.ReadInConfig(); err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	snap, err := s.build(1)
	if err != nil {
		return err
	}
	s.current.Store(snap)
	slog.Info("configuration loaded", "file", s.v.ConfigFileUsed(), "env_overrides", snap.FromEnv)
	return nil
}

// build turns viper's current state into a validated Snapshot.
func (s *Store) build(version int) (*Snapshot, error) {
	var cfg Config
	if err := s.v.Unmarshal(&cfg); err != nil {
		return nil, fmt.Errorf("decode config: %w", err)
	}
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("invalid config: %w", err)
	}
	snap := &Snapshot{Config: &cfg, Flat: map[string]any{}, File: map[string]any{}, Version: version, LoadedAt: time.Now()}
	// A second viper with only the file layer (no defaults, no environment) shows what the file says.
	fileOnly := viper.New()
	fileOnly.SetConfigFile(s.v.ConfigFileUsed())
	if err := fileOnly.ReadInConfig(); err == nil {
		for _, key := range fileOnly.AllKeys() {
			snap.File[key] = fileOnly.Get(key)
		}
	}
	for _, key := range s.v.AllKeys() {
		snap.Flat[key] = s.v.Get(key)
		// AutomaticEnv ignores empty variables (unless AllowEmptyEnv), so we do too.
		if os.Getenv(envName(key)) != "" {
			snap.FromEnv = append(snap.FromEnv, key)
		}
	}
	slices.Sort(snap.FromEnv)
	return snap, nil
}

func envName(key string) string { return envPrefix + "_" + strings.ToUpper(envKeys.Replace(key)) }

// reload re-reads the file and swaps in the new Snapshot if it is valid. A bad edit is logged and
// ignored: the service keeps running on the last good configuration.
func (s *Store) reload(reason string) {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()

	file := s.v.ConfigFileUsed()
	// Writers often truncate first and write next; the first event then sees an empty file.
	if info, err := os.Stat(file); err == nil && info.Size() == 0 {
		slog.Info("config file is empty (probably still being written); keeping the current config")
		return
	}
	// Read again ourselves: viper already did, but it swallows the error, and we want to show it.
	if err := s.v.ReadInConfig(); err != nil {
		slog.Error("config file has an error; keeping the current config", "err", err)
		return
	}
	old := s.Current()
	next, err := s.build(old.Version + 1)
	if err != nil {
		slog.Error("config rejected; keeping the current config", "err", err)
		return
	}
	changes, shadowed := diff(old, next)
	s.current.Store(next)
	for _, note := range shadowed {
		slog.Warn("  edited in the file but hidden by the environment: " + note)
	}
	if len(changes) == 0 {
		slog.Info("config file re-read: no effective value changed", "reason", reason, "version", next.Version)
		return
	}
	slog.Info("configuration reloaded", "reason", reason, "version", next.Version, "changes", len(changes))
	for _, c := range changes {
		slog.Info("  changed " + c)
	}
	if s.onChange != nil {
		s.onChange(old.Config, next.Config)
	}
}

// diff lists "key: old -> new" for every effective value that changed, and separately every key that
// changed in the file while an environment variable keeps overriding it. Secrets are never printed.
func diff(old, next *Snapshot) (changes, shadowed []string) {
	for _, k := range unionKeys(old.Flat, next.Flat) {
		if before, after := old.Flat[k], next.Flat[k]; !reflect.DeepEqual(before, after) {
			changes = append(changes, describe(k, before, after))
		}
	}
	for _, k := range next.FromEnv {
		if before, after := old.File[k], next.File[k]; !reflect.DeepEqual(before, after) {
			shadowed = append(shadowed, describe(k, before, after)+", but "+envName(k)+" still wins")
		}
	}
	return changes, shadowed
}

func describe(key string, before, after any) string {
	if isSecret(key) {
		return key + ": (secret, value hidden)"
	}
	return fmt.Sprintf("%s: %v -> %v", key, before, after)
}

func unionKeys(a, b map[string]any) []string {
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

func isSecret(key string) bool {
	k := strings.ToLower(key)
	return strings.Contains(k, "password") || strings.Contains(k, "secret") || strings.Contains(k, "token")
}

// Watch turns on hot reload. viper's WatchConfig watches the file's directory (not the file), so an
// in-place write and an atomic rename-over both arrive; OnConfigChange runs after viper re-read it.
func (s *Store) Watch(ctx context.Context) error {
	s.v.OnConfigChange(func(e fsnotify.Event) {
		s.reload(fmt.Sprintf("%s %s", e.Op, filepath.Base(e.Name)))
	})
	s.v.WatchConfig()
	return s.watchForRecreate(ctx)
}

// watchForRecreate covers the one case viper does not: when the file is deleted, viper's watcher
// stops for good. tar, `kubectl cp` and some editors replace a file by deleting it and writing a new
// one, so we wait for the file to come back, reload it, and start viper's watcher again.
func (s *Store) watchForRecreate(ctx context.Context) error {
	file, err := filepath.Abs(s.v.ConfigFileUsed())
	if err != nil {
		return err
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	if err := w.Add(filepath.Dir(file)); err != nil {
		w.Close()
		return err
	}
	go func() {
		defer w.Close()
		removed := false
		var settled <-chan time.Time // fires once the new file has been quiet for a moment
		for {
			select {
			case <-ctx.Done():
				return
			case e, ok := <-w.Events:
				if !ok {
					return
				}
				if filepath.Clean(e.Name) != file {
					continue
				}
				if e.Has(fsnotify.Remove) {
					removed = true
					slog.Warn("config file was deleted; viper stopped watching it, waiting for a new one")
				} else if removed && e.Has(fsnotify.Create|fsnotify.Write) {
					settled = time.After(200 * time.Millisecond)
				}
			case <-settled:
				settled, removed = nil, false
				s.reload("config file re-created")
				s.v.WatchConfig()
			case err, ok := <-w.Errors:
				if !ok {
					return
				}
				slog.Error("file watcher error", "err", err)
			}
		}
	}()
	return nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("log.level %q is not one of debug, info, warn, error", s)
	}
	return l, nil
}
