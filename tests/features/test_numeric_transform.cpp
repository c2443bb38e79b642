// Numeric and boolean columns through FeaturePipeline, both encodings.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
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


FeatureOptions Dense() {
  FeatureOptions o;
  o.encoding = Encoding::kDense;
  return o;
}

TEST(NumericTransform, TreePassesValuesAndNaN) {
  Table t = MakeTable({NumericColumn("x", {1, kNaN, 3.5})});
  auto p = FeaturePipeline::Fit(t, {"x"}, FeatureOptions{});
  EXPECT_EQ(p.feature_names(), std::vector<std::string>({"x"}));
  Matrix m = p.Transform(t, 1);
  ASSERT_EQ(m.rows, 3u);
  ExpectRow(m, 0, {1});
  ExpectRow(m, 1, {kNaNf});
  ExpectRow(m, 2, {3.5f});
}

TEST(NumericTransform, DenseImputesMedianStandardizesAndFlagsMissing) {
  Table t = MakeTable({NumericColumn("x", {1, 2, 3, 4, kNaN})});
  auto p = FeaturePipeline::Fit(t, {"x"}, Dense());
  EXPECT_EQ(p.feature_names(), std::vector<std::string>({"x", "x#missing"}));
  Matrix m = p.Transform(t, 1);
  // mean 2.5, population sd sqrt(1.25), median 2.5.
  const float sd = std::sqrt(1.25f);
  ExpectRow(m, 0, {-1.5f / sd, 0});
  ExpectRow(m, 3, {1.5f / sd, 0});
  ExpectRow(m, 4, {0, 1});
}

TEST(NumericTransform, DenseStatisticsComeFromTrainingRowsOnly) {
  Table train = MakeTable({NumericColumn("x", {0, 10})});
  auto p = FeaturePipeline::Fit(train, {"x"}, Dense());
  EXPECT_EQ(p.feature_names().size(), 1u);  // no missing in training -> no indicator
  Table test = MakeTable({NumericColumn("x", {20, 100, kNaN})});
  Matrix m = p.Transform(test, 1);
  ExpectRow(m, 0, {3});  // (20 - 5) / 5
  ExpectRow(m, 1, {5});  // 19 sd, clipped to 5
  ExpectRow(m, 2, {0});  // median 5

  FeatureOptions no_clip = Dense();
  no_clip.dense_clip_sd = 0;
  Matrix unclipped = FeaturePipeline::Fit(train, {"x"}, no_clip).Transform(test, 1);
  EXPECT_FLOAT_EQ(unclipped.at(1, 0), 19);
}

TEST(NumericTransform, ConstantTrainingColumnKeepsUnitScale) {
  Table train = MakeTable({NumericColumn("x", {7, 7, 7})});
  auto p = FeaturePipeline::Fit(train, {"x"}, Dense());
  Matrix m = p.Transform(MakeTable({NumericColumn("x", {9, 7})}), 1);
  ExpectRow(m, 0, {2});
  ExpectRow(m, 1, {0});
}

TEST(NumericTransform, InfinityIsMissing) {
  Table t = MakeTable({NumericColumn("x", {1, INFINITY, 3})});
  Matrix m = FeaturePipeline::Fit(t, {"x"}, FeatureOptions{}).Transform(t, 1);
  EXPECT_TRUE(std::isnan(m.at(1, 0)));
}

TEST(NumericTransform, ReadsNumbersFromStringColumns) {
  auto p = FeaturePipeline::Fit(MakeTable({NumericColumn("x", {1, 2})}), {"x"}, FeatureOptions{});
  Matrix m = p.Transform(MakeTable({CategoricalColumn("x", {"3", "", " 2.5e1 "})}), 1);
  ExpectRow(m, 0, {3});
  ExpectRow(m, 1, {kNaNf});
  ExpectRow(m, 2, {25});
  try {
    p.Transform(MakeTable({CategoricalColumn("x", {"3", "abc"})}), 1);
    FAIL() << "expected InvalidInput";
  } catch (const InvalidInput& e) {
    EXPECT_STREQ(e.what(), "column 'x': cannot read 'abc' as a number (row 2)");
  }
}

TEST(BooleanTransform, TreeGivesZeroOneNaN) {
  Table t = MakeTable({NumericColumn("b", {1, 0, kNaN}, ColumnType::kBoolean)});
  auto p = FeaturePipeline::Fit(t, {"b"}, FeatureOptions{});
  EXPECT_EQ(p.feature_names(), std::vector<std::string>({"b"}));
  Matrix m = p.Transform(t, 1);
  ExpectRow(m, 0, {1});
  ExpectRow(m, 1, {0});
  ExpectRow(m, 2, {kNaNf});
}

TEST(BooleanTransform, DenseFillsMajorityAndFlagsMissing) {
  Table t = MakeTable({NumericColumn("b", {1, 1, 0, kNaN}, ColumnType::kBoolean)});
  auto p = FeaturePipeline::Fit(t, {"b"}, Dense());
  EXPECT_EQ(p.feature_names(), std::vector<std::string>({"b", "b#missing"}));
  Matrix m = p.Transform(t, 1);
  ExpectRow(m, 2, {0, 0});
  ExpectRow(m, 3, {1, 1});
  // Strings and numbers are accepted where a boolean was fitted.
  Matrix s = p.Transform(MakeTable({CategoricalColumn("b", {"No", "TRUE", ""})}), 1);
  ExpectRow(s, 0, {0, 0});
  ExpectRow(s, 1, {1, 0});
  ExpectRow(s, 2, {1, 1});
  Matrix n = p.Transform(MakeTable({NumericColumn("b", {0, 5})}), 1);
  ExpectRow(n, 1, {1, 0});
  EXPECT_THROW(p.Transform(MakeTable({CategoricalColumn("b", {"maybe"})}), 1), InvalidInput);
}

}  // namespace
}  // namespace tabpilot
