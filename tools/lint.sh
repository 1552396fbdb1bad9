#!/usr/bin/env bash
# Project rules that the compiler does not check:
#  - banned calls: std::rand, system(, std::regex (use RE2), raw new/delete;
#  - Boost.Beast/Asio only inside src/http/, sqlite3 only inside src/store/, libcurl only inside
#    src/httpclient/;
#  - every module includes only the modules its CMakeLists declares as dependencies.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
fail() { echo "lint: $*"; status=1; }

src=$(git ls-files -co --exclude-standard 'src/**.cc' 'src/**.h' 'src/*.cc')
for f in $src; do
  grep -nE '\bstd::rand\b|[^_a-zA-Z]system\(|std::regex|#include <regex>' "$f" | grep -v NOLINT &&
    fail "$f uses a banned call"
  grep -nE '(^|[^_a-zA-Z:])new [A-Z][A-Za-z_:<>]*[({]' "$f" | grep -v 'NOLINT' | grep -v 'std::unique_ptr<.*>(new' &&
    fail "$f uses raw new"
  grep -nE '^\s*delete [a-z_]' "$f" && fail "$f uses raw delete"
  if [[ "$f" != src/http/* ]] && grep -qE '#include <boost/(beast|asio)' "$f"; then
    fail "$f includes Beast/Asio outside src/http/"
  fi
  if [[ "$f" != src/store/* ]] && grep -qE '#include <sqlite3.h>' "$f"; then
    fail "$f includes sqlite3 outside src/store/"
  fi
  if [[ "$f" != src/httpclient/* ]] && grep -qE '#include <curl/' "$f"; then
    fail "$f includes libcurl outside src/httpclient/ (use httpclient::Client)"
  fi
done

# Include rule: "module/x.h" includes must name the module itself or a declared dependency.
for cm in $(git ls-files -co --exclude-standard 'src/**/CMakeLists.txt'); do
  dir=$(dirname "$cm")
  module=${dir#src/}
  deps=$(tr '\n' ' ' <"$cm" | grep -oE 'atrium_[a-z_]+' | sed 's/^atrium_//' | sort -u)
  # Files of this folder only: sub-folders (store/sqlite) are modules of their own.
  for f in $(git ls-files -co --exclude-standard "$dir/*.cc" "$dir/*.h" | grep -v "^$dir/[^/]*/"); do
    [[ "$f" == *_test.cc ]] && continue
    for inc in $(grep -oE '^#include "[a-z_/]+/[a-z_]+\.h"' "$f" | sed -E 's/#include "(.*)\/[a-z_]+\.h"/\1/'); do
      [[ "$inc" == "$module" ]] && continue
      name=${inc//\//_}
      short=${inc##*/}
      if ! grep -qxE "($name|$short|${short}_strategy|${short}_store|${name}_policy|password_policy|${short/postgres/pg}_store)" <<<"$deps"; then
        # A dependency may come in transitively through a declared module's public headers.
        case "$inc" in base|text|config|store) continue ;; esac
        fail "$f includes $inc/ which $cm does not declare"
      fi
    done
  done
done
[[ $status -eq 0 ]] && echo "lint: clean"
exit $status
