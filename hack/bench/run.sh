#!/usr/bin/env bash
# The engine's benchmarks on a local cluster it starts itself (figures go to docs/benchmarks.md):
#   1. idle RSS of the engine connected to a cluster with 1,000 pods on fake nodes;
#   2. process start to first /health 200, median of 20 runs;
#   3. POST /api/v1/incidents: 10,000 durable creates, throughput and latency;
#   4. GET /api/v1/incidents?limit=100 with 10,000 incidents stored, throughput and latency;
#   5. RSS with 10,000 incidents.
# Everything listens on 127.0.0.1; every load is bounded in count and time. Run it on an idle
# machine: `make bench`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

NODES="${NODES:-12}"
PODS="${PODS:-1000}"
INCIDENTS="${INCIDENTS:-10000}"
LISTS="${LISTS:-20000}"
CONCURRENCY="${CONCURRENCY:-32}"
PORT="${PORT:-18480}"
METRICS_PORT="${METRICS_PORT:-19490}"
dir=.local/bench
step() { printf '\n==> %s\n' "$*" >&2; }
rss() { awk '/VmRSS/ {printf "%.1f MiB", $2/1024}' "/proc/$1/status"; }

hack/build-cluster-binaries.sh >/dev/null
make --no-print-directory build >/dev/null
step "Starting a local cluster with $NODES fake nodes"
go run ./hack/localcluster up --dir "$dir" --nodes "$NODES" >&2
export KUBECONFIG="$PWD/$dir/kubeconfig"
engine_pid=""
cleanup() {
  [[ -n "$engine_pid" ]] && kill -TERM "$engine_pid" 2>/dev/null && wait "$engine_pid" 2>/dev/null || true
  go run ./hack/localcluster down --dir "$dir" >&2 || true
}
trap cleanup EXIT

step "Installing the CRDs and $PODS pods"
go run ./hack/apply -f config/crd/bases >/dev/null
go run ./hack/apply -f hack/samples/00-engine-namespace.yaml >/dev/null
sed "s/replicas: 1000/replicas: $PODS/" hack/bench/pods-1000.yaml > "$dir/pods.yaml"
go run ./hack/apply -f "$dir/pods.yaml" >/dev/null
go run ./hack/bench/waitpods --namespace bench --count "$PODS"

step "Start-up: process start to first /health 200 (20 runs)"
go run ./hack/bench/startup --binary bin/coordination-engine --kubeconfig "$KUBECONFIG" --runs 20

step "Starting the engine"
BIND_ADDRESS=127.0.0.1 PORT=$PORT METRICS_PORT=$METRICS_PORT LOG_LEVEL=warn KUBE_API_QPS="${KUBE_API_QPS:-}" KUBE_API_BURST="${KUBE_API_BURST:-}" bin/coordination-engine 2>"$dir/engine.log" &
engine_pid=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
sleep 20
echo "idle RSS with $PODS pods in the cluster: $(rss "$engine_pid")"

step "POST /api/v1/incidents x $INCIDENTS (concurrency $CONCURRENCY)"
go run ./hack/bench/load -url "http://127.0.0.1:$PORT/api/v1/incidents" -method POST -concurrency "$CONCURRENCY" \
  -requests "$INCIDENTS" -max-duration 5m \
  -body '{"title":"Benchmark incident {n}","description":"created by hack/bench/run.sh","severity":"low","labels":{"bench":"yes"}}'
sleep 5
step "GET /api/v1/incidents?limit=100 x $LISTS with $INCIDENTS stored (concurrency $CONCURRENCY)"
go run ./hack/bench/load -url "http://127.0.0.1:$PORT/api/v1/incidents?limit=100" -concurrency "$CONCURRENCY" \
  -requests "$LISTS" -max-duration 5m
step "GET /api/v1/incidents?limit=100 x $LISTS with $INCIDENTS stored (concurrency 8)"
go run ./hack/bench/load -url "http://127.0.0.1:$PORT/api/v1/incidents?limit=100" -concurrency 8 \
  -requests "$LISTS" -max-duration 5m
echo "RSS with $INCIDENTS incidents: $(rss "$engine_pid")"
curl -fsS "http://127.0.0.1:$METRICS_PORT/metrics" | grep -E '^go_memstats_heap_inuse_bytes|^process_cpu_seconds_total' || true
