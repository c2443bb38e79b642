#include "core/parallel.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
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

TEST(ParallelFor, TheLowestChunksErrorWinsWhateverFailedFirst) {
  for (int attempt = 0; attempt < 20; ++attempt) {
    try {
      ParallelFor(4, 4, [](size_t b, size_t, int) {
        // Chunk 0 fails last: the others throw at once.
        if (b == 0) {
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
          throw std::runtime_error("chunk 0");
        }
        throw std::runtime_error("chunk " + std::to_string(b));
      });
      FAIL() << "no exception";
    } catch (const std::runtime_error& e) {
      EXPECT_STREQ(e.what(), "chunk 0");
    }
  }
}

}  // namespace
}  // namespace tabpilot
