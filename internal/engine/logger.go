package engine

import (
	"io"
	stdlog "log"
	"strings"

	"github.com/go-logr/logr"
	"go.uber.org/zap/zapcore"
	ctrlzap "sigs.k8s.io/controller-runtime/pkg/log/zap"
)

// NewLogger returns the engine's one logger: JSON lines through zap, as controller-runtime uses
// it, at level (debug, info, warn or error).
func NewLogger(level string, out io.Writer) logr.Logger {
	lvl := map[string]zapcore.Level{"debug": zapcore.DebugLevel, "info": zapcore.InfoLevel,
		"warn": zapcore.WarnLevel, "error": zapcore.ErrorLevel}[level]
	return ctrlzap.New(ctrlzap.WriteTo(out), ctrlzap.Level(lvl), ctrlzap.UseDevMode(false),
		ctrlzap.JSONEncoder(func(c *zapcore.EncoderConfig) { c.EncodeTime = zapcore.RFC3339NanoTimeEncoder }))
}

// newStdLogger adapts the logger for net/http's ErrorLog (TLS handshake errors and the like).
func newStdLogger(log logr.Logger) *stdlog.Logger {
	return stdlog.New(logWriter{log.WithName("http-server")}, "", 0)
}

type logWriter struct{ log logr.Logger }

func (w logWriter) Write(p []byte) (int, error) {
	w.log.Info("HTTP server error", "detail", strings.TrimSpace(string(p)))
	return len(p), nil
}
