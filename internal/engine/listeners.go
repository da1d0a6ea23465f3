package engine

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/go-logr/logr"

	"selfhealing.dev/coordination-engine/internal/config"
)

// listeners are the API and metrics servers with their sockets.
type listeners struct {
	api, metrics *swapHandler
	servers      []*http.Server
	sockets      []net.Listener
	state        *state
}

// listen opens both ports and puts the bootstrap handler behind them.
func listen(cfg config.Options, version string, started time.Time, log logr.Logger) (*listeners, error) {
	apiLn, err := net.Listen("tcp", net.JoinHostPort(cfg.BindAddress, strconv.Itoa(cfg.APIPort)))
	if err != nil {
		return nil, fmt.Errorf("listen on API port %d (PORT/SERVER_PORT): %w", cfg.APIPort, err)
	}
	metricsLn, err := net.Listen("tcp", net.JoinHostPort(cfg.BindAddress, strconv.Itoa(cfg.MetricsPort)))
	if err != nil {
		apiLn.Close()
		return nil, fmt.Errorf("listen on metrics port %d (METRICS_PORT): %w", cfg.MetricsPort, err)
	}
	boot := bootstrapHandler(version, started)
	l := &listeners{api: newSwapHandler(boot), metrics: newSwapHandler(boot), sockets: []net.Listener{apiLn, metricsLn}}
	l.servers = []*http.Server{newHTTPServer(l.api, log), newHTTPServer(l.metrics, log)}
	return l, nil
}

func (l *listeners) apiAddr() string     { return l.sockets[0].Addr().String() }
func (l *listeners) metricsAddr() string { return l.sockets[1].Addr().String() }

// serve runs both servers in wg; a server that fails cancels the engine.
func (l *listeners) serve(wg *sync.WaitGroup, fail context.CancelCauseFunc) {
	for i, srv := range l.servers {
		wg.Go(func() {
			if err := srv.Serve(l.sockets[i]); err != nil && !errors.Is(err, http.ErrServerClosed) {
				fail(fmt.Errorf("serve %s: %w", l.sockets[i].Addr(), err))
			}
		})
	}
}

// shutdown turns readiness off and drains in-flight requests within timeout, then closes what is
// left.
func (l *listeners) shutdown(ctx context.Context, timeout time.Duration, log logr.Logger, cause error) {
	if l.state != nil {
		l.state.setStopping()
	}
	reason := "signal"
	if cause != nil {
		reason = cause.Error()
	}
	log.Info("Shutting down", "reason", reason, "drainTimeout", timeout.String())
	drainCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	for _, srv := range l.servers {
		if err := srv.Shutdown(drainCtx); err != nil {
			log.Error(err, "Drain did not finish in time; closing connections")
			srv.Close()
		}
	}
}
