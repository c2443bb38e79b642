// Categorical columns: one-hot, ordinal + frequency, native codes, dense
// one-hot with "other"; rare and unseen levels; matching by string.
#include <gtest/gtest.h>

#include "core/error.h"
#include "feature_test_util.h"
#include "features/categorical_transform.h"
#include "features/feature_pipeline.h"

namespace tabpilot {
namespace {

using testing::CategoricalColumn;
using testing::ExpectRow;
using testing::kNaN;
using testing::kNaNf;
using testing::MakeTable;
using testing::NumericColumn;

FeatureOptions Tree(int rare_min_count) {
  FeatureOptions o;
  o.rare_min_count = rare_min_count;
  return o;
}

// a x4, b x3, c x2, d x1: with threshold 2, d is rare.
Column Abcd(bool with_missing) {
  std::vector<std::string> v = {"a", "b", "c", "a", "d", "b", "a", "c", "b", "a"};
  if (with_missing) v.push_back("");
  return CategoricalColumn("col", v);
}

TEST(CategoricalTransform, OneHotWithRareBucketAndUnseenLevels) {
  Table train = MakeTable({CategoricalColumn("col", {"b", "a", "a", "c", "b", "a"})});
  auto p = FeaturePipeline::Fit(train, {"col"}, Tree(2));
  // Most frequent first; c (seen once) is rare.
  EXPECT_EQ(p.feature_names(), std::vector<std::string>({"col=a", "col=b", "col#rare"}));
  // Another table with its own dictionary order, an unseen level and a missing value.
  Table test = MakeTable({CategoricalColumn("col", {"a", "b", "c", "zzz", ""}, {"zzz", "c", "b", "a"})});
  Matrix m = p.Transform(test, 1);
  ExpectRow(m, 0, {1, 0, 0});
  ExpectRow(m, 1, {0, 1, 0});
  ExpectRow(m, 2, {0, 0, 1});
  ExpectRow(m, 3, {0, 0, 1});  // unseen -> rare
  ExpectRow(m, 4, {kNaNf, kNaNf, kNaNf});
}

TEST(CategoricalTransform, UnseenLevelWithoutRareBucketIsAllZero) {
  Table train = MakeTable({CategoricalColumn("col", {"a", "b", "a", "b"})});
  auto p = FeaturePipeline::Fit(train, {"col"}, Tree(1));
  EXPECT_EQ(p.feature_names(), std::vector<std::string>({"col=a", "col=b"}));
  Matrix m = p.Transform(MakeTable({CategoricalColumn("col", {"new", "b"})}), 1);
  ExpectRow(m, 0, {0, 0});
  ExpectRow(m, 1, {0, 1});
}

TEST(CategoricalTransform, TiesAreOrderedByString) {
  Table train = MakeTable({CategoricalColumn("col", {"z", "y", "y", "z"})});
  auto p = FeaturePipeline::Fit(train, {"col"}, Tree(1));
  EXPECT_EQ(p.feature_names(), std::vector<std::string>({"col=y", "col=z"}));
}

TEST(CategoricalTransform, ManyLevelsBecomeOrdinalCodeAndFrequency) {
  FeatureOptions o = Tree(2);
  o.max_onehot_levels = 3;  // a, b, c + rare = 4 outputs > 3
  auto p = FeaturePipeline::Fit(MakeTable({Abcd(false)}), {"col"}, o);
  EXPECT_EQ(p.feature_names(), std::vector<std::string>({"col#code", "col#freq"}));
  Matrix m = p.Transform(MakeTable({CategoricalColumn("col", {"a", "c", "d", "new", ""})}), 1);
  ExpectRow(m, 0, {0, 0.4f});
  ExpectRow(m, 1, {2, 0.2f});
  ExpectRow(m, 2, {3, 0.1f});  // rare: grouped code, its own frequency
  ExpectRow(m, 3, {3, 0});     // unseen: grouped code, frequency 0
  ExpectRow(m, 4, {kNaNf, kNaNf});
  EXPECT_TRUE(p.categorical_feature_indices().empty());
}

TEST(CategoricalTransform, NativeCategoricalReportsIndicesAndSizes) {
  FeatureOptions o = Tree(2);
  o.native_categorical = true;
  Table train = MakeTable({NumericColumn("num", std::vector<double>(10, 1.0)), Abcd(false)});
  auto p = FeaturePipeline::Fit(train, {"num", "col"}, o);
  EXPECT_EQ(p.feature_names(), std::vector<std::string>({"num", "col"}));
  EXPECT_EQ(p.categorical_feature_indices(), std::vector<size_t>({1}));
  EXPECT_EQ(p.categorical_feature_sizes(), std::vector<int>({4}));  // a, b, c + rare
  Matrix m = p.Transform(train, 1);
  EXPECT_EQ(testing::MatrixColumn(m, 1), std::vector<float>({0, 1, 2, 0, 3, 1, 0, 2, 1, 0}));
}

TEST(CategoricalTransform, DenseOneHotTopLevelsOtherAndMissing) {
  FeatureOptions o = Tree(2);
  o.encoding = Encoding::kDense;
  o.max_dense_levels = 2;
  auto p = FeaturePipeline::Fit(MakeTable({Abcd(true)}), {"col"}, o);
  EXPECT_EQ(p.feature_names(), std::vector<std::string>({"col=a", "col=b", "col#other", "col#missing"}));
  Matrix m = p.Transform(MakeTable({CategoricalColumn("col", {"a", "c", "d", "", "new"})}), 1);
  ExpectRow(m, 0, {1, 0, 0, 0});
  ExpectRow(m, 1, {0, 0, 1, 0});
  ExpectRow(m, 2, {0, 0, 1, 0});
  ExpectRow(m, 3, {0, 0, 0, 1});
  ExpectRow(m, 4, {0, 0, 1, 0});
}

TEST(CategoricalTransform, DenseWithoutMissingInTrainingHasNoMissingColumn) {
  FeatureOptions o = Tree(1);
  o.encoding = Encoding::kDense;
  auto p = FeaturePipeline::Fit(MakeTable({CategoricalColumn("col", {"a", "b"})}), {"col"}, o);
  EXPECT_EQ(p.feature_names(), std::vector<std::string>({"col=a", "col=b"}));
  Matrix m = p.Transform(MakeTable({CategoricalColumn("col", {""})}), 1);
  ExpectRow(m, 0, {0, 0});
}

TEST(CategoricalTransform, RareThresholdShrinksOnSmallData) {
  EXPECT_EQ(EffectiveRareMinCount(100, 10), 2);
  EXPECT_EQ(EffectiveRareMinCount(500, 10), 5);
  EXPECT_EQ(EffectiveRareMinCount(50000, 10), 10);
  EXPECT_EQ(EffectiveRareMinCount(50000, 1), 1);
  EXPECT_EQ(EffectiveRareMinCount(50000, 0), 1);
}

TEST(CategoricalTransform, NumbersGivenForACategoricalUseTheirStringForm) {
  Table train = MakeTable({CategoricalColumn("col", {"1", "2", "1", "2"})});
  auto p = FeaturePipeline::Fit(train, {"col"}, Tree(1));
  Matrix m = p.Transform(MakeTable({NumericColumn("col", {2, 1, kNaN})}), 1);
  ExpectRow(m, 0, {0, 1});
  ExpectRow(m, 1, {1, 0});
  ExpectRow(m, 2, {kNaNf, kNaNf});
}

TEST(CategoricalTransform, OutOfRangeCodeIsAnError) {
  auto p = FeaturePipeline::Fit(MakeTable({CategoricalColumn("col", {"a", "b"})}), {"col"}, Tree(1));
  Column bad = CategoricalColumn("col", {"a", "b"});
  bad.codes[1] = 7;
  EXPECT_THROW(p.Transform(MakeTable({bad}), 1), InvalidInput);
}

// Found by the feature_pipeline fuzzer: a level count too large for int64
// reached nlohmann's unchecked conversion (undefined behaviour).
TEST(CategoricalTransform, SavedCountOutOfRangeIsAnError) {
  auto p = FeaturePipeline::Fit(MakeTable({CategoricalColumn("col", {"a", "b"})}), {"col"}, Tree(1));
  Json j = p.ToJson();
  Json* counts = nullptr;
  for (Json& t : j.at("transforms")) counts = &t.at("counts");
  ASSERT_NE(counts, nullptr);
  (*counts)[1] = 2.88889e75;
  EXPECT_THROW(FeaturePipeline::FromJson(j), InvalidInput);
}

}  // namespace
}  // namespace tabpilot
