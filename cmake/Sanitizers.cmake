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
  # GCC warns that TSan does not model std::atomic_thread_fence, which Boost.Asio uses around
  # handler invocation (std_fenced_block); the hand-offs that matter to us go through mutexes.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    add_compile_options(-Wno-tsan)
  endif()
  add_link_options(-fsanitize=thread)
endif()
