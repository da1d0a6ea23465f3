package engine

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"selfhealing.dev/coordination-engine/internal/apiauth"
	"selfhealing.dev/coordination-engine/internal/config"
	"selfhealing.dev/coordination-engine/internal/health"
	"selfhealing.dev/coordination-engine/internal/httpapi"
	"selfhealing.dev/coordination-engine/internal/permissions"
	"selfhealing.dev/coordination-engine/internal/platform"
	"selfhealing.dev/coordination-engine/internal/remediation"
	"selfhealing.dev/coordination-engine/internal/telemetry"
)

// leaderElectionID names the Lease the replicas compete for.
const leaderElectionID = "coordination-engine.selfhealing.dev"

// Params are what Run needs besides the configuration.
type Params struct {
	// Version is the engine's version, reported by health endpoints and metrics.
	Version string
	// Log is the engine's logger (NewLogger makes the standard one). Run never sets the
	// process-global loggers of klog and controller-runtime; main does, once.
	Log logr.Logger
	// Ready, when set, is called with the API and metrics addresses once both listen.
	Ready func(apiAddr, metricsAddr string)
}

// Run starts the engine and blocks until ctx is cancelled (SIGTERM, SIGINT) or a component fails.
// On cancellation it drains in-flight requests within cfg.ShutdownTimeout and returns nil.
// Configuration problems are *config.InvalidError or wrap config.ErrNoCluster.
func Run(ctx context.Context, cfg config.Options, p Params) error {
	started := time.Now()
	log := p.Log

	// Listen before anything else so /health answers while the rest is built.
	l, err := listen(cfg, p.Version, started, log)
	if err != nil {
		return err
	}
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	l.serve(&wg, cancel)
	if p.Ready != nil {
		p.Ready(l.apiAddr(), l.metricsAddr())
	}

	if err := build(runCtx, &wg, cfg, p, started, log, l, cancel); err != nil {
		cancel(err)
	}
	<-runCtx.Done()
	cause := context.Cause(runCtx)
	if errors.Is(cause, context.Canceled) && ctx.Err() != nil {
		cause = nil
	}
	l.shutdown(ctx, cfg.ShutdownTimeout, log, cause)
	cancel(nil)
	wg.Wait()
	if cause == nil {
		log.Info("Stopped")
	}
	return cause
}

// build creates the clients, metrics, API and background components, swaps the API in behind
// the listeners and starts the components in wg.
func build(ctx context.Context, wg *sync.WaitGroup, cfg config.Options, p Params, started time.Time,
	log logr.Logger, l *listeners, fail context.CancelCauseFunc) error {
	restCfg, inCluster, err := clusterConfig(cfg.Kubeconfig)
	if err != nil {
		return err
	}
	restCfg = rest.CopyConfig(restCfg)
	restCfg.UserAgent = "coordination-engine/" + p.Version
	restCfg.QPS, restCfg.Burst = float32(cfg.KubeAPIQPS), cfg.KubeAPIBurst

	// The engine's own families live in reg; controller-runtime's registry (client, workqueue,
	// leader election, Go and process collectors) is gathered beside it.
	reg := prometheus.NewRegistry()
	tm := telemetry.New(reg, p.Version)
	c, err := newComponents(cfg, restCfg, log, tm)
	if err != nil {
		return err
	}
	mgr, err := newManager(cfg, restCfg, inCluster, log)
	if err != nil {
		return err
	}
	rec := newRecords(cfg, mgr, log)
	resolver, err := newResolver(mgr, cfg.ArgoCDNamespace, log.WithName("managedby"))
	if err != nil {
		return err
	}
	rem, err := newRemediator(cfg, mgr, c.clientset, tm, rec, resolver, log)
	if err != nil {
		return err
	}
	rec.requests = remediation.NewRequests(rec.incidents, rec.workflows, rem.executor)
	coord, err := newCoordination(mgr, rec, resolver, log)
	if err != nil {
		return err
	}
	in, autoPolicy, err := newIntake(cfg, mgr, c.clientset, rec, log)
	if err != nil {
		return err
	}
	if err := addWatcher(cfg, mgr, c.clientset, in, tm, log); err != nil {
		return err
	}
	st := newState(started, c, rec, inCluster, !electLeader(cfg, inCluster))
	st.rem, st.autoPolicy = rem, autoPolicy
	models, ml := newModels(cfg), newMLService(cfg)
	if err := registerModelMetrics(reg, models, ml); err != nil {
		return err
	}
	if err := telemetry.RegisterWorkflowPhases(reg, rec.workflowPhaseCounts); err != nil {
		return err
	}
	analysis, err := newAnomalyAnalysis(cfg, models, ml, mgr.GetAPIReader(), in, tm)
	if err != nil {
		return err
	}
	auth, err := newAuthorizer(cfg, c.clientset)
	if err != nil {
		return err
	}
	api := httpapi.New(httpapi.Options{Version: p.Version, MaxBodyBytes: cfg.MaxRequestBodyBytes, KServeNamespace: cfg.KServeNamespace},
		httpapi.Deps{Health: st, Status: st, Incidents: rec.incidents, Workflows: rec.workflows, Remediations: rec.requests,
			Coordinations: coord, Detector: resolver, Approvals: rec.workflows, Alerts: alertIntake{intake: in, metrics: tm}, Models: models,
			MLService: breakerOf(ml), Anomalies: analysis, Auth: auth,
			Gatherer: prometheus.Gatherers{reg, ctrlmetrics.Registry}, Registerer: reg},
		log.WithName("http"))
	l.api.set(api.Handler())
	l.metrics.set(api.MetricsHandler())
	l.state = st
	log.Info("Serving", "apiAddr", l.apiAddr(), "metricsAddr", l.metricsAddr(), "version", p.Version,
		"namespace", cfg.Namespace, "host", restCfg.Host, "startupMs", time.Since(started).Milliseconds())

	if err := rec.start(ctx, wg, mgr, log); err != nil {
		return err
	}
	if err := rem.start(mgr, rec); err != nil {
		return err
	}
	c.start(ctx, wg, cfg, mgr, st, fail)
	return nil
}

func newHTTPServer(h http.Handler, log logr.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          newStdLogger(log),
	}
}

// electLeader says whether this replica takes part in leader election.
func electLeader(cfg config.Options, inCluster bool) bool {
	return cfg.LeaderElection == config.LeaderElectionOn || (cfg.LeaderElection == config.LeaderElectionAuto && inCluster)
}

func newManager(cfg config.Options, restCfg *rest.Config, inCluster bool, log logr.Logger) (manager.Manager, error) {
	elect := electLeader(cfg, inCluster)
	scheme, err := newScheme()
	if err != nil {
		return nil, err
	}
	mgr, err := ctrl.NewManager(restCfg, manager.Options{
		Scheme:         scheme,
		MapperProvider: newMapper,
		Cache:          cacheOptions(cfg.Namespace),
		Logger:         log,
		// Runnables' contexts carry the engine's logger, so informers started from them log
		// through it rather than through the process-global loggers.
		BaseContext:                   func() context.Context { return logr.NewContext(context.Background(), log) },
		Metrics:                       metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress:        "0",
		LeaderElection:                elect,
		LeaderElectionID:              leaderElectionID,
		LeaderElectionNamespace:       cfg.Namespace,
		LeaderElectionReleaseOnCancel: true,
	})
	if err != nil {
		return nil, fmt.Errorf("create controller manager: %w", err)
	}
	return mgr, nil
}

// components are the long-running parts besides the HTTP servers.
type components struct {
	log         logr.Logger
	clientset   kubernetes.Interface
	telemetry   *telemetry.Metrics
	monitor     *health.Monitor
	discoverer  *platform.Discoverer
	permissions *permissions.Checker
	// needed is what the RBAC self-check asks for: the features this configuration uses.
	needed []permissions.Requirement
}

func newComponents(cfg config.Options, restCfg *rest.Config, log logr.Logger, tm *telemetry.Metrics) (*components, error) {
	cs, err := kubernetes.NewForConfig(restCfg)
	if err != nil {
		return nil, fmt.Errorf("kubernetes client: %w", err)
	}
	dyn, err := dynamic.NewForConfig(restCfg)
	if err != nil {
		return nil, fmt.Errorf("dynamic client: %w", err)
	}
	c := &components{
		log:         log,
		clientset:   cs,
		telemetry:   tm,
		monitor:     health.NewMonitor(5*time.Second, 3*time.Second),
		discoverer:  platform.NewDiscoverer(cs.Discovery(), dyn, log.WithName("platform")),
		permissions: permissions.NewChecker(cs.AuthorizationV1().SelfSubjectAccessReviews(), cfg.Namespace),
		needed:      permissions.Requirements(),
	}
	if cfg.APIAuthMode != string(apiauth.ModeKubernetes) {
		c.needed = permissions.WithoutFeature(c.needed, permissions.FeatureAPIAuth)
	}
	registerDependencyChecks(c.monitor, cfg, cs.Discovery().RESTClient(), c.discoverer)
	return c, nil
}

// start runs the manager, discovery, the permission self-check and the health loop in wg.
func (c *components) start(ctx context.Context, wg *sync.WaitGroup, cfg config.Options, mgr manager.Manager,
	st *state, fail context.CancelCauseFunc) {
	wg.Go(func() {
		if err := mgr.Start(ctx); err != nil {
			fail(fmt.Errorf("controller manager: %w", err))
		}
	})
	wg.Go(func() {
		select {
		case <-mgr.Elected():
			st.setLeader()
			if electLeader(cfg, st.inCluster) {
				c.log.Info("Became leader", "lease", cfg.Namespace+"/"+leaderElectionID)
			}
		case <-ctx.Done():
		}
	})
	wg.Go(func() {
		if mgr.GetCache().WaitForCacheSync(ctx) {
			st.setSynced()
		}
	})
	wg.Go(func() {
		repeat(ctx, cfg.PlatformRefreshInterval, c.log.WithName("platform"), func(ctx context.Context) error {
			_, err := c.discoverer.Discover(ctx)
			return err
		})
	})
	wg.Go(func() { repeat(ctx, cfg.PlatformRefreshInterval, c.log.WithName("permissions"), c.checkPermissions) })
	wg.Go(func() { c.runHealthLoop(ctx, 10*time.Second) })
}
