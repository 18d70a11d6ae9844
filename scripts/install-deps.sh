#!/bin/sh
# Installs the Debian 12 packages weft needs to build, test and benchmark.
# Idempotent and quiet when everything is already there. Run as root (or with sudo).
set -eu

BUILD="gcc make meson ninja-build pkg-config python3
       libcurl4-openssl-dev libjansson-dev libxxhash-dev
       libidn2-dev libpsl-dev libmicrohttpd-dev libxml2-dev zlib1g-dev ca-certificates"
# clang for the fuzz stage (fuzz/run.sh, .ci/run): Debian 12's clang is clang-14, whose libFuzzer
# (-fsanitize=fuzzer) and sanitizer runtimes are in libclang-rt-14-dev, only a Recommends of it.
# openssl makes the self-signed certificate of the hostile TLS scenario (tests/http).
TEST="postgresql-doc-15 clang libclang-rt-14-dev openssl"

want="$BUILD"
[ "${1:-}" = "--test" ] && want="$BUILD $TEST"
[ "${1:-}" = "--bench" ] && want="$BUILD $TEST wget2 wrk gnuplot-nox golang-go golang-golang-x-net-dev time"

missing=""
for p in $want; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "install-deps: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
