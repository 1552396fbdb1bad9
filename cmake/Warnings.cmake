# Warnings are errors on our own code only; third-party headers come in as SYSTEM includes.
add_library(atrium_warnings INTERFACE)
target_compile_options(atrium_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual
  -Wold-style-cast -Wimplicit-fallthrough -Werror)
# GCC 12 at -O2/-O3 reports impossible overlaps inside libstdc++'s std::string concatenation
# (GCC bug 105329/105651); the warning fires in the library's inline code, not ours.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(atrium_warnings INTERFACE -Wno-restrict)
endif()
# -Wconversion on the module libraries (atrium_module; ADR 0005): implicit conversions that may
# change a value (size_t to int, double to int64_t) must be spelled out. Sign conversions are
# left out: every size() compared with or passed as an int would need a cast, and -Wall
# already reports signed/unsigned comparisons. g++ only: clang's -Wconversion (the fuzz
# preset) is a different set of warnings. Tests and test helpers are not held to it.
add_library(atrium_conversion_warnings INTERFACE)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(atrium_conversion_warnings INTERFACE -Wconversion -Wno-sign-conversion)
endif()
