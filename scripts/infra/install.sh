#!/usr/bin/env bash
# Installs the pinned servers that tests and `npm run dev` use on a machine without Docker.
# Idempotent: every binary lands in a cache folder outside the repository and is built once.
#
#   scripts/infra/install.sh [nats-server|nats|ferretdb|otelcol|prometheus|kustomize|schemathesis|jaeger ...]   (default: all)
#
# Environment: DEMO_CACHE_DIR (default ${XDG_CACHE_HOME:-$HOME/.cache}/demo-platform).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"

cache="${DEMO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/demo-platform}"
bin="$cache/bin"
mkdir -p "$bin" "$cache/src"

# One install at a time per cache: parallel test workers may ask for the same binary.
exec 9>"$cache/.install.lock"
if command -v flock >/dev/null 2>&1; then flock 9; fi

log() { printf '[infra] %s\n' "$*" >&2; }
die() { printf '[infra] error: %s\n' "$*" >&2; exit 1; }

need_go() {
  command -v go >/dev/null 2>&1 || die "the Go toolchain is missing: install Go 1.24 or newer (apt-get install golang, or https://go.dev/dl) and run this again"
}

# go_install <module/path/cmd> <version> <target name>
go_install() {
  local pkg="$1" version="$2" target="$3"
  if [[ -x "$bin/$target" ]]; then log "$target present"; return; fi
  need_go
  log "building $pkg@$version (once; cached in $bin)"
  local tmp; tmp="$(mktemp -d)"
  GOBIN="$tmp" GOFLAGS=-buildvcs=false go install "$pkg@$version"
  local built=("$tmp"/*)
  [[ ${#built[@]} -eq 1 && -x "${built[0]}" ]] || die "go install $pkg@$version produced no single binary"
  mv "${built[0]}" "$bin/$target"
  rm -rf "$tmp"
}

install_nats_server() { go_install github.com/nats-io/nats-server/v2 "$NATS_SERVER_VERSION" "nats-server-$NATS_SERVER_VERSION"; }
install_nats_cli() { go_install github.com/nats-io/natscli/nats "$NATS_CLI_VERSION" "nats-$NATS_CLI_VERSION"; }

# FerretDB is not installable with `go install` from the proxy, and its binary needs
# build/version/version.txt, so the module is downloaded, completed and built in place.
install_ferretdb() {
  local target="ferretdb-$FERRETDB_VERSION"
  if [[ -x "$bin/$target" ]]; then log "$target present"; return; fi
  need_go
  log "building FerretDB $FERRETDB_VERSION (once; cached in $bin)"
  local mod="$cache/src/ferretdb-mod" src="$cache/src/ferretdb-$FERRETDB_VERSION"
  rm -rf "$mod" "$src"; mkdir -p "$mod"
  (cd "$mod" && go mod init ferretdb-fetch >/dev/null 2>&1 \
    && go get -tool "github.com/FerretDB/FerretDB/cmd/ferretdb@$FERRETDB_VERSION" >&2)
  local dir
  dir="$(cd "$mod" && go list -m -f '{{.Dir}}' github.com/FerretDB/FerretDB)"
  [[ -n "$dir" && -d "$dir" ]] || die "could not download FerretDB $FERRETDB_VERSION through the Go module proxy"
  cp -r "$dir" "$src"; chmod -R u+w "$src"
  mkdir -p "$src/build/version"
  printf '%s' "$FERRETDB_VERSION" >"$src/build/version/version.txt"
  (cd "$src" && GOFLAGS=-buildvcs=false go build -o "$bin/$target.tmp" ./cmd/ferretdb)
  mv "$bin/$target.tmp" "$bin/$target"
  rm -rf "$mod" "$src"
}

# The collector is built from otel/builder-config.yaml; the binary name carries the
# manifest's hash, so a change to the manifest builds a new collector.
install_otelcol() {
  local manifest="$repo/otel/builder-config.yaml" hash target
  hash="$(sha256sum "$manifest" | cut -c1-12)"
  target="otelcol-demo-$hash"
  if [[ -x "$bin/$target" ]]; then log "$target present"; ln -sf "$target" "$bin/otelcol-demo"; return; fi
  need_go
  go_install go.opentelemetry.io/collector/cmd/builder "$OTELCOL_BUILDER_VERSION" "ocb-$OTELCOL_BUILDER_VERSION"
  log "building the collector from otel/builder-config.yaml (once per manifest; several minutes cold)"
  local work="$cache/src/otelcol-$hash"
  rm -rf "$work"; mkdir -p "$work"
  sed "s#output_path: .*#output_path: $work/out#" "$manifest" >"$work/manifest.yaml"
  GOFLAGS=-buildvcs=false "$bin/ocb-$OTELCOL_BUILDER_VERSION" --config "$work/manifest.yaml" >&2
  mv "$work/out/otelcol-demo" "$bin/$target"
  ln -sf "$target" "$bin/otelcol-demo"
  rm -rf "$work"
}

install_prometheus() {
  go_install github.com/prometheus/prometheus/cmd/prometheus "$PROMETHEUS_VERSION" "prometheus-$PROMETHEUS_VERSION"
  go_install github.com/prometheus/prometheus/cmd/promtool "$PROMETHEUS_VERSION" "promtool-$PROMETHEUS_VERSION"
}

# Jaeger v2, the trace UI of `npm run dev`: its cmd/jaeger is built from the module in a small
# module of its own (`go get -tool`), since `go install` refuses its replace directives.
install_jaeger() {
  local target="jaeger-$JAEGER_VERSION"
  if [[ -x "$bin/$target" ]]; then log "$target present"; return; fi
  need_go
  log "building Jaeger $JAEGER_VERSION (once; about 7 minutes cold; cached in $bin)"
  local mod="$cache/src/jaeger-mod"
  rm -rf "$mod"; mkdir -p "$mod"
  (cd "$mod" && go mod init jaeger-build >/dev/null 2>&1 \
    && GOFLAGS=-buildvcs=false go get -tool "github.com/jaegertracing/jaeger/cmd/jaeger@$JAEGER_VERSION" >&2 \
    && GOFLAGS=-buildvcs=false go build -o "$bin/$target.tmp" github.com/jaegertracing/jaeger/cmd/jaeger)
  mv "$bin/$target.tmp" "$bin/$target"
  rm -rf "$mod"
}

# kustomize renders k8s/ for `npm run k8s:render` and the deploy tests.
install_kustomize() { go_install sigs.k8s.io/kustomize/kustomize/v5 "$KUSTOMIZE_VERSION" "kustomize-$KUSTOMIZE_VERSION"; }

# schemathesis fuzzes each service against its OpenAPI document (`npm run test:api`). A
# virtualenv of its own in the cache, pinned; the `st` entry point is linked into the cache bin.
install_schemathesis() {
  local target="schemathesis-$SCHEMATHESIS_VERSION" venv="$cache/venv/schemathesis-$SCHEMATHESIS_VERSION"
  if [[ -x "$bin/$target" ]]; then log "$target present"; return; fi
  command -v python3 >/dev/null 2>&1 || die "python3 is missing: install Python 3.10 or newer (apt-get install python3 python3-venv) and run this again"
  log "installing schemathesis $SCHEMATHESIS_VERSION from PyPI (once; cached in $venv)"
  rm -rf "$venv"
  python3 -m venv "$venv" || die "python3 -m venv failed: install python3-venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" >&2
  ln -sf "$venv/bin/st" "$bin/$target"
}

components=("$@")
[[ ${#components[@]} -gt 0 ]] || components=(nats-server nats ferretdb otelcol prometheus kustomize schemathesis jaeger)
for c in "${components[@]}"; do
  case "$c" in
    nats-server) install_nats_server ;;
    nats) install_nats_cli ;;
    ferretdb) install_ferretdb ;;
    otelcol) install_otelcol ;;
    prometheus) install_prometheus ;;
    kustomize) install_kustomize ;;
    schemathesis) install_schemathesis ;;
    jaeger) install_jaeger ;;
    *) die "unknown component '$c' (known: nats-server nats ferretdb otelcol prometheus kustomize schemathesis jaeger)" ;;
  esac
done
log "binaries in $bin"
