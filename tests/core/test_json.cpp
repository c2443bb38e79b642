// Reading integers from JSON that may be hostile.
#include <gtest/gtest.h>

#include "core/json.h"

namespace tabpilot {
namespace {

TEST(JsonInteger, AcceptsOnlyIntegersInTheTypesRange) {
  EXPECT_EQ(JsonInteger<int>(Json(42), "n"), 42);
  EXPECT_EQ(JsonInteger<int>(Json(-7), "n"), -7);
  EXPECT_EQ(JsonInteger<size_t>(Json(uint64_t{1} << 40), "n"), size_t{1} << 40);
  EXPECT_EQ(JsonInteger<int64_t>(Json(int64_t{-1} << 50), "n"), int64_t{-1} << 50);
  for (const Json& bad : {Json(1e300), Json(3.5), Json(2147483648LL), Json("3"), Json(true), Json()}) {
    EXPECT_THROW(JsonInteger<int>(bad, "n"), InvalidInput) << bad.dump();
  }
  EXPECT_THROW(JsonInteger<size_t>(Json(-1), "n"), InvalidInput);
  EXPECT_THROW(JsonInteger<uint32_t>(Json(uint64_t{1} << 33), "n"), InvalidInput);
}

TEST(JsonIntegerArray, ChecksEveryElement) {
  EXPECT_EQ(JsonIntegerArray<int64_t>(Json::array({1, -2, 3}), "counts"), (std::vector<int64_t>{1, -2, 3}));
  EXPECT_THROW(JsonIntegerArray<int64_t>(Json::array({1, 2.88889e+75}), "counts"), InvalidInput);
  EXPECT_THROW(JsonIntegerArray<int64_t>(Json(3), "counts"), InvalidInput);
}

}  // namespace
}  // namespace tabpilot
