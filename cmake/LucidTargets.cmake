# Helpers that give every Lucid target the same flags.
# -Wno-maybe-uninitialized, -Wno-restrict: g++ 12 reports false positives inside
# libstdc++ string code at -O2/-O3 (GCC bugs 105329, 105651).
set(LUCID_WARNINGS -Wall -Wextra -Werror -Wno-missing-field-initializers)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  list(APPEND LUCID_WARNINGS -Wno-maybe-uninitialized -Wno-restrict)
endif()
set(LUCID_SANITIZER_FLAGS "")
if(LUCID_SANITIZE)
  set(LUCID_SANITIZER_FLAGS -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_compile_options(${LUCID_SANITIZER_FLAGS})
  add_link_options(${LUCID_SANITIZER_FLAGS})
endif()

# lucid_library(NAME SRCS ... DEPS ...)
function(lucid_library name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SRCS})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(${name} PRIVATE ${LUCID_WARNINGS})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

# lucid_test(NAME SRCS ... DEPS ... [LABELS ...])
function(lucid_test name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS;LABELS" ${ARGN})
  if(NOT LUCID_BUILD_TESTS)
    return()
  endif()
  add_executable(${name} ${ARG_SRCS})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/tests)
  target_compile_options(${name} PRIVATE ${LUCID_WARNINGS})
  target_compile_definitions(${name} PRIVATE
    LUCID_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    LUCID_SHARED_DIR="${PROJECT_SOURCE_DIR}/../shared")
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 TEST_LIST ${name}_TESTS)
  # gtest_discover_tests splits a multi-valued LABELS property, so labels are
  # set by a CTest include file that runs after the discovered tests' own.
  set(labels unit ${ARG_LABELS})
  file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/${name}_labels.cmake
    "if(DEFINED ${name}_TESTS)\n"
    "  set_tests_properties(\${${name}_TESTS} PROPERTIES LABELS \"${labels}\")\n"
    "endif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${CMAKE_CURRENT_BINARY_DIR}/${name}_labels.cmake)
endfunction()
