#!/usr/bin/env bash
# CI: a software GPU for the webgpu specs (issue 12), as root, on Debian 12.
#
# Route: Dawn's OpenGL backend (dawn.node, npm `webgpu`) on Mesa's llvmpipe
# through EGL with no display (EGL_PLATFORM=surfaceless), at WebGPU's
# 'compatibility' feature level. Debian 12's own Mesa 22.3.6 is enough, so
# nothing outside bookworm's main suite is installed and nothing already
# installed is upgraded (Chromium, which the dashboard specs drive, shares
# this Mesa). The other route, Vulkan on Mesa 25's lavapipe from
# bookworm-backports ('core' feature level, the path real GPUs take on
# Linux), upgrades the whole Mesa stack and ~60 MB; Debian 12's own lavapipe
# is refused by Dawn (no shaderUniform*ArrayDynamicIndexing).
#
# Prints one line naming the adapter, or fails: after this script the
# webgpu specs must run (.ci/run exports GANGLION_EXPECT_WEBGPU=1).
set -euo pipefail
cd "$(dirname "$0")/.."

started=$(date +%s)
# libegl-mesa0: Mesa's EGL (surfaceless platform); libgl1-mesa-dri: llvmpipe; libegl1/libgl1: the glvnd loaders.
packages=(libegl1 libegl-mesa0 libgl1 libgl1-mesa-dri)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "== software GPU: Mesa $(dpkg-query -W -f='${Version}' libgl1-mesa-dri) (installed now: ${missing[*]:-none}), $(( $(date +%s) - started )) s"

# The adapter the webgpu specs will get, exactly as a worker chooses it.
export EGL_PLATFORM=surfaceless
if ! line=$(timeout 120 node bin/ganglion.js backend --backend webgpu 2>/dev/null); then
  echo "no WebGPU adapter on the software GPU:" >&2
  timeout 120 node bin/ganglion.js backend --backend webgpu >&2 || true
  exit 1
fi
echo "== $line"
