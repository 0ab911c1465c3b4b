#!/usr/bin/env bash
# Builds mediasoup's C++ worker (the version pinned in package-lock.json) against Debian's own
# libraries and caches it outside node_modules:
#   ${DUALREC_CACHE_DIR:-~/.cache/dualrec}/mediasoup-worker-<version>/<inputs hash>/mediasoup-worker
# and points   .../mediasoup-worker-<version>/current   at it (what the server resolves at run time).
#
# Why: the offline build machines reach only the npm registry and Debian's apt repositories, so
# mediasoup's postinstall (prebuilt download from GitHub, else a build that pip-installs meson and
# downloads every dependency through meson wraps) cannot work there. mediasoup's worker/meson.build
# takes each dependency through subproject(); this script gives a copy of worker/ a small stand-in
# subproject per wrap (native/mediasoup/subprojects/<wrap directory>/meson.build) that declares the
# Debian library found with pkg-config, then runs `meson setup --wrap-mode=nodownload` and
# `ninja mediasoup-worker`. Needs (apt): build-essential pkg-config ninja-build meson libssl-dev
# libuv1-dev libsrtp2-dev libusrsctp-dev libabsl-dev nlohmann-json3-dev.
#
# Inputs of the hash: the mediasoup tarball integrity from package-lock.json, the stand-in
# subprojects, RECIPE (bump it when the configure or compile steps below change), the compiler
# version and the architecture. A cached binary for the same inputs is reused (the build takes
# ~6 CPU-minutes). Sources come from `npm pack` (the npm
# registry), checked against the lock file's integrity, so node_modules need not exist yet.
#
# Usage: native/mediasoup/build-worker.sh [--print-path] [--force]
#   --print-path  print the cached binary's path if it exists (exit 1 if not), build nothing
#   --force       rebuild even when the cached binary exists
# Environment: DUALREC_CACHE_DIR, MEDIASOUP_BUILD_JOBS (ninja -j, default: number of cores),
# MEDIASOUP_BUILD_NICE (nice level, default 10).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CACHE_ROOT="${DUALREC_CACHE_DIR:-$HOME/.cache/dualrec}"
# Version of the build steps (meson options, ninja target, meson_version relaxation).
RECIPE=1

log() { printf '\033[1mmediasoup-worker:\033[0m %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

print_only=0; force=0
for a in "$@"; do
  case "$a" in
    --print-path) print_only=1 ;;
    --force) force=1 ;;
    *) die "unknown argument $a" ;;
  esac
done

command -v node >/dev/null || die "node is not on PATH (run through scripts/with-node)"
# Version and integrity of the locked mediasoup package.
read -r VERSION INTEGRITY < <(node -e '
  const lock = require(process.argv[1]);
  const p = lock.packages && lock.packages["node_modules/mediasoup"];
  if (!p || !p.version || !p.integrity) { console.error("mediasoup is not in package-lock.json"); process.exit(1); }
  console.log(p.version + " " + p.integrity);
' "$ROOT/package-lock.json")

inputs_hash() {
  {
    echo "mediasoup $VERSION $INTEGRITY recipe $RECIPE"
    echo "arch $(uname -m)"
    echo "cxx $(c++ --version 2>/dev/null | head -1)"
    (cd "$HERE" && find subprojects -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
  } | sha256sum | cut -c1-16
}

VERSION_DIR="$CACHE_ROOT/mediasoup-worker-$VERSION"
OUT_DIR="$VERSION_DIR/$(inputs_hash)"
BIN="$OUT_DIR/mediasoup-worker"

if [ "$print_only" = 1 ]; then
  [ -x "$BIN" ] && { echo "$BIN"; exit 0; }
  log "not built yet: $BIN"
  exit 1
fi

if [ -x "$BIN" ] && [ "$force" = 0 ]; then
  ln -sfn "$(basename "$OUT_DIR")" "$VERSION_DIR/current"
  log "cached: $BIN"
  echo "$BIN"
  exit 0
fi

for tool in c++ pkg-config meson ninja; do
  command -v "$tool" >/dev/null || die "$tool is missing (scripts/setup.sh installs the build packages)"
done
for lib in openssl libuv libsrtp2 usrsctp nlohmann_json absl_flat_hash_map; do
  pkg-config --exists "$lib" || die "pkg-config cannot find $lib (scripts/setup.sh installs the -dev packages)"
done

WORK="$(mktemp -d "${TMPDIR:-/tmp}/mediasoup-worker-build.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

log "fetching mediasoup@$VERSION sources (npm pack)"
(cd "$WORK" && npm pack --silent "mediasoup@$VERSION" >/dev/null)
TARBALL="$WORK/mediasoup-$VERSION.tgz"
[ -f "$TARBALL" ] || die "npm pack did not produce $TARBALL"
got="sha512-$(node -e 'process.stdout.write(require("crypto").createHash("sha512").update(require("fs").readFileSync(process.argv[1])).digest("base64"))' "$TARBALL")"
[ "$got" = "$INTEGRITY" ] || die "mediasoup-$VERSION.tgz integrity $got does not match package-lock.json ($INTEGRITY)"
tar xzf "$TARBALL" -C "$WORK" package/worker
SRC="$WORK/package/worker"

# Stand-in subprojects: one folder per wrap, named as the wrap's `directory`.
for wrap in "$SRC"/subprojects/*.wrap; do
  name="$(basename "$wrap" .wrap)"
  [ "$name" = wingetopt ] && continue # Windows only
  dir="$(sed -n 's/^directory *= *//p' "$wrap")"
  [ -d "$HERE/subprojects/$dir" ] || die "no stand-in for wrap $name (expected native/mediasoup/subprojects/$dir)"
  cp -r "$HERE/subprojects/$dir" "$SRC/subprojects/$dir"
done

# Debian 12 ships meson 1.0.1; mediasoup asks for >= 1.1 but uses nothing newer (checked for 3.12.16).
meson_version="$(meson --version)"
if [ "$(printf '%s\n1.1.0\n' "$meson_version" | sort -V | head -1)" != "1.1.0" ]; then
  log "meson $meson_version < 1.1: relaxing meson_version in the build copy"
  sed -i "s/meson_version: '>= 1.1.0'/meson_version: '>= 1.0.0'/" "$SRC/meson.build"
fi

log "configuring (meson $meson_version, wrap-mode=nodownload)"
meson setup --wrap-mode=nodownload --buildtype=release -Db_ndebug=true -Db_pie=true \
  "$WORK/build" "$SRC" >"$WORK/meson-setup.log" 2>&1 || { tail -40 "$WORK/meson-setup.log" >&2; die "meson setup failed"; }

jobs="${MEDIASOUP_BUILD_JOBS:-$(nproc)}"
log "compiling mediasoup-worker with $jobs job(s) (~6 CPU-minutes)"
started=$SECONDS
nice -n "${MEDIASOUP_BUILD_NICE:-10}" ninja -C "$WORK/build" -j "$jobs" mediasoup-worker >"$WORK/ninja.log" 2>&1 \
  || { grep -E 'error|Error' -A3 "$WORK/ninja.log" | head -60 >&2; die "ninja failed (log above)"; }
log "compiled in $((SECONDS - started)) s"

mkdir -p "$OUT_DIR"
install -m 0755 "$WORK/build/mediasoup-worker" "$OUT_DIR/mediasoup-worker.tmp"
mv -f "$OUT_DIR/mediasoup-worker.tmp" "$BIN"
ln -sfn "$(basename "$OUT_DIR")" "$VERSION_DIR/current"
log "built: $BIN"
echo "$BIN"
