#!/usr/bin/env bash
# make run: build what is missing, start the local cluster, deploy the sample workloads, run the
# engine against it in the foreground and say what to try. Ctrl-C stops the engine and the
# cluster (KEEP_CLUSTER=1 keeps the cluster running).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PORT="${PORT:-8080}"
METRICS_PORT="${METRICS_PORT:-9090}"
dir=.local/cluster
step() { printf '\n==> %s\n' "$*" >&2; }

for p in "$PORT" "$METRICS_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
    echo "port $p is already in use; run with PORT=... METRICS_PORT=... make run" >&2
    exit 1
  fi
done

step "Building the local control plane (first time: ~8 minutes on 2 cores; then seconds)"
hack/build-cluster-binaries.sh >/dev/null
step "Building the engine"
make --no-print-directory build

step "Starting the local cluster (etcd, kube-apiserver, controller-manager, scheduler, kwok)"
go run ./hack/localcluster up --dir "$dir" --nodes 3
export KUBECONFIG="$PWD/$dir/kubeconfig"

engine_pid=""
cleanup() {
  if [[ -n "$engine_pid" ]] && kill -0 "$engine_pid" 2>/dev/null; then
    kill -TERM "$engine_pid" 2>/dev/null || true
    wait "$engine_pid" 2>/dev/null || true
  fi
  if [[ "${KEEP_CLUSTER:-}" == 1 ]]; then
    echo "The cluster keeps running: export KUBECONFIG=$KUBECONFIG; stop it with make cluster-down" >&2
  else
    step "Stopping the local cluster"
    go run ./hack/localcluster down --dir "$dir" || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "Installing the engine's CRDs and deploying the sample workloads (namespace demo)"
go run ./hack/apply -f config/crd/bases
go run ./hack/apply -f hack/samples

step "Starting the engine on :$PORT (metrics on :$METRICS_PORT)"
NAMESPACE="${NAMESPACE:-self-healing-platform}" PORT="$PORT" METRICS_PORT="$METRICS_PORT" \
  bin/coordination-engine 2> >(tee .local/engine.log >&2) &
engine_pid=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
  kill -0 "$engine_pid" 2>/dev/null || { echo "the engine exited; see .local/engine.log" >&2; exit 1; }
  sleep 0.2
done

cat >&2 <<HINTS

The engine runs against the local cluster (its log: .local/engine.log). Try:

  curl -s localhost:$PORT/health
  curl -s localhost:$PORT/readyz
  curl -s localhost:$PORT/api/v1/health
  curl -s localhost:$PORT/api/v1/status
  curl -s localhost:$METRICS_PORT/metrics | grep ^coordination_engine_

  # open an incident, then ask for a remediation (recorded as a RemediationWorkflow)
  curl -s -XPOST localhost:$PORT/api/v1/incidents -d '{"title":"Payments crash loop","description":"payments pods restart every 10 s","severity":"high","target":"deployment/payments"}'
  curl -s -XPOST localhost:$PORT/api/v1/remediation/trigger -d '{"namespace":"demo","resource":{"kind":"Deployment","name":"payments"},"issue":{"type":"CrashLoopBackOff"}}'
  curl -s localhost:$PORT/api/v1/incidents
  curl -s localhost:$PORT/api/v1/workflows

  export KUBECONFIG=$KUBECONFIG
  kubectl get nodes,pods -A                                          # if kubectl is installed
  kubectl -n self-healing-platform get incidents,remediationworkflows

Ctrl-C stops the engine and the cluster.
HINTS
wait "$engine_pid"
