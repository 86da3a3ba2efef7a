// Test entry point. When ZYPHYR_ISA forces an ISA this host lacks, the run
// exits 77 so CTest reports it as skipped instead of failed; so does a run
// forcing the ISA CPU detection picks anyway when ZYPHYR_SKIP_DETECTED_ISA is
// set (the per-ISA reruns in tests/CMakeLists.txt: the per-test run is that one).
#include <cstdio>
#include <cstdlib>

#include <gtest/gtest.h>

#include "src/distance/dispatch.h"

int main(int argc, char** argv) {
  if (const char* forced = std::getenv("ZYPHYR_ISA"); forced != nullptr && *forced != '\0') {
    auto isa = zyphyr::ParseIsa(forced);
    if (!isa.ok()) {
      std::fprintf(stderr, "%s\n", isa.status().ToString().c_str());
      return 2;
    }
    if (!zyphyr::HostSupports(*isa)) {
      std::printf("skipped: ZYPHYR_ISA=%s is not supported by this host\n", forced);
      return 77;
    }
    if (std::getenv("ZYPHYR_SKIP_DETECTED_ISA") != nullptr && *isa == zyphyr::SupportedIsas().back()) {
      std::printf("skipped: ZYPHYR_ISA=%s is what CPU detection picks here: the run without it covers it\n", forced);
      return 77;
    }
    std::printf("running with ZYPHYR_ISA=%s\n", forced);
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
