#!/usr/bin/env bash
# Installs what Strata's build and tests need, and generates the test data. Idempotent:
# each step checks first and does nothing when its result is already there.
#
#   system packages   mlir-22-tools (mlir-opt checks our IR text), llvm-22-dev (the CPU back
#                     end links libLLVM.so 22 through inkwell), spirv-tools (spirv-val checks
#                     our shaders), mesa-vulkan-drivers + libvulkan1 (lavapipe: Vulkan on the
#                     CPU, where the GPU back end runs in CI), vulkan-tools, a Python venv
#   .cache/venv       onnx, onnxruntime, numpy (scripts/requirements.txt)
#   .cache/onnx-node-tests   the ONNX backend node tests (scripts/gen_node_tests.py)
#   .cache/onnx-opset-cases  single-op models at older opsets (scripts/opset_cases.py)
#   .cache/models     the project's test models and onnxruntime's outputs (scripts/models.py)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${STRATA_CACHE:-$root/.cache}
mkdir -p "$cache"

log() { printf 'setup: %s\n' "$*"; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# --- System packages -----------------------------------------------------------------
apt_packages=(mlir-22-tools llvm-22-dev libpolly-22-dev libzstd-dev zlib1g-dev gcc g++ binutils
    spirv-tools mesa-vulkan-drivers libvulkan1 vulkan-tools)
python3 -c 'import venv, ensurepip' 2>/dev/null || apt_packages+=(python3-venv)
command -v python3 >/dev/null || apt_packages+=(python3 python3-venv)
command -v cc >/dev/null || apt_packages+=(gcc)
missing=()
for p in "${apt_packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi
if ! command -v cargo >/dev/null; then
    log "no Rust toolchain: installing rustup"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q rustup
    rustup default stable
fi

# --- Python venv -------------------------------------------------------------------------
venv=$cache/venv
stamp=$venv/.strata-requirements
if [ ! -f "$stamp" ] || ! cmp -s "$stamp" "$root/scripts/requirements.txt"; then
    log "creating the Python venv in $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check -r "$root/scripts/requirements.txt"
    cp "$root/scripts/requirements.txt" "$stamp"
fi
py=$venv/bin/python

# --- Generated data: regenerate when the generator or the packages change --------------
generate() { # name, output folder, script, args...
    local name=$1 out=$2 script=$3
    shift 3
    local key
    key=$(cat "$root/scripts/$script" "$root/scripts/requirements.txt" | sha256sum | cut -c1-16)
    if [ "$(cat "$out/.strata-stamp" 2>/dev/null)" != "$key" ]; then
        log "generating $name"
        rm -rf "$out"
        mkdir -p "$out"
        "$py" "$root/scripts/$script" "$out" "$@"
        echo "$key" > "$out/.strata-stamp"
    fi
}
generate "the ONNX node tests" "$cache/onnx-node-tests" gen_node_tests.py
generate "the older-opset cases" "$cache/onnx-opset-cases" opset_cases.py
generate "the test models" "$cache/models" models.py
log "ready"
