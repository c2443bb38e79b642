// FeaturePipeline as a whole: mixed tables, JSON round trips, column
// matching by name, threading and error reporting.
#include <gtest/gtest.h>

#include <chrono>
#include <random>

#include "core/error.h"
#include "feature_test_util.h"
#include "features/feature_pipeline.h"

namespace tabpilot {
namespace {

using testing::CategoricalColumn;
using testing::kNaN;
using testing::MakeTable;
using testing::NumericColumn;
using testing::SameMatrix;
using testing::TextColumn;

// A deterministic table with every column kind and some missing values.
Table MixedTable(size_t rows, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<double> num, flag, when;
  std::vector<std::string> color, city, text;
  std::vector<size_t> missing_text;
  const std::vector<std::string> colors = {"red", "green", "blue", "black"};
  for (size_t r = 0; r < rows; ++r) {
    num.push_back(rng() % 7 == 0 ? kNaN : static_cast<double>(rng() % 1000) / 10.0);
    flag.push_back(rng() % 9 == 0 ? kNaN : static_cast<double>(rng() % 2));
    when.push_back(rng() % 11 == 0 ? kNaN : 1.6e9 + static_cast<double>(rng() % 100000000));
    color.push_back(rng() % 13 == 0 ? "" : colors[rng() % colors.size()]);
    city.push_back("city" + std::to_string(rng() % 40));
    text.push_back("word" + std::to_string(rng() % 5) + " Word" + std::to_string(rng() % 5) + " x");
    if (rng() % 17 == 0) missing_text.push_back(r);
  }
  return MakeTable({NumericColumn("num", num), NumericColumn("flag", flag, ColumnType::kBoolean),
                    NumericColumn("when", when, ColumnType::kDatetime), CategoricalColumn("color", color),
                    CategoricalColumn("city", city), TextColumn("text", text, missing_text),
                    NumericColumn("target", std::vector<double>(rows, 1))});
}

const std::vector<std::string> kInputs = {"num", "flag", "when", "color", "city", "text"};

std::vector<FeatureOptions> AllFlavors() {
  FeatureOptions tree, native, dense;
  native.native_categorical = true;
  dense.encoding = Encoding::kDense;
  return {tree, native, dense};
}

TEST(FeaturePipeline, JsonRoundTripGivesIdenticalMatrices) {
  Table train = MixedTable(600, 1);
  Table test = MixedTable(200, 2);
  for (const FeatureOptions& o : AllFlavors()) {
    auto p = FeaturePipeline::Fit(train, kInputs, o);
    std::string saved = p.ToJson().dump();
    auto q = FeaturePipeline::FromJson(Json::parse(saved));
    EXPECT_EQ(q.feature_names(), p.feature_names());
    EXPECT_EQ(q.input_columns(), kInputs);
    EXPECT_EQ(q.categorical_feature_indices(), p.categorical_feature_indices());
    EXPECT_EQ(q.categorical_feature_sizes(), p.categorical_feature_sizes());
    EXPECT_TRUE(SameMatrix(p.Transform(test, 1), q.Transform(test, 1))) << EncodingName(o.encoding);
    EXPECT_EQ(q.ToJson().dump(), saved);
  }
}

TEST(FeaturePipeline, ShapesAndNoNaNInDense) {
  Table train = MixedTable(600, 3);
  FeatureOptions dense;
  dense.encoding = Encoding::kDense;
  auto p = FeaturePipeline::Fit(train, kInputs, dense);
  Matrix m = p.Transform(train, 2);
  EXPECT_EQ(m.rows, 600u);
  EXPECT_EQ(m.cols, p.feature_names().size());
  for (float v : m.values) ASSERT_FALSE(std::isnan(v));
  // "num" is first: standardized over the training rows (missing -> median).
  double sum = 0;
  for (size_t r = 0; r < m.rows; ++r) sum += m.at(r, 0);
  EXPECT_NEAR(sum / 600, 0.0, 0.1);

  FeatureOptions native;
  native.native_categorical = true;
  auto t = FeaturePipeline::Fit(train, kInputs, native);
  ASSERT_EQ(t.categorical_feature_indices().size(), 2u);  // color, city
  EXPECT_EQ(t.feature_names()[t.categorical_feature_indices()[0]], "color");
  EXPECT_EQ(t.feature_names()[t.categorical_feature_indices()[1]], "city");
  EXPECT_EQ(t.categorical_feature_sizes()[0], 4);
}

TEST(FeaturePipeline, ThreadsDoNotChangeTheResult) {
  Table train = MixedTable(5000, 4);  // enough rows for several workers
  for (const FeatureOptions& o : AllFlavors()) {
    auto p = FeaturePipeline::Fit(train, kInputs, o);
    EXPECT_TRUE(SameMatrix(p.Transform(train, 1), p.Transform(train, 4)));
  }
}

TEST(FeaturePipeline, MatchesColumnsByNameIgnoringOthers) {
  Table train = MixedTable(300, 5);
  auto p = FeaturePipeline::Fit(train, {"color", "num"}, FeatureOptions{});
  EXPECT_EQ(p.input_columns(), std::vector<std::string>({"color", "num"}));
  // Same data, columns in another order, plus an unrelated column, minus unused ones.
  Table shuffled;
  shuffled.AddColumn(NumericColumn("unrelated", std::vector<double>(300, 0)));
  shuffled.AddColumn(train.Get("num"));
  shuffled.AddColumn(train.Get("color"));
  EXPECT_TRUE(SameMatrix(p.Transform(train, 1), p.Transform(shuffled, 1)));
}

TEST(FeaturePipeline, MissingRequiredColumnIsInvalidInput) {
  Table train = MixedTable(100, 6);
  auto p = FeaturePipeline::Fit(train, {"num", "color"}, FeatureOptions{});
  Table request = MakeTable({NumericColumn("num", {1.0})});
  try {
    p.Transform(request, 1);
    FAIL() << "expected InvalidInput";
  } catch (const InvalidInput& e) {
    EXPECT_STREQ(e.what(), "missing required column 'color'");
  }
  request.set_source("batch.csv");
  try {
    p.Transform(request, 1);
    FAIL() << "expected InvalidInput";
  } catch (const InvalidInput& e) {
    EXPECT_STREQ(e.what(), "batch.csv: missing required column 'color'");
  }
}

TEST(FeaturePipeline, SingleRowRequest) {
  Table train = MixedTable(500, 7);
  auto p = FeaturePipeline::Fit(train, kInputs, FeatureOptions{});
  Matrix all = p.Transform(train, 1);
  Matrix one = p.Transform(train.SelectRows({42}), 2);
  ASSERT_EQ(one.rows, 1u);
  EXPECT_TRUE(SameMatrix(one, all.SelectRows({42})));
}

TEST(FeaturePipeline, FitRejectsBadArguments) {
  Table train = MixedTable(50, 8);
  EXPECT_THROW(FeaturePipeline::Fit(train, {"num", "num"}, FeatureOptions{}), InvalidInput);
  EXPECT_THROW(FeaturePipeline::Fit(train, {"nope"}, FeatureOptions{}), InvalidInput);
  EXPECT_THROW(FeaturePipeline::Fit(train.SelectRows({}), {"num"}, FeatureOptions{}), InvalidInput);
  FeatureOptions bad;
  bad.max_dense_levels = 0;
  EXPECT_THROW(FeaturePipeline::Fit(train, {"num"}, bad), InvalidInput);
  EXPECT_EQ(ParseEncoding("dense"), Encoding::kDense);
  EXPECT_THROW(ParseEncoding("sparse"), InvalidInput);
}

// Expects FromJson(j) to throw InvalidInput whose message contains `needle`.
void ExpectCorrupt(const Json& j, const std::string& needle) {
  try {
    FeaturePipeline::FromJson(j);
    FAIL() << "expected InvalidInput for " << j.dump();
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(FeaturePipeline, FromJsonRejectsCorruptInput) {
  Json good = FeaturePipeline::Fit(MixedTable(200, 9), kInputs, FeatureOptions{}).ToJson();
  ExpectCorrupt(Json::array(), "not a tabpilot feature preprocessing");
  Json newer = good;
  newer["version"] = 99;
  ExpectCorrupt(newer, "newer");
  Json unknown_kind = good;
  unknown_kind["transforms"][0]["kind"] = "wavelet";
  ExpectCorrupt(unknown_kind, "valid: numeric, boolean, categorical, datetime, text");
  Json missing_field = good;
  missing_field["transforms"][3].erase("levels");
  ExpectCorrupt(missing_field, "invalid feature preprocessing");
  Json wrong_type = good;
  wrong_type["transforms"][3]["num_kept"] = "many";
  ExpectCorrupt(wrong_type, "invalid feature preprocessing");
  Json bad_sizes = good;
  bad_sizes["transforms"][3]["num_kept"] = 1000;
  ExpectCorrupt(bad_sizes, "inconsistent");
  Json renamed = good;
  renamed["feature_names"][0] = "other";
  ExpectCorrupt(renamed, "feature names");
  Json zero_dims = good;
  zero_dims["transforms"][5]["dims"] = 0;
  ExpectCorrupt(zero_dims, "hash dimensions");
}

// Each text column may hash into 2^20 dimensions, but a forged file with
// many such columns (a few bytes each) would ask for gigabytes of feature
// names: the sum is capped before any transform is built.
TEST(FeaturePipeline, FromJsonCapsTotalTextHashDimensions) {
  const Json good = FeaturePipeline::Fit(MixedTable(200, 9), kInputs, FeatureOptions{}).ToJson();
  ASSERT_EQ(good["transforms"][5]["kind"], "text");
  Json forged = good;
  forged.erase("feature_names");
  for (int i = 0; i < 64; ++i) {
    Json t = good["transforms"][5];
    t["column"] = "text_" + std::to_string(i);
    t["dims"] = 1 << 20;
    forged["transforms"].push_back(t);
  }
  const auto start = std::chrono::steady_clock::now();
  ExpectCorrupt(forged, "text hash dimensions add up to more than 4194304");
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 1.0);
}

// Found by fuzz_feature_pipeline: an option too large for an int was read
// with get<int>() (undefined behaviour); now it is an error naming it.
TEST(FeaturePipeline, FromJsonRejectsIntegersOutOfRange) {
  const Json good = FeaturePipeline::Fit(MixedTable(200, 9), kInputs, FeatureOptions{}).ToJson();
  for (const Json& bad : {Json(1e300), Json(3.5), Json(uint64_t{1} << 40), Json(-1e20)}) {
    Json j = good;
    j["options"]["rare_min_count"] = bad;
    ExpectCorrupt(j, "rare_min_count is not an integer in range");
  }
}

TEST(FeaturePipeline, UnconvertibleTypeNamesTheColumn) {
  Table train = MixedTable(100, 10);
  auto p = FeaturePipeline::Fit(train, {"when"}, FeatureOptions{});
  try {
    p.Transform(MakeTable({NumericColumn("when", {1}, ColumnType::kBoolean)}), 1);
    FAIL() << "expected InvalidInput";
  } catch (const InvalidInput& e) {
    EXPECT_STREQ(e.what(), "column 'when': expected a datetime column, got boolean");
  }
}

TEST(FeaturePipeline, CopiesShareFittedState) {
  Table train = MixedTable(100, 11);
  auto p = FeaturePipeline::Fit(train, kInputs, FeatureOptions{});
  FeaturePipeline copy = p;
  EXPECT_TRUE(SameMatrix(copy.Transform(train, 1), p.Transform(train, 1)));
}

}  // namespace
}  // namespace tabpilot
