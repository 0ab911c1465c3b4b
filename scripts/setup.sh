#!/usr/bin/env bash
# Installs what dualrec needs on a Debian/Ubuntu machine, then the npm dependencies:
#  - apt: ffmpeg (with ffprobe), chromium (kiosk window, e2e tests), xvfb (screen-capture tests),
#    fonts-dejavu-core (burned-in text), fonts-noto-cjk (the kiosk's Chinese text and the archive's
#    burned-in watermark), postgresql (its binaries in /usr/lib/postgresql/<ver>/bin: the tests
#    start throwaway clusters with them; the package's own cluster service is not used), openssl
#    (the evidence e2e test checks a package by hand as its readme says), tesseract-ocr + eng +
#    chi_sim (tests read the burned-in timestamp and watermark back from frames); only the missing
#    ones, with sudo when not root;
#  - Node.js >= 22.12: if the node on PATH is older, the `node` package from the npm registry is
#    installed into ~/.cache/dualrec/node22 (scripts/with-node puts it first on PATH);
#  - npm ci (exact versions from package-lock.json);
#  - the mediasoup worker built against Debian's libraries (native/mediasoup/build-worker.sh; cached
#    in ~/.cache/dualrec, so only the first run compiles, ~6 CPU-minutes).
# Safe to run again; it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_VERSION=22.23.3
NODE_DIR="${DUALREC_NODE_DIR:-$HOME/.cache/dualrec/node22}"
APT_PACKAGES=(ffmpeg chromium xvfb fonts-dejavu-core fonts-noto-cjk postgresql openssl espeak-ng tesseract-ocr tesseract-ocr-eng tesseract-ocr-chi-sim)
# mediasoup worker build (native/mediasoup/build-worker.sh)
APT_PACKAGES+=(build-essential pkg-config ninja-build meson libssl-dev libuv1-dev libsrtp2-dev libusrsctp-dev libabsl-dev nlohmann-json3-dev)

log() { printf '\033[1msetup:\033[0m %s\n' "$*"; }

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null; then
    log "please install: ${missing[*]} (no apt-get on this machine)"; exit 1
  fi
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  log "installing system packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  log "system packages present: ${APT_PACKAGES[*]}"
fi

node_ok() {
  command -v "$1" >/dev/null 2>&1 && "$1" -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=12)?0:1)'
}
if node_ok node; then
  log "node $(node --version) is new enough"
elif node_ok "$NODE_DIR/node_modules/node/bin/node"; then
  log "using node $("$NODE_DIR/node_modules/node/bin/node" --version) from $NODE_DIR"
else
  log "node on PATH is $(node --version 2>/dev/null || echo missing); installing node@$NODE_VERSION from the npm registry into $NODE_DIR"
  mkdir -p "$NODE_DIR"
  npm install --prefix "$NODE_DIR" --no-save --no-audit --no-fund --allow-scripts=node "node@$NODE_VERSION" >/dev/null
  "$NODE_DIR/node_modules/node/bin/node" --version >/dev/null
fi

log "installing npm dependencies (npm ci)"
scripts/with-node npm ci --no-audit --no-fund
log "mediasoup worker (native/mediasoup/build-worker.sh: cached, else built)"
scripts/with-node native/mediasoup/build-worker.sh >/dev/null
log "done. Run commands through scripts/with-node when your node is older than 22.12."
