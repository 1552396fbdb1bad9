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
