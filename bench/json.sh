#!/usr/bin/env bash
# bench/json.sh — hostmix's JSON writer and reader (core/json.c) against
# jansson on the per-request work of the app role and the load driver and
# on a stored result.json; prints ns per document and jansson / hostmix
# (above 1: jansson is slower).  docs/core.md says why hostmix keeps its
# own.  Needs libjansson-dev (scripts/deps.sh bench) and a built
# build/libhostmix.a.
#
#   bench/json.sh [RESULT.json]   (default tests/fixtures/results/full/quick.json)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$here/..
pkg-config --exists jansson || { echo "bench/json.sh: libjansson-dev is needed (scripts/deps.sh bench)"; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cc -std=c11 -D_GNU_SOURCE -O2 -I"$root/src" "$here/json_peer.c" "$here/json_peer_jansson.c" \
    "$root/build/libhostmix.a" $(pkg-config --cflags --libs jansson) -lm -o "$out/json_peer"
"$out/json_peer" "${1:-$root/tests/fixtures/results/full/quick.json}"
