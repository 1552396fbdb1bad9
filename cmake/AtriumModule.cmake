# atrium_module(<name> SOURCES ... DEPS ... [TESTS ...] [TEST_DEPS ...])
#
# Declares the static library atrium_<name> (includes relative to src/). TESTS are the unit
# test sources that sit beside the code; they build into atrium_<name>_test, labelled `unit`.
#
# These calls are the one table of the dependency rule (ARCHITECTURE.md), which
# tools/deprule.py (run by tools/lint.sh) reads and checks every quoted #include of src/ against:
#  - SOURCES may include the module itself and the modules of DEPS (atrium_<module>), direct
#    dependencies only: nothing is allowed transitively or always (not even base);
#  - TESTS may include those and the modules of TEST_DEPS;
#  - every .cc/.h belongs to one module: listed in SOURCES or TESTS, or a header beside its .cc,
#    or any other file of a folder that holds a single module. A folder may hold several modules
#    (src/strategy/password); the module's folder is the one of the CMakeLists.txt.
#  - an executable declared beside the modules (add_executable: src/main.cc, hash_bench.cc) may
#    include the modules it links (target_link_libraries).
# Non-module entries of DEPS (spdlog::spdlog) are third-party libraries and are not checked.
# ARCHITECTURE.md's diagram is printed from this table: tools/lint.sh --write-diagram.
function(atrium_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS;TESTS;TEST_DEPS" ${ARGN})
  add_library(atrium_${name} STATIC ${M_SOURCES})
  target_include_directories(atrium_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(atrium_${name} PUBLIC ${M_DEPS} PRIVATE atrium_warnings)
  if(ATRIUM_BUILD_TESTS AND M_TESTS)
    add_executable(atrium_${name}_test ${M_TESTS})
    target_link_libraries(atrium_${name}_test PRIVATE atrium_${name} ${M_TEST_DEPS}
                          GTest::gtest_main GTest::gmock atrium_warnings)
    gtest_discover_tests(atrium_${name}_test DISCOVERY_MODE PRE_TEST
                         PROPERTIES LABELS unit ENVIRONMENT "ATRIUM_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
  endif()
endfunction()

# atrium_testing(<name> SOURCES ... DEPS ...)
#
# A library of test helpers beside a module (in-memory fakes, loopback servers that misbehave
# on purpose): atrium_<name>_testing, built only with the tests. Everything in it is test code;
# only TEST_DEPS may name it (tools/deprule.py checks both).
function(atrium_testing name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS" ${ARGN})
  if(ATRIUM_BUILD_TESTS)
    add_library(atrium_${name}_testing STATIC ${M_SOURCES})
    target_include_directories(atrium_${name}_testing PUBLIC ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(atrium_${name}_testing PUBLIC ${M_DEPS} PRIVATE atrium_warnings)
  endif()
endfunction()
