#pragma once
// ATRIUM_CHECK aborts in every build when an internal invariant is broken. Never use it on
// conditions that input or the environment can cause: those are Errors.

#include <cstdio>
#include <cstdlib>

#define ATRIUM_CHECK(cond, why)                                                               \
  do {                                                                                        \
    if (!(cond)) {                                                                            \
      std::fprintf(stderr, "%s:%d: check failed: %s (%s)\n", __FILE__, __LINE__, #cond, why); \
      std::abort();                                                                           \
    }                                                                                         \
  } while (false)
