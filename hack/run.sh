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

step "Starting the engine on :$PORT (metrics on :$METRICS_PORT; its log: .local/engine.log)"
# A short verification window keeps the demo brisk; the default is 30s.
NAMESPACE="${NAMESPACE:-self-healing-platform}" BIND_ADDRESS="${BIND_ADDRESS:-127.0.0.1}" PORT="$PORT" METRICS_PORT="$METRICS_PORT" \
  VERIFY_WINDOW="${VERIFY_WINDOW:-10s}" bin/coordination-engine 2>.local/engine.log &
engine_pid=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
  kill -0 "$engine_pid" 2>/dev/null || { echo "the engine exited; see .local/engine.log" >&2; exit 1; }
  sleep 0.2
done

step "Rolling out a bad revision of payments (it crash-loops); cache is OOMKilled already"
go run ./hack/apply -f hack/samples/rollout

step "Healing: the engine notices payments, cache and orders (a Helm release the demo installs) by itself and remediates them"
go run ./hack/demo --url "http://127.0.0.1:$PORT" --namespace demo || \
  echo "the demo did not finish; the engine's log is in .local/engine.log" >&2

cat >&2 <<HINTS

The engine keeps running against the local cluster (its log: .local/engine.log). Try:

  curl -s localhost:$PORT/health
  curl -s localhost:$PORT/readyz
  curl -s localhost:$PORT/api/v1/health
  curl -s localhost:$PORT/api/v1/status
  curl -s localhost:$METRICS_PORT/metrics | grep ^coordination_engine_

  # what the engine did: incidents, workflows (steps, the exact change, checkpoints)
  curl -s localhost:$PORT/api/v1/incidents
  curl -s localhost:$PORT/api/v1/workflows
  # how a workload is deployed (argocd, flux, helm, operator, manual) and why
  curl -s localhost:$PORT/api/v1/detect/deployment/demo/web
  curl -s localhost:$PORT/api/v1/detect/deployment/demo/orders      # helm: the release orders
  # a dry run: the exact change, nothing changed
  curl -s -XPOST localhost:$PORT/api/v1/remediation/trigger -d '{"namespace":"demo","resource":{"kind":"Deployment","name":"web"},"issue":{"type":"high_cpu"},"dry_run":true}'
  # scale web for real (high CPU); the safety gate's state is in /api/v1/status
  curl -s -XPOST localhost:$PORT/api/v1/remediation/trigger -d '{"namespace":"demo","resource":{"kind":"Deployment","name":"web"},"issue":{"type":"high_cpu"}}'
  curl -s localhost:$PORT/api/v1/status

  export KUBECONFIG=$KUBECONFIG
  kubectl get nodes,pods -A                                          # if kubectl is installed
  kubectl -n self-healing-platform get incidents,remediationworkflows
  kubectl -n demo get secrets -l owner=helm,name=orders              # the release's revisions

Ctrl-C stops the engine and the cluster.
HINTS
wait "$engine_pid"
