// ZYPHYR_CHECK: internal invariants. A failed check is a bug in Zyphyr, not bad
// input, so it aborts with file:line instead of returning a Status.
#ifndef ZYPHYR_SRC_CORE_CHECK_H_
#define ZYPHYR_SRC_CORE_CHECK_H_

#include <cstdio>
#include <cstdlib>

#define ZYPHYR_CHECK(cond)                                                     \
  do {                                                                         \
    if (!(cond)) {                                                             \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                            \
    }                                                                          \
  } while (0)

#endif  // ZYPHYR_SRC_CORE_CHECK_H_
