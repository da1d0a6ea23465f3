# syntax=docker/dockerfile:1
# The coordination engine's image: a static Go binary on a small base that has `sh` and `curl`,
# because the platform's chart runs an init container from this image with
# `sh -c 'until curl ...'` (contract §7). It runs as any non-root UID (OpenShift's restricted SCC
# assigns one, with group 0) on a read-only root filesystem: the engine writes no files.

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" \
      -o /out/coordination-engine ./cmd/coordination-engine

FROM alpine:3.22
RUN apk add --no-cache ca-certificates curl \
 && adduser -D -H -u 65532 -G root engine
COPY --from=build --chmod=0755 /out/coordination-engine /usr/local/bin/coordination-engine
USER 65532:0
EXPOSE 8080 9090
HEALTHCHECK --interval=10s --timeout=3s CMD curl -fsS http://127.0.0.1:8080/health || exit 1
ENTRYPOINT ["/usr/local/bin/coordination-engine"]
