// Datetime and text columns, both encodings.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "core/hash.h"
#include "feature_test_util.h"
#include "features/feature_pipeline.h"

namespace tabpilot {
namespace {

using testing::CategoricalColumn;
using testing::ExpectRow;
using testing::kNaN;
using testing::kNaNf;
using testing::MakeTable;
using testing::NumericColumn;
using testing::TextColumn;


constexpr double kDay = 86400;
constexpr double k20231114 = 19675 * kDay;                     // a Tuesday
constexpr double k20240229_1230 = 19782 * kDay + 12.5 * 3600;  // a Thursday

Column Dates(std::vector<double> v) { return NumericColumn("d", std::move(v), ColumnType::kDatetime); }

TEST(DatetimeTransform, TreeCalendarPartsWithHour) {
  Table t = MakeTable({Dates({k20231114, k20240229_1230, kNaN})});
  auto p = FeaturePipeline::Fit(t, {"d"}, FeatureOptions{});
  EXPECT_EQ(p.feature_names(), std::vector<std::string>({"d#year", "d#month", "d#day", "d#dow", "d#hour", "d#epoch"}));
  Matrix m = p.Transform(t, 1);
  ExpectRow(m, 0, {2023, 11, 14, 1, 0, static_cast<float>(k20231114)});
  ExpectRow(m, 1, {2024, 2, 29, 3, 12, static_cast<float>(k20240229_1230)});
  ExpectRow(m, 2, {kNaNf, kNaNf, kNaNf, kNaNf, kNaNf, kNaNf});
}

TEST(DatetimeTransform, DateOnlyTrainingHasNoHour) {
  Table t = MakeTable({Dates({k20231114, k20231114 + kDay})});
  auto p = FeaturePipeline::Fit(t, {"d"}, FeatureOptions{});
  EXPECT_EQ(p.feature_names(), std::vector<std::string>({"d#year", "d#month", "d#day", "d#dow", "d#epoch"}));
  // Before 1970 works too: 1969-12-31 was a Wednesday.
  Matrix m = p.Transform(MakeTable({Dates({-kDay})}), 1);
  ExpectRow(m, 0, {1969, 12, 31, 2, static_cast<float>(-kDay)});
}

TEST(DatetimeTransform, DenseStandardizesPartsAndFlagsMissing) {
  // 2020-01-01 and 2022-01-01: year mean 2021, sd 1.
  Table t = MakeTable({Dates({18262 * kDay, 18993 * kDay, kNaN})});
  FeatureOptions o;
  o.encoding = Encoding::kDense;
  auto p = FeaturePipeline::Fit(t, {"d"}, o);
  EXPECT_EQ(p.feature_names(),
            std::vector<std::string>({"d#year", "d#month", "d#day", "d#dow", "d#epoch", "d#missing"}));
  Matrix m = p.Transform(t, 1);
  EXPECT_FLOAT_EQ(m.at(0, 0), -1);
  EXPECT_FLOAT_EQ(m.at(1, 0), 1);
  EXPECT_FLOAT_EQ(m.at(2, 0), 0);  // median-imputed
  EXPECT_FLOAT_EQ(m.at(0, 1), 0);  // constant month -> 0
  EXPECT_FLOAT_EQ(m.at(2, 5), 1);
  EXPECT_FLOAT_EQ(m.at(0, 5), 0);
  for (float v : m.values) EXPECT_FALSE(std::isnan(v));
}

TEST(DatetimeTransform, ParsesIsoStringsAndRejectsOthers) {
  auto p = FeaturePipeline::Fit(MakeTable({Dates({k20240229_1230})}), {"d"}, FeatureOptions{});
  Matrix m = p.Transform(MakeTable({TextColumn("d", {"2024-02-29T12:30:00Z", "2023-11-14", ""}, {2})}), 1);
  EXPECT_EQ(m.at(0, 5), static_cast<float>(k20240229_1230));
  EXPECT_EQ(m.at(1, 4), 0);
  EXPECT_EQ(m.at(1, 2), 14);
  EXPECT_TRUE(std::isnan(m.at(2, 0)));
  EXPECT_THROW(p.Transform(MakeTable({CategoricalColumn("d", {"14/11/2023"})}), 1), InvalidInput);
  EXPECT_THROW(p.Transform(MakeTable({CategoricalColumn("d", {"2023-02-30"})}), 1), InvalidInput);
  EXPECT_THROW(p.Transform(MakeTable({NumericColumn("d", {1}, ColumnType::kBoolean)}), 1), InvalidInput);
}

// The expected hashed counts of a lowercased token list, computed independently.
std::vector<float> ExpectedHashes(const std::vector<std::string>& tokens, size_t dims) {
  std::vector<float> counts(dims, 0);
  for (size_t i = 0; i < tokens.size(); ++i) {
    counts[Fnv1a64(tokens[i]) % dims] += 1;
    if (i > 0) counts[Fnv1a64(tokens[i - 1] + " " + tokens[i]) % dims] += 1;
  }
  for (float& c : counts) c = std::log1p(c);
  return counts;
}

TEST(TextTransform, TreeHashesWordsAndBigramsLowercased) {
  FeatureOptions o;
  o.text_hash_dims = 8;
  Table t = MakeTable({TextColumn("t", {"Hello, HELLO world!", "café au lait", ""}, {2})});
  auto p = FeaturePipeline::Fit(t, {"t"}, o);
  ASSERT_EQ(p.feature_names().size(), 10u);
  EXPECT_EQ(p.feature_names()[0], "t#hash0");
  EXPECT_EQ(p.feature_names()[8], "t#chars");
  EXPECT_EQ(p.feature_names()[9], "t#words");
  Matrix m = p.Transform(t, 1);
  std::vector<float> row0 = ExpectedHashes({"hello", "hello", "world"}, 8);
  row0.push_back(19);
  row0.push_back(3);
  ExpectRow(m, 0, row0);
  std::vector<float> row1 = ExpectedHashes({"café", "au", "lait"}, 8);
  row1.push_back(12);  // UTF-8 characters, not bytes
  row1.push_back(3);
  ExpectRow(m, 1, row1);
  ExpectRow(m, 2, std::vector<float>(10, kNaNf));
}

TEST(TextTransform, DefaultDimsPerEncoding) {
  Table t = MakeTable({TextColumn("t", {"a b", "c"})});
  EXPECT_EQ(FeaturePipeline::Fit(t, {"t"}, FeatureOptions{}).feature_names().size(), 64u + 2);
  FeatureOptions dense;
  dense.encoding = Encoding::kDense;
  EXPECT_EQ(FeaturePipeline::Fit(t, {"t"}, dense).feature_names().size(), 256u + 2);
}

TEST(TextTransform, DenseStandardizesLogLengthsAndFlagsMissing) {
  FeatureOptions o;
  o.encoding = Encoding::kDense;
  o.text_hash_dims = 4;
  Table t = MakeTable({TextColumn("t", {"one", "one two three", "x"}, {2})});
  auto p = FeaturePipeline::Fit(t, {"t"}, o);
  EXPECT_EQ(p.feature_names().back(), "t#missing");
  Matrix m = p.Transform(t, 1);
  // Two non-missing texts: log(1+words) standardizes to -1 and +1.
  EXPECT_FLOAT_EQ(m.at(0, 5), -1);
  EXPECT_FLOAT_EQ(m.at(1, 5), 1);
  EXPECT_FLOAT_EQ(m.at(2, 5), 0);  // missing: median of the two
  EXPECT_FLOAT_EQ(m.at(2, 6), 1);
  for (size_t c = 0; c < 4; ++c) EXPECT_EQ(m.at(2, c), 0);
  for (float v : m.values) EXPECT_FALSE(std::isnan(v));
}

TEST(TextTransform, AcceptsCategoricalInput) {
  FeatureOptions o;
  o.text_hash_dims = 8;
  auto p = FeaturePipeline::Fit(MakeTable({TextColumn("t", {"red car"})}), {"t"}, o);
  Matrix a = p.Transform(MakeTable({TextColumn("t", {"Red car"})}), 1);
  Matrix b = p.Transform(MakeTable({CategoricalColumn("t", {"red CAR"})}), 1);
  EXPECT_TRUE(testing::SameMatrix(a, b));
}

}  // namespace
}  // namespace tabpilot
