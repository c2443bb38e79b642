#include "core/parallel.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <vector>

namespace tabpilot {
namespace {

TEST(ParallelFor, CoversEveryIndexOnce) {
  for (int threads : {1, 2, 7}) {
    std::vector<std::atomic<int>> hits(1000);
    ParallelFor(hits.size(), threads, [&](size_t b, size_t e, int) {
      for (size_t i = b; i < e; ++i) hits[i]++;
    });
    for (auto& h : hits) EXPECT_EQ(h.load(), 1);
  }
}

TEST(ParallelFor, RethrowsWorkerException) {
  EXPECT_THROW(ParallelFor(10, 2, [](size_t b, size_t, int) {
                 if (b == 0) throw std::runtime_error("boom");
               }),
               std::runtime_error);
}

}  // namespace
}  // namespace tabpilot
