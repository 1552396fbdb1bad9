# ASan + UBSan for the test build (the `dev` and `ci` presets turn this on).
if(ATRIUM_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
                      -D_GLIBCXX_ASSERTIONS)
  add_link_options(-fsanitize=address,undefined)
endif()
# ThreadSanitizer for the concurrency tests (the `tsan` preset; tools/test.sh builds only the
# test targets that run threads). It cannot be combined with ASan.
if(ATRIUM_TSAN)
  if(ATRIUM_SANITIZE)
    message(FATAL_ERROR "ATRIUM_TSAN and ATRIUM_SANITIZE exclude each other")
  endif()
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
endif()
