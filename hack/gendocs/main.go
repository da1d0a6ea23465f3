// Command gendocs writes docs/configuration.md from the configuration table in internal/config.
package main

import (
	"os"

	"selfhealing.dev/coordination-engine/internal/config"
)

func main() { config.Reference(os.Stdout) }
