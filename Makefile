# The coordination engine's developer targets. `make help` lists them.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

VERSION     ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
K8S_VERSION ?= 1.34.4
BIN         := bin
LDFLAGS     := -s -w -X main.version=$(VERSION)
export K8S_VERSION

.PHONY: help
help: ## List the targets.
	@awk 'BEGIN {FS = ":.*##"} /^[a-zA-Z0-9_-]+:.*##/ {printf "  %-18s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: build
build: ## Build the engine binary into bin/coordination-engine.
	CGO_ENABLED=0 go build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/coordination-engine ./cmd/coordination-engine

IMAGE ?= example/coordination-engine:$(VERSION)

.PHONY: image
image: ## Build the image from Containerfile with podman or docker (IMAGE=...); without either, print the command.
	@engine=$$(command -v podman || command -v docker || true); \
	args="build -f Containerfile --build-arg VERSION=$(VERSION) -t $(IMAGE) ."; \
	if [ -z "$$engine" ]; then echo "neither podman nor docker is installed here; on a machine with one, run:"; \
	  echo "  podman $$args"; echo "  DOCKER_BUILDKIT=1 docker $$args --build-arg BASE_IMAGE=<registry>/ubi9/ubi-minimal"; \
	elif ! "$$engine" info >/dev/null 2>&1; then echo "$$engine is installed but cannot build here (no daemon or service); run on a machine where it can:"; \
	  echo "  $$(basename $$engine) $$args"; exit 1; \
	else echo "$$engine $$args"; DOCKER_BUILDKIT=1 "$$engine" $$args; fi

.PHONY: run
run: ## Start a local cluster with sample workloads and run the engine against it.
	hack/run.sh

.PHONY: test
test: lint cluster-binaries ## Lint, then every test: unit, envtest, and end to end on the local cluster.
	LOCALCLUSTER_REQUIRED=1 PROMETHEUS_REQUIRED=1 go test -race -count=1 -timeout 20m ./...

.PHONY: test-unit
test-unit: ## Only the tests that need no API server.
	go test -race -count=1 ./internal/config/... ./internal/health/... ./internal/httpapi/...

.PHONY: lint
lint: ## go vet and a gofmt check.
	go vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

CONTROLLER_GEN_VERSION := v0.23.0
CONTROLLER_GEN := $(BIN)/controller-gen-$(CONTROLLER_GEN_VERSION)

$(CONTROLLER_GEN):
	GOBIN=$(abspath $(BIN)) go install sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_GEN_VERSION)
	mv $(BIN)/controller-gen $@

.PHONY: generate
generate: $(CONTROLLER_GEN) ## Regenerate deepcopy code and CRDs (config/crd/bases) from api/.
	$(CONTROLLER_GEN) object paths=./api/...
	$(CONTROLLER_GEN) crd:allowDangerousTypes=true paths=./api/... output:crd:artifacts:config=config/crd/bases

.PHONY: verify
verify: generate docs lint ## Regenerate generated files and fail if the tree is not clean.
	@git diff --exit-code -- api config docs || { echo "generated files are out of date: run make generate docs and commit"; exit 1; }

.PHONY: docs
docs: ## Regenerate docs/configuration.md from the configuration table.
	go run ./hack/gendocs > docs/configuration.md

.PHONY: cluster-binaries
cluster-binaries: ## Build etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok into bin/.
	hack/build-cluster-binaries.sh >/dev/null

.PHONY: cluster-up
cluster-up: cluster-binaries ## Start the local cluster (kubeconfig in .local/cluster/kubeconfig).
	go run ./hack/localcluster up

.PHONY: cluster-down
cluster-down: ## Stop the local cluster and remove its state.
	go run ./hack/localcluster down

.PHONY: bench
bench: ## Benchmarks on a local cluster: start-up, idle RSS with 1,000 pods, incident create/list load.
	hack/bench/run.sh

.PHONY: bench-storm
bench-storm: ## Storm benchmark: 1,000 pods of 100 Deployments crash-loop at once; incidents, budgets, latency, CPU, RSS.
	hack/bench/storm.sh

.PHONY: bench-scale
bench-scale: ## Scale benchmark: engine RSS and CPU watching 1,000 fake nodes and 10,000 pods, watchers on and off.
	hack/bench/scale.sh

.PHONY: clean
clean: ## Remove build outputs (keeps the per-machine build cache).
	rm -rf $(BIN)/coordination-engine dist cover.out
