// The precompiled header of zyphyr_tests (tests/CMakeLists.txt): what nearly
// every test file parses. Only third-party and standard headers: a change to
// Zyphyr's own headers must not rebuild every test.
#ifndef ZYPHYR_TESTS_PRECOMPILED_H_
#define ZYPHYR_TESTS_PRECOMPILED_H_

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <random>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#endif  // ZYPHYR_TESTS_PRECOMPILED_H_
