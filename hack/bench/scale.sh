#!/usr/bin/env bash
# The scale benchmark (figures go to docs/benchmarks.md): the engine's memory and CPU while it
# watches a cluster of $NODES fake nodes and $DEPLOYMENTS x $REPLICAS Running pods (default
# 1,000 nodes and 100 x 100 = 10,000 pods in 10 namespaces scale-0..9), with nothing happening.
# Setup waits until every pod is Running, not Ready: on a busy machine kwok's heartbeats for 1,000
# nodes can fall behind, the node controller then marks those nodes' pods not ready, and kwok's
# stages never make them Ready again (setup prints how many are Ready).
# For each of WATCH_ENABLED=true and false, an engine is started afresh and hack/bench/storm idle
# measures: process start to /readyz; with the watchers on, start to their caches synced (the
# coordination_engine_watched_objects{kind="Pod"} gauge reaching the pod count); then, after
# $SETTLE, RSS and CPU sampled over $DURATION from /proc.
#
# Everything listens on 127.0.0.1 (the engine binds its ports on every interface: it has no bind
# address setting) and every load is bounded in count and time. Run it on a quiet machine:
# `make bench-scale`. The cluster, the engines and the directory are removed at the end.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

NODES="${NODES:-1000}"
NAMESPACES="${NAMESPACES:-10}"
DEPLOYMENTS="${DEPLOYMENTS:-100}"
REPLICAS="${REPLICAS:-100}"
SETTLE="${SETTLE:-10s}"
DURATION="${DURATION:-60s}"
SETUP_TIMEOUT="${SETUP_TIMEOUT:-45m}"
PORT="${PORT:-18680}"
METRICS_PORT="${METRICS_PORT:-19690}"
ENGINE_NS=self-healing-platform              # hack/samples/00-engine-namespace.yaml
dir=.local/bench-scale
tools=.local/bench-scale-tools
pods=$((DEPLOYMENTS * REPLICAS))
# shellcheck source=hack/bench/lib.sh
source hack/bench/lib.sh

step "Starting a local cluster with $NODES fake nodes"
start=$(date +%s)
go run ./hack/localcluster up --dir "$dir" --nodes "$NODES" --timeout 15m >&2
echo "cluster up with $NODES Ready nodes in $(($(date +%s) - start)) s" >&2
export KUBECONFIG="$PWD/$dir/kubeconfig"
"$tools/apply" -f config/crd/bases >/dev/null
"$tools/apply" -f hack/samples/00-engine-namespace.yaml >/dev/null

step "Creating $DEPLOYMENTS Deployments x $REPLICAS replicas ($pods pods) in $NAMESPACES namespaces scale-*"
"$tools/storm" setup --kubeconfig "$KUBECONFIG" --prefix scale- --namespaces "$NAMESPACES" \
  --deployments "$DEPLOYMENTS" --replicas "$REPLICAS" --concurrency 4 --timeout "$SETUP_TIMEOUT" --need-ready=false
go run ./hack/localcluster status --dir "$dir" >&2 || true

for watch in true false; do
  step "Engine with WATCH_ENABLED=$watch"
  sleep 10 # let the cluster quieten after the previous step
  # A clean environment: only what is set here reaches the engine; everything else is its default.
  env -i PATH="$PATH" HOME="$HOME" KUBECONFIG="$KUBECONFIG" NAMESPACE="$ENGINE_NS" BIND_ADDRESS=127.0.0.1 PORT="$PORT" \
    METRICS_PORT="$METRICS_PORT" WATCH_ENABLED="$watch" bin/coordination-engine 2>"$dir/engine-watch-$watch.log" &
  engine_pid=$!
  want=0
  [[ "$watch" == true ]] && want=$pods
  "$tools/storm" idle --engine-url "http://127.0.0.1:$PORT" --engine-pid "$engine_pid" --pods "$want" \
    --settle "$SETTLE" --duration "$DURATION" --timeout 10m --label "WATCH_ENABLED=$watch, $NODES nodes, $pods pods"
  echo "engine log: $(grep -c '"level":"error"' "$dir/engine-watch-$watch.log" || true) error lines" >&2
  stop_engine
done
step "Cluster processes at the end"
go run ./hack/localcluster status --dir "$dir" >&2 || true
