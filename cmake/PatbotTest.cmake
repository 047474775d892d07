# patbot_add_test(<name> SOURCES <files...> LIBS <targets...>): one GoogleTest executable whose
# tests CTest discovers. Tests find the build tree (for the patbot binary and the fakes) and the
# sources through the environment (PATBOT_BUILD_DIR, PATBOT_SOURCE_DIR) when set, else through
# the PATBOT_TEST_BUILD_DIR / PATBOT_TEST_SOURCE_DIR macros baked in here. (gtest_discover_tests
# splits a list-valued ENVIRONMENT property, so ctest can hand only one variable over.)
function(patbot_add_test name)
  if(NOT PATBOT_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gtest_main GTest::gmock patbot_flags)
  target_compile_definitions(${name} PRIVATE PATBOT_TEST_BUILD_DIR="${PROJECT_BINARY_DIR}"
                                             PATBOT_TEST_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
    PROPERTIES ENVIRONMENT "PATBOT_BUILD_DIR=${PROJECT_BINARY_DIR}")
endfunction()
