# Shared by hack/bench/storm.sh and hack/bench/scale.sh. Source it after setting PORT,
# METRICS_PORT, dir (the cluster's directory) and tools (where the tools are built); it checks
# the ports, builds what the run needs and stops the engine and the cluster on exit.

step() { printf '\n==> %s\n' "$*" >&2; }

for p in "$PORT" "$METRICS_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$(basename "$0"): port $p is in use; set PORT/METRICS_PORT" >&2; exit 1; fi
done
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)" >&2

hack/build-cluster-binaries.sh >/dev/null
make --no-print-directory build >/dev/null
mkdir -p "$tools"
go build -o "$tools/storm" ./hack/bench/storm
go build -o "$tools/apply" ./hack/apply

engine_pid=""
stop_engine() {
  if [[ -n "$engine_pid" ]]; then kill -TERM "$engine_pid" 2>/dev/null && wait "$engine_pid" 2>/dev/null; fi
  engine_pid=""
}
cleanup() {
  set +e
  stop_engine
  go run ./hack/localcluster down --dir "$dir" >&2
  rm -rf "$tools"
}
trap cleanup EXIT
