#include <gtest/gtest.h>

#include <string>

#include "automl/memory_floor.h"
#include "automl/search_sample.h"
#include "core/error.h"

namespace tabpilot {
namespace {

TEST(MemoryFloor, TheSmallestSearchIsOnTheMinimumSampleOrEveryRowOfASmallerTable) {
  // 20,000 rows of 10 columns at 24 bytes a cell beside the fixed part.
  EXPECT_DOUBLE_EQ(SearchFloorBytes(1000000, 10), kSearchFloorBytes + 20000.0 * 10 * kSearchBytesPerCell);
  EXPECT_DOUBLE_EQ(SearchFloorBytes(kMinSearchSampleRows, 10), SearchFloorBytes(1000000, 10));
  EXPECT_DOUBLE_EQ(SearchFloorBytes(500, 4), kSearchFloorBytes + 500.0 * 4 * kSearchBytesPerCell);
  EXPECT_LT(SearchFloorBytes(500, 4), SearchFloorBytes(501, 4));
}

TEST(MemoryFloor, ALimitBelowTheHeldMemoryPlusTheFloorIsRefusedWithItsParts) {
  const double floor = SearchFloorBytes(1000000, 10);
  EXPECT_NO_THROW(CheckMemoryFloor(50e6, 1000000, 10, 0));  // no limit
  EXPECT_NO_THROW(CheckMemoryFloor(50e6, 1000000, 10, 50e6 + floor));
  try {
    CheckMemoryFloor(50e6, 1000000, 10, 50e6 + floor - 1);
    FAIL() << "a limit one byte short of the floor passed";
  } catch (const InvalidInput& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("--memory-limit 0.0928 GB is below what training needs: about 0.0928 GB"), std::string::npos) << m;
    EXPECT_NE(m.find("0.05 GB held with the table loaded"), std::string::npos) << m;
    EXPECT_NE(m.find("0.0428 GB for a search on 20,000 rows"), std::string::npos) << m;
  }
}

}  // namespace
}  // namespace tabpilot
