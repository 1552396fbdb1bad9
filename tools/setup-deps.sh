#!/usr/bin/env bash
# Installs the Debian 12 packages Atrium needs, only those that are missing.
#   tools/setup-deps.sh          runtime + build packages
#   tools/setup-deps.sh --test   also the test and benchmark tools
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config ccache
  libboost1.81-dev libboost-url1.81-dev libssl-dev libcurl4-openssl-dev nlohmann-json3-dev
  libre2-dev libargon2-dev libcrypt-dev libsqlite3-dev libyaml-cpp-dev libkainjow-mustache-dev
  libspdlog-dev libfmt-dev libcli11-dev libjsonnet-dev libcbor-dev ca-certificates curl python3
)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(
    clang-format-16 clang-tidy-16 libgtest-dev libgmock-dev json-schema-test-suite sqlite3 wrk
    nghttp2-client chromium
    nodejs npm postgresql-15 clang-16 libfuzzer-16-dev libclang-rt-16-dev
    prometheus
  )
fi

missing=()
for p in "${packages[@]}"; do
  # nodejs/npm may come from another source (e.g. NodeSource); a working binary is enough.
  if [[ "$p" == nodejs ]] && command -v node >/dev/null; then continue; fi
  if [[ "$p" == npm ]] && command -v npm >/dev/null; then continue; fi
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "setup-deps: installing ${missing[*]}"
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
