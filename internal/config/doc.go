// Package config turns the engine's environment variables and command-line flags into validated
// Options. One table (settings.go) defines every setting: its variable, flag, default and meaning;
// the same table drives parsing, --help and the generated configuration reference, so the three
// cannot drift apart.
//
// Precedence is: an explicitly set flag, then the first non-empty environment variable of the
// setting (SERVER_PORT before PORT), then the default. A malformed value is an *InvalidError that
// names the variable and the accepted values; the process exits 2 on it, never falls back silently.
package config
