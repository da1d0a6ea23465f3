// Command coordination-engine runs the self-healing platform's coordination engine. It only
// wires: configuration from the environment and flags, a context cancelled by SIGTERM or SIGINT,
// engine.Run, and one exit code (0 stopped cleanly, 1 failed, 2 bad configuration).
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"

	"selfhealing.dev/coordination-engine/internal/config"
	"selfhealing.dev/coordination-engine/internal/engine"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(run())
}

func run() int {
	opts, err := config.Load(os.Args[1:], os.Environ())
	if errors.Is(err, config.ErrHelp) {
		config.Usage(os.Stdout)
		return 0
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "coordination-engine: %v\n", err)
		return 2
	}
	log := engine.NewLogger(opts.LogLevel, os.Stderr)
	// The process-global loggers of controller-runtime and client-go, set once here.
	ctrl.SetLogger(log)
	klog.SetLogger(log.WithName("client-go"))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	err = engine.Run(ctx, opts, engine.Params{Version: version, Log: log})
	var invalid *config.InvalidError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &invalid), errors.Is(err, config.ErrNoCluster):
		fmt.Fprintf(os.Stderr, "coordination-engine: %v\n", err)
		return 2
	default:
		fmt.Fprintf(os.Stderr, "coordination-engine: %v\n", err)
		return 1
	}
}
