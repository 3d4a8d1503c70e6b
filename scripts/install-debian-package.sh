#!/usr/bin/env bash
# Installs Debian packages the tests and benchmarks drive (chromium, wrk). Needs root (or sudo).
set -euo pipefail
as_root=()
[ "$(id -u)" = 0 ] || as_root=(sudo)
"${as_root[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends "$@"
