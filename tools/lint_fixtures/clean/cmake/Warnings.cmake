# Not a module: executables may link it without it being a dependency.
add_library(atrium_warnings INTERFACE)
