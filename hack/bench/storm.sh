#!/usr/bin/env bash
# The storm benchmark (figures go to docs/benchmarks.md): a local cluster with $NODES fake nodes and
# $DEPLOYMENTS Deployments x $REPLICAS replicas spread over $NAMESPACES namespaces storm-0.., all
# Running; the engine (bin/coordination-engine) with its watchers on, the default safety policy
# (clusterBudget 20/h, namespaceBudget 5/h) and the default auto-remediation policy; then every pod
# is labelled kwok.selfhealing.dev/fault=crashloop at once and hack/bench/storm measures, from the
# engine's REST API and /proc only: incidents (exactly one per Deployment), actions against the
# budgets, detection and first-action latency, time until every incident has a finished workflow,
# engine CPU and RSS. It exits non-zero when a check fails.
#
# Everything listens on 127.0.0.1 (the engine binds its ports on every interface: it has no bind
# address setting) and every load is bounded in count and time. Run it on a quiet machine:
# `make bench-storm`. The cluster, the engine and the directory are removed at the end.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

NODES="${NODES:-12}"
NAMESPACES="${NAMESPACES:-10}"
DEPLOYMENTS="${DEPLOYMENTS:-100}"
REPLICAS="${REPLICAS:-10}"
DEADLINE="${DEADLINE:-10m}"
RESTART_INTERVAL="${RESTART_INTERVAL:-}"   # empty: kwok's 3s between crashes
PORT="${PORT:-18580}"
METRICS_PORT="${METRICS_PORT:-19590}"
ENGINE_NS=self-healing-platform              # hack/samples/00-engine-namespace.yaml
dir=.local/bench-storm
tools=.local/bench-storm-tools
# shellcheck source=hack/bench/lib.sh
source hack/bench/lib.sh

step "Starting a local cluster with $NODES fake nodes"
go run ./hack/localcluster up --dir "$dir" --nodes "$NODES" >&2
export KUBECONFIG="$PWD/$dir/kubeconfig"
"$tools/apply" -f config/crd/bases >/dev/null
"$tools/apply" -f hack/samples/00-engine-namespace.yaml >/dev/null

step "Creating $DEPLOYMENTS Deployments x $REPLICAS replicas in $NAMESPACES namespaces storm-*"
"$tools/storm" setup --kubeconfig "$KUBECONFIG" --prefix storm- --namespaces "$NAMESPACES" \
  --deployments "$DEPLOYMENTS" --replicas "$REPLICAS" --timeout 10m

step "Starting the engine (watchers on, default safety and auto-remediation policies)"
# A clean environment: only what is set here reaches the engine; everything else is its default.
env -i PATH="$PATH" HOME="$HOME" KUBECONFIG="$KUBECONFIG" NAMESPACE="$ENGINE_NS" BIND_ADDRESS=127.0.0.1 PORT="$PORT" \
  METRICS_PORT="$METRICS_PORT" WATCH_ENABLED=true bin/coordination-engine 2>"$dir/engine.log" &
engine_pid=$!
for _ in $(seq 1 300); do curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null

step "The storm: every pod crash-loops from T0"
rc=0
"$tools/storm" run --kubeconfig "$KUBECONFIG" --engine-url "http://127.0.0.1:$PORT" --engine-pid "$engine_pid" \
  --engine-namespace "$ENGINE_NS" --prefix storm- --namespaces "$NAMESPACES" --deployments "$DEPLOYMENTS" \
  --replicas "$REPLICAS" --deadline "$DEADLINE" --settle 10s --linger 30s ${RESTART_INTERVAL:+--restart-interval "$RESTART_INTERVAL"} || rc=$?

step "Engine log: $(grep -c '"level":"error"' "$dir/engine.log" || true) error lines; most frequent messages:"
grep -o '"msg":"[^"]*"' "$dir/engine.log" | sort | uniq -c | sort -rn | head -12 >&2 || true
step "Cluster processes at the end"
go run ./hack/localcluster status --dir "$dir" >&2 || true
exit "$rc"
