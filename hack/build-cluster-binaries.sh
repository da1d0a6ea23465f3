#!/usr/bin/env bash
# Builds the binaries of a local Kubernetes control plane from Go modules:
#   bin/k8s/v<K8S_VERSION>/{etcd,kube-apiserver,kube-controller-manager,kube-scheduler}
#   bin/kwok
# under the repository root. The last line on stdout is the k8s bin directory, so
#   export KUBEBUILDER_ASSETS=$(hack/build-cluster-binaries.sh | tail -1)
# works for envtest. Progress goes to stderr.
#
# kube-* come from the k8s.io/kubernetes module through a throw-away wrapper module (its
# staging modules, k8s.io/api and friends, are replaced with their published v0.Y.Z twins);
# etcd is built in the same wrapper at the go.etcd.io/etcd/server/v3 version that
# k8s.io/kubernetes itself requires, so the dependency graph stays the one Kubernetes tested.
# The wrapper module and the linked binaries live in a per-machine cache directory
# (${XDG_CACHE_HOME:-~/.cache}/coordination-engine), so a fresh clone on the same machine gets
# its binaries in seconds.
#
# Environment:
#   K8S_VERSION  Kubernetes version to build (default 1.34.4; e.g. 1.31.14, 1.37.2)
#   ONLY         "apiserver": build only etcd and kube-apiserver (enough for envtest)
#   FORCE        "1": rebuild even if the binaries are up to date
#   KWOK_VERSION kwok version (default v0.8.0)
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-1.34.4}"
K8S_VERSION="${K8S_VERSION#v}"
KWOK_VERSION="${KWOK_VERSION:-v0.8.0}"
ONLY="${ONLY:-}"
FORCE="${FORCE:-}"

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# Bump when the way binaries are built changes, so existing binaries count as out of date.
recipe=1
repo_root="$(cd "${script_dir}/.." && pwd)"
bin_dir="${repo_root}/bin/k8s/v${K8S_VERSION}"
cache_root="${XDG_CACHE_HOME:-${HOME}/.cache}/coordination-engine"
wrapper_dir="${cache_root}/k8s-wrapper-v${K8S_VERSION}"

log() { printf '%s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

command -v go >/dev/null 2>&1 || die "go is not on PATH; install Go (see go.mod for the version) and re-run."

case "${ONLY}" in
  "" | all) components=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok) ;;
  apiserver) components=(etcd kube-apiserver) ;;
  *) die "ONLY=${ONLY} is not known; use ONLY=apiserver (etcd + kube-apiserver) or leave it unset." ;;
esac

if [[ ! "${K8S_VERSION}" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  die "K8S_VERSION=${K8S_VERSION} is not of the form 1.34.4"
fi
k8s_minor="${K8S_VERSION#*.}"
k8s_minor="${k8s_minor%%.*}"
k8s_patch="${K8S_VERSION##*.}"
staging_version="v0.${k8s_minor}.${k8s_patch}"
go_version="$(go env GOVERSION)"
ldflags_common="-s -w"

# stamp_for NAME prints what a binary was built from; a binary whose stamp differs is rebuilt.
stamp_for() {
  printf '%s go=%s recipe=%s\n' "$1" "${go_version}" "${recipe}"
}

up_to_date() { # up_to_date BINARY STAMPFILE STAMP
  [[ -z "${FORCE}" && -x "$1" && -f "$2" && "$(cat "$2")" == "$3" ]]
}

# staging_twin MODULE prints the version of MODULE to use for staging_version: that version if
# the Go module proxy serves it, else the newest served lower patch of the same minor (the proxy
# here lacks a few twins, e.g. k8s.io/kube-scheduler v0.31.14; patch releases of these modules
# differ little).
staging_twin() {
  local mod="$1" v
  if (cd / && go mod download "${mod}@${staging_version}") >/dev/null 2>&1; then
    printf '%s\n' "${staging_version}"
    return
  fi
  for v in $(cd / && go list -m -versions "${mod}" 2>/dev/null | tr ' ' '\n' | grep "^v0\.${k8s_minor}\.[0-9]*$" | sort -Vr); do
    [[ "$(printf '%s\n%s\n' "${v}" "${staging_version}" | sort -V | tail -1)" == "${staging_version}" ]] || continue
    if (cd / && go mod download "${mod}@${v}") >/dev/null 2>&1; then
      log "note: ${mod} ${staging_version} is not served by the Go module proxy; using ${v}"
      printf '%s\n' "${v}"
      return
    fi
  done
  printf '%s\n' "${staging_version}" # go mod tidy reports it if the build needs it
}

# setup_wrapper writes the wrapper module for K8S_VERSION (once) and prints the etcd version.
setup_wrapper() {
  local json gomod etcd_version go_line godebug_line
  json="$(go mod download -json "k8s.io/kubernetes@v${K8S_VERSION}")" ||
    die "cannot download k8s.io/kubernetes@v${K8S_VERSION} from the Go module proxy; check K8S_VERSION (served: go list -m -versions k8s.io/kubernetes)."
  gomod="$(printf '%s\n' "${json}" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
  [[ -f "${gomod}" ]] || die "go mod download gave no go.mod for k8s.io/kubernetes@v${K8S_VERSION}"

  etcd_version="$(awk '$1 == "go.etcd.io/etcd/server/v3" && $2 ~ /^v3\./ {print $2; exit}' "${gomod}")"
  [[ -n "${etcd_version}" ]] || die "k8s.io/kubernetes@v${K8S_VERSION} does not name a go.etcd.io/etcd/server/v3 version; this script cannot pick etcd for it."

  local want="k8s=${K8S_VERSION} staging=${staging_version} etcd=${etcd_version} go=${go_version} recipe=${recipe}"
  if [[ -f "${wrapper_dir}/.ready" && "$(cat "${wrapper_dir}/.ready")" == "${want}" ]]; then
    printf '%s\n' "${etcd_version}"
    return
  fi
  log "preparing wrapper module ${wrapper_dir} (k8s.io/kubernetes v${K8S_VERSION}, staging ${staging_version}, etcd ${etcd_version})"
  rm -rf "${wrapper_dir}"
  mkdir -p "${wrapper_dir}/etcd"

  # The wrapper needs go >= 1.24 for tool directives; keep Kubernetes' GODEBUG defaults.
  go_line="$(awk '$1 == "go" {print $2; exit}' "${gomod}")"
  godebug_line="$(awk '$1 == "godebug" {print; exit}' "${gomod}")"
  if [[ -z "${godebug_line}" ]]; then
    godebug_line="godebug default=go$(echo "${go_line}" | cut -d. -f1,2)"
  fi
  if [[ "$(printf '%s\n1.24.0\n' "${go_line}" | sort -V | head -1)" != "1.24.0" ]]; then
    go_line="1.24.0"
  fi

  {
    echo "// Generated by hack/build-cluster-binaries.sh in selfhealing.dev/coordination-engine; throw-away."
    echo "module localbuild.invalid/k8s-control-plane"
    echo
    echo "go ${go_line}"
    echo
    echo "${godebug_line}"
    echo
    echo "require ("
    echo "	k8s.io/kubernetes v${K8S_VERSION}"
    echo "	go.etcd.io/etcd/server/v3 ${etcd_version}"
    echo ")"
    echo
    echo "tool ("
    echo "	k8s.io/kubernetes/cmd/kube-apiserver"
    echo "	k8s.io/kubernetes/cmd/kube-controller-manager"
    echo "	k8s.io/kubernetes/cmd/kube-scheduler"
    echo ")"
    echo
    echo "replace ("
    # Every staging module Kubernetes replaces with ./staging/src/... gets its published twin.
    local mod
    for mod in $(awk '$2 == "=>" && $3 ~ /^\.\/staging\// {print $1}' "${gomod}"); do
      printf '\t%s => %s %s\n' "${mod}" "${mod}" "$(staging_twin "${mod}")"
    done
    echo ")"
  } >"${wrapper_dir}/go.mod"
  cat >"${wrapper_dir}/etcd/main.go" <<'EOF'
// Command etcd runs the etcd server of the required go.etcd.io/etcd/server/v3 version.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
EOF
  log "resolving dependencies (go mod tidy)..."
  (cd "${wrapper_dir}" && GOFLAGS=-mod=mod go mod tidy >&2) ||
    die "go mod tidy failed in ${wrapper_dir}; a module may be missing from the Go module proxy. Try another K8S_VERSION, or fix ${wrapper_dir}/go.mod by hand and re-run."
  printf '%s\n' "${want}" >"${wrapper_dir}/.ready"
  printf '%s\n' "${etcd_version}"
}

# install_cached CACHED OUT STAMPFILE STAMP copies a binary from the machine cache into bin/.
install_cached() {
  cp -f "$1" "$2.tmp"
  mv -f "$2.tmp" "$2"
  printf '%s\n' "$4" >"$3"
}

# Linked binaries are kept in the machine cache next to the wrapper module, since the Go build
# cache keeps compiled packages but not linked executables: a fresh clone then copies them in a
# second instead of linking for a minute or two.
build_binary() { # build_binary NAME PACKAGE LDFLAGS [VERSION]
  local name="$1" pkg="$2" ldflags="$3" version="${4:-v${K8S_VERSION}}" out="${bin_dir}/$1"
  local stampfile="${bin_dir}/.$1.stamp" stamp
  local cached="${wrapper_dir}/bin/${name}" cached_stamp="${wrapper_dir}/bin/.${name}.stamp"
  stamp="$(stamp_for "${name}@${version} ${pkg} ${ldflags}")"
  if up_to_date "${out}" "${stampfile}" "${stamp}"; then
    log "${name}: up to date"
    return
  fi
  if up_to_date "${cached}" "${cached_stamp}" "${stamp}"; then
    install_cached "${cached}" "${out}" "${stampfile}" "${stamp}"
    log "${name}: copied from ${cached}"
    return
  fi
  local start=${SECONDS} hint=""
  case "${name}" in
    # Measured on 2 busy cores with an empty Go build cache (hack/README.md).
    kube-apiserver) hint=" (first build takes ~8-11 min on 2 cores)" ;;
    kube-controller-manager) hint=" (first build takes ~2-4 min more on 2 cores)" ;;
    kube-scheduler) hint=" (seconds after kube-controller-manager)" ;;
    etcd) hint=" (first build takes ~2-4 min on 2 cores)" ;;
  esac
  log "building ${name}${hint}..."
  mkdir -p "${wrapper_dir}/bin"
  (cd "${wrapper_dir}" && go build -trimpath -ldflags="${ldflags}" -o "${cached}.tmp" "${pkg}") ||
    die "building ${name} failed (see the go output above). Re-run with FORCE=1 after fixing; to start the wrapper afresh: rm -rf ${wrapper_dir}"
  mv -f "${cached}.tmp" "${cached}"
  printf '%s\n' "${stamp}" >"${cached_stamp}"
  install_cached "${cached}" "${out}" "${stampfile}" "${stamp}"
  log "built ${name} in $((SECONDS - start))s ($(du -h "${out}" | cut -f1))"
}

build_kwok() {
  local out="${repo_root}/bin/kwok" stampfile="${repo_root}/bin/.kwok.stamp" stamp
  local cache_dir="${cache_root}/kwok-${KWOK_VERSION}"
  local cached="${cache_dir}/kwok" cached_stamp="${cache_dir}/.kwok.stamp"
  stamp="$(stamp_for "kwok ${KWOK_VERSION}")"
  if up_to_date "${out}" "${stampfile}" "${stamp}"; then
    log "kwok: up to date"
    return
  fi
  if up_to_date "${cached}" "${cached_stamp}" "${stamp}"; then
    install_cached "${cached}" "${out}" "${stampfile}" "${stamp}"
    log "kwok: copied from ${cached}"
    return
  fi
  local start=${SECONDS} tmp
  log "building kwok ${KWOK_VERSION} (first build takes ~3-4 min on 2 cores)..."
  mkdir -p "${cache_dir}"
  tmp="$(mktemp -d "${cache_dir}/build.XXXXXX")"
  # go install pkg@version builds kwok with the dependency versions of its own go.mod.
  (cd "${tmp}" && GOBIN="${tmp}" GOFLAGS= go install -trimpath \
    -ldflags="${ldflags_common} -X sigs.k8s.io/kwok/pkg/consts.Version=${KWOK_VERSION#v}" \
    "sigs.k8s.io/kwok/cmd/kwok@${KWOK_VERSION}") || {
    rm -rf "${tmp}"
    die "building kwok ${KWOK_VERSION} failed (see the go output above); check KWOK_VERSION (served: go list -m -versions sigs.k8s.io/kwok)."
  }
  mv -f "${tmp}/kwok" "${cached}"
  rm -rf "${tmp}"
  printf '%s\n' "${stamp}" >"${cached_stamp}"
  install_cached "${cached}" "${out}" "${stampfile}" "${stamp}"
  log "built kwok in $((SECONDS - start))s ($(du -h "${out}" | cut -f1))"
}

main() {
  mkdir -p "${bin_dir}" "${cache_root}"
  local total_start=${SECONDS} etcd_version c
  # Cheap when the wrapper exists: go mod download answers from the module cache.
  etcd_version="$(setup_wrapper)"

  # Version information that `kubectl version` and /version report, as Kubernetes' own
  # build sets it (hack/lib/version.sh).
  local kv="k8s.io/component-base/version" cv="k8s.io/client-go/pkg/version" kube_ldflags="${ldflags_common}" pkgv
  for pkgv in "${kv}" "${cv}"; do
    kube_ldflags+=" -X ${pkgv}.gitVersion=v${K8S_VERSION} -X ${pkgv}.gitMajor=1 -X ${pkgv}.gitMinor=${k8s_minor}"
    kube_ldflags+=" -X ${pkgv}.gitTreeState=clean -X ${pkgv}.buildDate=1970-01-01T00:00:00Z"
  done

  for c in "${components[@]}"; do
    case "${c}" in
      etcd) build_binary etcd ./etcd "${ldflags_common}" "${etcd_version}" ;;
      kwok) build_kwok ;;
      *) build_binary "${c}" "k8s.io/kubernetes/cmd/${c}" "${kube_ldflags}" ;;
    esac
  done
  log "done in $((SECONDS - total_start))s"
  printf '%s\n' "${bin_dir}"
}

main "$@"
