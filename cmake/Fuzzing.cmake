# Coverage-guided fuzzing with libFuzzer (the `fuzz` preset; docs/fuzzing.md). Every library is
# instrumented for coverage (fuzzer-no-link) on top of ASan + UBSan (ATRIUM_SANITIZE); only the
# executables under tests/fuzz/ link libFuzzer's main (atrium_fuzz_target below).
if(NOT ATRIUM_FUZZ)
  return()
endif()
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(WARNING "ATRIUM_FUZZ needs clang (libFuzzer): fuzz targets are not built with "
                  "${CMAKE_CXX_COMPILER_ID}; use the `fuzz` preset (clang-16)")
  set(ATRIUM_FUZZ OFF)
  return()
endif()
if(NOT ATRIUM_SANITIZE)
  message(FATAL_ERROR "ATRIUM_FUZZ needs ATRIUM_SANITIZE=ON (findings are sanitizer reports)")
endif()
# -O1: fast enough to run many inputs, still readable stacks.
add_compile_options(-fsanitize=fuzzer-no-link -O1)

# atrium_fuzz_target(<name> SOURCES ... DEPS ...): the libFuzzer executable fuzz_<name>.
function(atrium_fuzz_target name)
  cmake_parse_arguments(F "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(fuzz_${name} ${F_SOURCES})
  target_link_libraries(fuzz_${name} PRIVATE ${F_DEPS} atrium_warnings)
  target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
endfunction()
