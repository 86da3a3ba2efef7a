#!/usr/bin/env bash
# Fetches the peers that ship in npm packages, for `zyphyr bench` only:
#   hnswlib 0.8  (headers inside hnswlib-node@3.0.0)
#   usearch 2.26 (usearch@2.26.2: its C++ headers, NumKong's headers, C sources
#                 and ISA probes, and the binding.gyp that says how to build them)
# into third_party/npm/ (ignored by git; never committed). Only `npm pack`
# talks to the network. Idempotent: a package already unpacked is kept.
# Tolerant: a package that cannot be fetched is skipped with a line saying so,
# and the script still exits 0; CMake then builds without that peer.
#
#   scripts/fetch_peers.sh [DEST]   (default: <repo>/third_party/npm)
set -uo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="${1:-$ROOT/third_party/npm}"
mkdir -p "$DEST" || { echo "fetch_peers: cannot create $DEST; peers skipped"; exit 0; }

# fetch SPEC DIR MEMBERS...: npm pack SPEC, unpack MEMBERS (paths under package/) into DEST/DIR.
fetch() {
  local spec="$1" dir="$2"
  shift 2
  if [ -f "$DEST/$dir/.complete" ]; then
    echo "fetch_peers: $spec already in $DEST/$dir"
    return 0
  fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "fetch_peers: npm not found; peer $spec skipped"
    return 1
  fi
  local tmp
  tmp="$(mktemp -d)"
  local tarball
  if ! tarball="$(cd "$tmp" && npm pack --loglevel=error --fetch-retries=1 "$spec" 2>"$tmp/npm.err" | tail -n 1)" || [ ! -f "$tmp/$tarball" ]; then
    echo "fetch_peers: npm pack $spec failed; peer skipped ($(grep -m1 "npm error" "$tmp/npm.err" 2>/dev/null))"
    rm -rf "$tmp"
    return 1
  fi
  rm -rf "${DEST:?}/$dir"
  mkdir -p "$DEST/$dir"
  if ! tar -xzf "$tmp/$tarball" -C "$DEST/$dir" --strip-components=1 --wildcards "$@"; then
    echo "fetch_peers: $tarball lacks the expected files; peer $spec skipped"
    rm -rf "$tmp" "${DEST:?}/$dir"
    return 1
  fi
  echo "$spec" >"$DEST/$dir/.complete"
  rm -rf "$tmp"
  echo "fetch_peers: $spec unpacked into $DEST/$dir"
}

fetch hnswlib-node@3.0.0 hnswlib-node-3.0.0 \
  'package/package.json' 'package/LICENSE*' 'package/src/hnswlib/*.h' 'package/src/hnswlib/LICENSE'
fetch usearch@2.26.2 usearch-2.26.2 \
  'package/package.json' 'package/LICENSE' 'package/binding.gyp' 'package/include/usearch/*.hpp' \
  'package/numkong/LICENSE' 'package/numkong/numkong.gypi' 'package/numkong/include/*' \
  'package/numkong/c/*' 'package/numkong/probes/*'
exit 0
