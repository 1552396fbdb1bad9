# atrium_module(<name> SOURCES ... DEPS ... [TESTS ...] [TEST_DEPS ...])
#
# Declares the static library atrium_<name> (includes relative to src/). DEPS is the module's
# allowed-dependency list: tools/lint.sh checks #include lines against it. TESTS are the unit
# test sources that sit beside the code; they build into atrium_<name>_test, labelled `unit`.
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
