# Warnings are errors on our own code only; third-party headers come in as SYSTEM includes.
add_library(atrium_warnings INTERFACE)
target_compile_options(atrium_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual
  -Wold-style-cast -Wimplicit-fallthrough -Werror)
