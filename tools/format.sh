#!/usr/bin/env bash
# clang-format-16 over our C++ sources. --check fails on any difference.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files -co --exclude-standard 'src/**.cc' 'src/**.h' 'src/*.cc' 'tests/**.cc' 'tests/**.h' 'bench/**.cc')
if [[ "${1:-}" == "--check" ]]; then
  clang-format-16 --dry-run --Werror "${files[@]}"
  echo "format: ${#files[@]} files clean"
else
  clang-format-16 -i "${files[@]}"
fi
