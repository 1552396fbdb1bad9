# Every third-party library Atrium uses, found once. Versions are Debian 12's (see STACK.md).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
# Boost 1.81 ships its own CMake package (the FindBoost module of CMake 3.25 predates it and warns).
find_package(Boost 1.81.0 EXACT REQUIRED CONFIG COMPONENTS url)
find_package(OpenSSL 3.0 REQUIRED)
find_package(CURL REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(yaml-cpp 0.7 REQUIRED)
find_package(fmt 9 REQUIRED)
find_package(spdlog 1.10 REQUIRED)
find_package(CLI11 2.1 REQUIRED)
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
pkg_check_modules(ARGON2 REQUIRED IMPORTED_TARGET libargon2)
pkg_check_modules(XCRYPT REQUIRED IMPORTED_TARGET libxcrypt)
pkg_check_modules(CBOR REQUIRED IMPORTED_TARGET libcbor)
# libjsonnet (Debian's libjsonnet-dev ships no CMake or pkg-config file): the C API only.
# libcurl, libpq and libjsonnet are not linked but loaded at their first use (dlopen; see
# base/shared_library.h): found here for their headers and to fail early when one is missing.
find_path(JSONNET_INCLUDE_DIR libjsonnet.h REQUIRED)
find_library(JSONNET_LIBRARY jsonnet REQUIRED)
if(ATRIUM_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
