package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestUnreachableAPIServerKeepsHealthAndRecovers(t *testing.T) {
	ctx := t.Context()
	proxy := newTCPProxy(t, apiServerAddr(t))
	e := startEngine(t, "KUBECONFIG="+kubeconfigVia(t, proxy), "PLATFORM_REFRESH_INTERVAL=2s")

	eventually(t, 3*time.Second, "/health answers 200 with the API server unreachable", func() error {
		var h struct{ Status string }
		if code, err := get(ctx, e.apiURL+"/health", &h); code != http.StatusOK || h.Status != "ok" {
			return fmt.Errorf("code %d status %q err %v", code, h.Status, err)
		}
		return nil
	})
	var rd struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Checks map[string]struct {
			Ready   bool   `json:"ready"`
			Message string `json:"message"`
		} `json:"checks"`
	}
	// Right after start a bootstrap handler answers; wait for the engine's own checks.
	eventually(t, 10*time.Second, "/readyz names the failing kubernetes check", func() error {
		rd.Checks = nil
		code, err := get(ctx, e.apiURL+"/readyz", &rd)
		if code != http.StatusServiceUnavailable || err != nil {
			return fmt.Errorf("code %d err %v, want 503", code, err)
		}
		if c, ok := rd.Checks["kubernetes"]; !ok || c.Ready || !strings.Contains(rd.Error, "kubernetes") {
			return fmt.Errorf("body %+v", rd)
		}
		return nil
	})
	var st statusResponse
	if _, err := get(ctx, e.apiURL+"/api/v1/status", &st); err != nil || st.Engine.State == "running" {
		t.Errorf("status while unreachable = %q %v, want not running", st.Engine.State, err)
	}
	eventually(t, 10*time.Second, "coordination_engine_status 0 while unreachable", func() error {
		if _, body, _ := getText(ctx, e.metricsURL+"/metrics"); !strings.Contains(body, "coordination_engine_status 0") {
			return fmt.Errorf("not 0 yet")
		}
		return nil
	})

	proxy.up()
	eventually(t, 20*time.Second, "/readyz recovers once the API server is back", func() error {
		if code, err := get(ctx, e.apiURL+"/readyz", nil); code != http.StatusOK {
			return fmt.Errorf("code %d err %v", code, err)
		}
		return nil
	})
	eventually(t, 20*time.Second, "the platform is discovered after reconnecting", func() error {
		st = statusResponse{}
		if _, err := get(ctx, e.apiURL+"/api/v1/status", &st); err != nil || st.Platform == nil || st.Engine.State != "running" {
			return fmt.Errorf("status %+v err %v", st, err)
		}
		return nil
	})

	proxy.down()
	eventually(t, 20*time.Second, "/readyz fails again when the API server goes away", func() error {
		if code, _ := get(ctx, e.apiURL+"/readyz", nil); code != http.StatusServiceUnavailable {
			return fmt.Errorf("code %d", code)
		}
		return nil
	})
	e.signal(syscall.SIGTERM)
	if code := e.waitExit(15 * time.Second); code != 0 {
		t.Errorf("exit code = %d, want 0", code)
	}
}
