// Reading integers from JSON that may be hostile; parsing JSON as Json::parse does.
#include <gtest/gtest.h>

#include "core/json.h"
#include "core/json_parse.h"

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

TEST(ParseJson, GivesWhatJsonParseGives) {
  // Key order, repeated keys (first place, last value), nesting, every value
  // type, and objects past the size where keys are found through an index.
  std::string big = "{";
  for (int i = 0; i < 200; ++i) big += (i ? ",\"k" : "\"k") + std::to_string(i % 150) + "\":" + std::to_string(i);
  big += ",\"nested\":{\"z\":[1,{\"b\":2,\"a\":3,\"b\":4}],\"y\":null}}";
  const std::vector<std::string> docs = {"{}",
                                         "[]",
                                         "3",
                                         "-7",
                                         "18446744073709551615",
                                         "1.5e300",
                                         "\"\\u00e9t\\u00e9\"",
                                         "true",
                                         "null",
                                         R"({"b":1,"a":[true,false,null,"s",-2,3.25,{"c":{}}],"b":2})",
                                         R"([{"x":1},{"x":2,"x":3},[[]]])",
                                         big};
  for (const std::string& doc : docs) {
    const Json want = Json::parse(doc);
    const Json got = ParseJson(doc);
    EXPECT_EQ(got, want) << doc;
    EXPECT_EQ(got.dump(), want.dump()) << doc;  // the same key order
  }
  EXPECT_EQ(ParseJson(big).at("k3").get<int>(), 153);  // the last value of a repeated key
}

TEST(ParseJson, FailsAsJsonParseFails) {
  for (const std::string bad : {"", "{", R"({"a":})", "[1,]", "{\"a\" 1}", "tru", "1e999999", "[1] x"}) {
    std::string want, got;
    try {
      EXPECT_TRUE(Json::parse(bad).is_null()) << "parsed: " << bad;
    } catch (const Json::exception& e) {
      want = e.what();
    }
    try {
      EXPECT_TRUE(ParseJson(bad).is_null()) << "parsed: " << bad;
    } catch (const Json::exception& e) {
      got = e.what();
    }
    EXPECT_FALSE(want.empty()) << bad;
    EXPECT_EQ(got, want) << bad;
  }
}

}  // namespace
}  // namespace tabpilot
