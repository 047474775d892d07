# patbot_add_test(<name> SOURCES <files...> LIBS <targets...>): one GoogleTest executable whose
# tests CTest discovers. Tests find the build tree (for the patbot binary and the fakes) through
# PATBOT_BUILD_DIR and the sources through PATBOT_SOURCE_DIR.
function(patbot_add_test name)
  if(NOT PATBOT_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gtest_main GTest::gmock patbot_flags)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
    PROPERTIES ENVIRONMENT "PATBOT_BUILD_DIR=${PROJECT_BINARY_DIR};PATBOT_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
endfunction()
