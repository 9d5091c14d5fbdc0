#!/usr/bin/env bash
# Installs everything Assay needs on a fresh machine, idempotently: node modules, the Temporal
# CLI dev server and MinIO (built from the Go module proxy into a cache outside the repo),
# PostgreSQL from Debian's packages, the SIMD kernels (AssemblyScript → WebAssembly), and, with --browser, Chromium for the report's browser test.
# Each part is skipped when what is there already matches its pin; each prints its time.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${ASSAY_CACHE:-$HOME/.cache/assay}"
BIN="$CACHE/bin"

# Pins. temporal: v1.5.1 is the newest CLI release whose go.mod has no `replace` directive;
# later tags carry one, and `go install pkg@version` refuses modules with replace directives.
TEMPORAL_MODULE="github.com/temporalio/cli/cmd/temporal"
TEMPORAL_VERSION="v1.5.1"
# minio: the Go module proxy refuses MinIO's non-semver RELEASE.* tag names (403), so the pin is
# the pseudo-version of the newest commit the proxy serves (2026-02-12); its go.mod has no
# replace directive and needs Go >= 1.24.
MINIO_MODULE="github.com/minio/minio"
MINIO_VERSION="v0.0.0-20260212201848-7aac2a2c5b7c"
GO_MIN_MINOR=24

WITH_BROWSER=0
for arg in "$@"; do
  case "$arg" in
    --browser) WITH_BROWSER=1 ;;
    -h|--help)
      echo "usage: bash infra/setup.sh [--browser]"
      echo "  Installs node modules, temporal $TEMPORAL_VERSION, minio, PostgreSQL (and Chromium with --browser)."
      echo "  Tools are cached in \$ASSAY_CACHE (default ~/.cache/assay) and reused while their pins match."
      exit 0 ;;
    *) echo "setup: unknown argument '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

mkdir -p "$BIN"
step_started=0
current_step=""
retry_hint=""
begin() { current_step="$1"; retry_hint="$2"; step_started=$(date +%s%N); printf 'setup: %-28s ' "$1"; }
done_step() { local ms=$(( ($(date +%s%N) - step_started) / 1000000 )); printf '%s (%d.%01ds)\n' "$1" $((ms / 1000)) $((ms % 1000 / 100)); }
on_error() {
  echo
  echo "setup: FAILED at step '$current_step'." >&2
  [ -n "$retry_hint" ] && echo "setup: retry with: $retry_hint" >&2
  echo "setup: the last lines of its log are above (full logs under $CACHE/logs)." >&2
}
trap on_error ERR
mkdir -p "$CACHE/logs"

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then apt-get update -qq >"$CACHE/logs/apt-update.log" 2>&1; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >"$CACHE/logs/apt-install.log" 2>&1 \
    || { tail -n 20 "$CACHE/logs/apt-install.log" >&2; return 1; }
}

# --- node modules -----------------------------------------------------------------------
begin "node modules" "cd $ROOT && ONNXRUNTIME_NODE_INSTALL=skip npm ci"
lock_digest=$(sha256sum "$ROOT/package-lock.json" | cut -c1-16)
if [ -f "$ROOT/node_modules/.assay-lock" ] && [ "$(cat "$ROOT/node_modules/.assay-lock")" = "$lock_digest" ]; then
  done_step "up to date"
else
  # onnxruntime-node's install script would download CUDA provider binaries from outside the
  # registry; the CPU binaries ship in the package. It reads this variable (an .npmrc key for
  # it makes every npm command warn about an unknown project config).
  (cd "$ROOT" && ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund >"$CACHE/logs/npm-ci.log" 2>&1) || { tail -n 20 "$CACHE/logs/npm-ci.log" >&2; false; }
  echo "$lock_digest" >"$ROOT/node_modules/.assay-lock"
  done_step "installed"
fi

# --- SIMD kernels -----------------------------------------------------------------------
# The AssemblyScript sources under shared/ml/wasm compile into one WebAssembly module (the
# files directly there are its entry points, lib/ holds inlined helpers); rebuilt when a
# source or the compiler changes (keyed by their digest).
begin "simd kernels" "cd $ROOT && bash infra/setup.sh (the asc log is $CACHE/logs/asc.log)"
KERNEL_SOURCES=("$ROOT"/shared/ml/wasm/*.as.ts)
KERNEL_OUT="$ROOT/build/wasm/kernels.wasm"
HEAP_KERNEL_OUT="$ROOT/build/wasm/heap-kernels.wasm"
kernel_digest=$(find "$ROOT/shared/ml/wasm" -name '*.as.ts' | sort | xargs cat "$ROOT/node_modules/assemblyscript/package.json" | sha256sum | cut -c1-16)
if [ -f "$KERNEL_OUT" ] && [ -f "$HEAP_KERNEL_OUT" ] && [ -f "$KERNEL_OUT.digest" ] && [ "$(cat "$KERNEL_OUT.digest")" = "$kernel_digest" ]; then
  done_step "up to date"
else
  mkdir -p "$(dirname "$KERNEL_OUT")"
  (cd "$ROOT" && node_modules/.bin/asc "${KERNEL_SOURCES[@]}" -O3 --enable simd --runtime stub --noAssert -o "$KERNEL_OUT.tmp" >"$CACHE/logs/asc.log" 2>&1) \
    || { tail -n 20 "$CACHE/logs/asc.log" >&2; false; }
  # every kernel again (but heapBase, of the module's own memory), on a memory it imports: the
  # tfjs backend's own, or Adam's (shared/ml/wasm/heap-kernels.ts)
  (cd "$ROOT" && node_modules/.bin/asc shared/ml/wasm/attention.as.ts shared/ml/wasm/embed.as.ts shared/ml/wasm/gather.as.ts shared/ml/wasm/matmul.as.ts shared/ml/wasm/softmax.as.ts shared/ml/wasm/rows.as.ts shared/ml/wasm/dropout.as.ts shared/ml/wasm/adam.as.ts -O3 --enable simd --runtime stub --noAssert --importMemory -o "$HEAP_KERNEL_OUT.tmp" >>"$CACHE/logs/asc.log" 2>&1) \
    || { tail -n 20 "$CACHE/logs/asc.log" >&2; false; }
  mv "$KERNEL_OUT.tmp" "$KERNEL_OUT"
  mv "$HEAP_KERNEL_OUT.tmp" "$HEAP_KERNEL_OUT"
  echo "$kernel_digest" >"$KERNEL_OUT.digest"
  done_step "built"
fi

# --- go toolchain -----------------------------------------------------------------------
begin "go toolchain" "apt-get install -y golang-go, or put Go >= 1.$GO_MIN_MINOR on PATH"
export PATH="$PATH:/usr/local/go/bin"
if ! command -v go >/dev/null 2>&1; then apt_install golang-go; fi
go_minor=$(go env GOVERSION | sed -E 's/^go1\.([0-9]+).*/\1/')
if [ "$go_minor" -lt 21 ]; then
  echo "Go $(go env GOVERSION) is too old to fetch a newer toolchain; install Go >= 1.$GO_MIN_MINOR." >&2
  false
fi
# Go >= 1.21 fetches the toolchain a module asks for from the module proxy by itself.
export GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"
done_step "$(go env GOVERSION)"

# go_tool NAME MODULE VERSION: builds MODULE@VERSION into $BIN/NAME unless the stamp matches.
go_tool() {
  local name="$1" module="$2" version="$3"
  begin "$name $version" "GOBIN=$BIN go install $module@$version"
  if [ -x "$BIN/$name" ] && [ "$(cat "$BIN/$name.version" 2>/dev/null)" = "$module@$version" ]; then
    done_step "cached"
    return
  fi
  local tmp="$CACHE/build-$name"
  rm -rf "$tmp"; mkdir -p "$tmp"
  (cd "$tmp" && GOBIN="$tmp" go install "$module@$version" >"$CACHE/logs/build-$name.log" 2>&1) \
    || { tail -n 20 "$CACHE/logs/build-$name.log" >&2; false; }
  mv -f "$tmp/$name" "$BIN/$name"
  echo "$module@$version" >"$BIN/$name.version"
  rm -rf "$tmp"
  done_step "built"
}
go_tool temporal "$TEMPORAL_MODULE" "$TEMPORAL_VERSION"
go_tool minio "$MINIO_MODULE" "$MINIO_VERSION"

# --- postgres ---------------------------------------------------------------------------
begin "postgresql" "apt-get install -y postgresql"
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/postgres" ]; then
  apt_install postgresql
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  done_step "installed ($pg_bin)"
else
  done_step "present ($pg_bin)"
fi
echo "$pg_bin" >"$CACHE/postgres-bin"

# --- chromium (report browser test) -----------------------------------------------------
if [ "$WITH_BROWSER" = 1 ]; then
  begin "chromium" "apt-get install -y chromium"
  if [ -x /usr/bin/chromium ]; then done_step "present"; else apt_install chromium; done_step "installed"; fi
fi

trap - ERR
echo "setup: tools in $BIN"
