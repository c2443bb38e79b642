// The log's number formats (core/log.h).
#include <gtest/gtest.h>

#include "core/log.h"

namespace tabpilot {
namespace {

TEST(FormatCount, ThousandsSeparated) {
  EXPECT_EQ(FormatCount(0), "0");
  EXPECT_EQ(FormatCount(999), "999");
  EXPECT_EQ(FormatCount(1000), "1,000");
  EXPECT_EQ(FormatCount(128571), "128,571");
  EXPECT_EQ(FormatCount(10000000), "10,000,000");
}

TEST(FormatSeconds, TenthsBelowAMinuteMinutesAbove) {
  EXPECT_EQ(FormatSeconds(12.34), "12.3s");
  EXPECT_EQ(FormatSeconds(65), "1m05s");
}

}  // namespace
}  // namespace tabpilot
