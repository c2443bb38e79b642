// FeaturePipeline and ScreenColumns on the real Adult census file. The file
// is read with a minimal parser here so this test does not depend on the CSV
// reader. A missing file fails every test unless
// TABPILOT_ALLOW_MISSING_DATASETS=1 (see test_support.h).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "feature_test_util.h"
#include "features/column_screening.h"
#include "features/feature_pipeline.h"
#include "support/test_support.h"

namespace tabpilot {
namespace {

const std::vector<std::string> kNames = {
    "age",          "workclass", "fnlwgt", "education",    "education-num", "marital-status", "occupation",
    "relationship", "race",      "sex",    "capital-gain", "capital-loss",  "hours-per-week", "native-country",
    "income"};
const std::set<size_t> kNumeric = {0, 2, 4, 10, 11, 12};

// adult.data: no header, ", " separated, "?" = missing.
Table ReadAdult(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<std::vector<std::string>> cells(kNames.size());
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> fields;
    size_t start = 0;
    while (true) {
      size_t comma = line.find(", ", start);
      fields.push_back(line.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
      if (comma == std::string::npos) break;
      start = comma + 2;
    }
    if (fields.size() != kNames.size()) continue;  // blank trailing line
    for (size_t c = 0; c < fields.size(); ++c) cells[c].push_back(fields[c] == "?" ? "" : fields[c]);
  }
  std::vector<Column> columns;
  for (size_t c = 0; c < kNames.size(); ++c) {
    if (kNumeric.count(c)) {
      std::vector<double> v;
      for (const std::string& s : cells[c]) v.push_back(std::stod(s));
      columns.push_back(testing::NumericColumn(kNames[c], v));
    } else {
      columns.push_back(testing::CategoricalColumn(kNames[c], cells[c]));
    }
  }
  return testing::MakeTable(std::move(columns));
}

class AdultFeatures : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto path = testing::DatasetsDir() / "adult" / "adult.data";
    if (std::filesystem::exists(path)) table_ = std::make_unique<Table>(ReadAdult(path));
  }
  static void TearDownTestSuite() { table_.reset(); }
  void SetUp() override {
    TABPILOT_REQUIRE_DATASET(testing::DatasetsDir() / "adult" / "adult.data");
    ASSERT_TRUE(table_);
    ASSERT_EQ(table_->num_rows(), 32561u);
  }
  static std::vector<std::string> Inputs() { return {kNames.begin(), kNames.end() - 1}; }
  static size_t Index(const FeaturePipeline& p, const std::string& name) {
    const auto& names = p.feature_names();
    auto it = std::find(names.begin(), names.end(), name);
    EXPECT_NE(it, names.end()) << name;
    return static_cast<size_t>(it - names.begin());
  }
  static std::unique_ptr<Table> table_;
};
std::unique_ptr<Table> AdultFeatures::table_;

TEST_F(AdultFeatures, ScreeningKeepsEveryColumn) {
  ScreenOptions o;
  o.ignore = {"income"};
  ScreenResult r = ScreenColumns(*table_, o);
  EXPECT_EQ(r.kept, Inputs());
  EXPECT_TRUE(r.dropped.empty());
}

TEST_F(AdultFeatures, TreeEncoding) {
  auto p = FeaturePipeline::Fit(*table_, Inputs(), FeatureOptions{});
  Matrix m = p.Transform(*table_, 2);
  ASSERT_EQ(m.cols, p.feature_names().size());
  // sex: 2 levels, one-hot; 21790 men.
  size_t male = Index(p, "sex=Male");
  double men = 0;
  for (size_t r = 0; r < m.rows; ++r) men += m.at(r, male);
  EXPECT_EQ(men, 21790);
  // workclass: 7 frequent levels + rare (Never-worked, 7 rows) one-hot; 1836 "?" rows are NaN.
  size_t rare = Index(p, "workclass#rare");
  size_t missing = 0, rare_rows = 0;
  for (size_t r = 0; r < m.rows; ++r) {
    missing += std::isnan(m.at(r, rare)) ? 1 : 0;
    rare_rows += m.at(r, rare) == 1 ? 1 : 0;
  }
  EXPECT_EQ(missing, 1836u);
  EXPECT_EQ(rare_rows, 7u);
  EXPECT_EQ(p.feature_names()[Index(p, "workclass=Private")], "workclass=Private");
  EXPECT_EQ(Index(p, "workclass=Private") + 1, Index(p, "workclass=Self-emp-not-inc"));  // by frequency
  // native-country: 41 levels -> ordinal code (United-States = 0) + frequency.
  size_t code = Index(p, "native-country#code");
  EXPECT_EQ(m.at(0, code), 0);
  EXPECT_NEAR(m.at(0, code + 1), 29170.0 / 32561, 1e-6);
  EXPECT_EQ(m.at(0, Index(p, "age")), 39);
}

TEST_F(AdultFeatures, DenseEncodingIsStandardizedAndRoundTrips) {
  FeatureOptions o;
  o.encoding = Encoding::kDense;
  auto p = FeaturePipeline::Fit(*table_, Inputs(), o);
  Matrix m = p.Transform(*table_, 2);
  for (float v : m.values) ASSERT_FALSE(std::isnan(v));
  size_t age = Index(p, "age");
  double sum = 0, sq = 0;
  for (size_t r = 0; r < m.rows; ++r) {
    sum += m.at(r, age);
    sq += m.at(r, age) * m.at(r, age);
  }
  double mean = sum / static_cast<double>(m.rows);
  EXPECT_NEAR(mean, 0, 1e-4);
  EXPECT_NEAR(std::sqrt(sq / static_cast<double>(m.rows) - mean * mean), 1, 1e-4);
  EXPECT_EQ(m.at(0, Index(p, "workclass#missing")), 0);

  auto q = FeaturePipeline::FromJson(Json::parse(p.ToJson().dump()));
  EXPECT_TRUE(testing::SameMatrix(m, q.Transform(*table_, 1)));
}

}  // namespace
}  // namespace tabpilot
