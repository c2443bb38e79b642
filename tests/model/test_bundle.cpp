// Bundle round trip (fresh load predicts bit-identically) and the errors a
// corrupt, truncated or newer-format bundle must give.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "bundle_test_data.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "model/bundle.h"
#include "model/stacking.h"
#include "predict/predictor.h"
#include "support/test_support.h"

namespace tabpilot {
namespace {
namespace fs = std::filesystem;
using testing::MakeBundle;
using testing::MakeTable;

class BundleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    table_ = MakeTable(200);
    Bundle b = MakeBundle(table_);
    SaveBundle(b, dir_ / "model", SaveOptions{"test"});
    expected_ = Predictor::FromBundle(std::move(b), Predictor::Options{})->Predict(table_);
  }
  fs::path model() const { return dir_ / "model"; }
  testing::TempDir dir_;
  Table table_;
  Matrix expected_;
};

TEST_F(BundleTest, RoundTripPredictsBitIdentically) {
  auto p = Predictor::Load(model(), Predictor::Options{});
  Matrix got = p->Predict(table_);
  ASSERT_EQ(got.values.size(), expected_.values.size());
  for (size_t i = 0; i < got.values.size(); ++i) ASSERT_EQ(got.values[i], expected_.values[i]) << i;
  EXPECT_EQ(p->problem().class_labels, (std::vector<std::string>{"no", "yes"}));
  EXPECT_DOUBLE_EQ(p->problem().threshold, 0.4);
  EXPECT_EQ(p->bundle().members.size(), 2u);
  // Labels follow the stored threshold.
  std::vector<std::string> labels = p->Labels(got);
  for (size_t r = 0; r < got.rows; ++r) EXPECT_EQ(labels[r], got.at(r, 1) >= 0.4f ? "yes" : "no");
}

// The background rows explanations measure from and the reports travel
// with the bundle, checked like every other file.
TEST_F(BundleTest, BackgroundRowsAndReportsRoundTripAndAreVerified) {
  EXPECT_TRUE(Predictor::Load(model(), Predictor::Options{})->bundle().background_csv.empty());
  Bundle b = MakeBundle(table_);
  b.background_csv = "a,b\n1,x\n,y\n";
  b.reports["data"] = Json{{"rows", 2}};
  b.reports["model_quality"] = Json{{"f1", 0.5}};
  SaveBundle(b, dir_ / "with", SaveOptions{"test"});
  const auto loaded = Predictor::Load(dir_ / "with", Predictor::Options{});
  EXPECT_EQ(loaded->bundle().background_csv, b.background_csv);
  EXPECT_EQ(loaded->bundle().reports, b.reports);
  Bundle bad = MakeBundle(table_);
  bad.reports["../x"] = Json::object();
  EXPECT_THROW(SaveBundle(bad, dir_ / "bad", SaveOptions{"test"}), Internal);
  WriteFileAtomic(dir_ / "with" / "reports" / "data.json", "{\"rows\": 3}");
  EXPECT_THROW(Predictor::Load(dir_ / "with", Predictor::Options{}), InvalidInput);
}

TEST_F(BundleTest, SaveReplacesAtomically) {
  Bundle b = MakeBundle(table_);
  SaveBundle(b, model(), SaveOptions{"test"});
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir_.path())) ++entries;
  EXPECT_EQ(entries, 1);  // no staging folder left behind
  EXPECT_NO_THROW(Predictor::Load(model(), Predictor::Options{}));
}

// Rewrites manifest.json and its digest, as anyone who can write the bundle
// folder can: the loader's own checks must still hold.
void RewriteManifest(const fs::path& dir, const std::string& text) {
  WriteFileAtomic(dir / "manifest.json", text);
  WriteBundleDigest(dir, "");
}

void ExpectLoadError(const fs::path& dir, const std::string& fragment, const Predictor::Options& options = {}) {
  try {
    Predictor::Load(dir, options);
    FAIL() << "expected an error containing '" << fragment << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    EXPECT_EQ(ExitCodeFor(e.kind()), 2) << e.what();
  }
}

TEST_F(BundleTest, TruncatedMemberFile) {
  fs::path member = model() / "members" / "xgboost_1" / "fold_0.bin";
  ASSERT_TRUE(fs::exists(member));
  fs::resize_file(member, fs::file_size(member) / 2);
  ExpectLoadError(model(), "truncated");
}

TEST_F(BundleTest, EditedFileFailsChecksum) {
  fs::path features = model() / "features" / "tree.json";
  std::string s = ReadFile(features);
  s[s.size() / 2] = s[s.size() / 2] == 'a' ? 'b' : 'a';
  WriteFileAtomic(features, s);
  ExpectLoadError(model(), "checksum mismatch");
}

TEST_F(BundleTest, MissingMemberFile) {
  fs::remove(model() / "members" / "linear_1" / "fold_0.bin");
  ExpectLoadError(model(), "missing");
}

TEST_F(BundleTest, NewerFormatVersion) {
  Json m = Json::parse(ReadFile(model() / "manifest.json"));
  m["format_version"] = kBundleFormatVersion + 1;
  RewriteManifest(model(), m.dump());
  ExpectLoadError(model(), "newer than this tabpilot supports");
}

TEST_F(BundleTest, GarbageManifest) {
  RewriteManifest(model(), "{ not json");
  ExpectLoadError(model(), "not valid JSON");
  RewriteManifest(model(), "{\"format\": \"tabpilot-model\", \"format_version\": 1}");
  ExpectLoadError(model(), "corrupt model bundle");
}

TEST_F(BundleTest, StackInputMustBeAnEarlierMember) {
  Json m = Json::parse(ReadFile(model() / "manifest.json"));
  m["members"][1]["level"] = 2;
  m["members"][1]["stack_inputs"] = Json::array({"nobody"});
  RewriteManifest(model(), m.dump());
  ExpectLoadError(model(), "stacks on unknown member 'nobody'");
}

TEST_F(BundleTest, StackedMemberSeesItsInputsPredictions) {
  // Rebuild the bundle with the linear member stacked on the xgboost member:
  // its input width grows by one column, and the round trip stays exact.
  Bundle b = MakeBundle(table_);
  FitOptions fit;
  fit.task = Task::kBinary;
  fit.num_classes = 2;
  fit.threads = 1;
  const Matrix base = b.pipelines.at("dense").Transform(table_, 1);
  Matrix level1(table_.num_rows(), 2);
  b.members[0].folds[0]->Predict(b.pipelines.at("tree").Transform(table_, 1), level1.values.data(), 1);
  Matrix stacked = AppendStackFeatures(base, {&level1}, Task::kBinary);
  ASSERT_EQ(stacked.cols, base.cols + 1);
  EXPECT_EQ(stacked.at(3, base.cols), level1.at(3, 1));
  std::vector<float> y;
  for (size_t r = 0; r < table_.num_rows(); ++r) y.push_back(level1.at(r, 1) > 0.5f ? 1.0f : 0.0f);
  auto learner = LearnerRegistry::WithBuiltins().Create("linear", Json::object());
  TrainData data{&stacked, &y, nullptr};
  b.members[1].folds[0] = learner->Fit(data, nullptr, fit);
  b.members[1].level = 2;
  b.members[1].stack_inputs = {b.members[0].name};
  SaveBundle(b, dir_ / "stacked", SaveOptions{"test"});
  Matrix in_memory = Predictor::FromBundle(std::move(b), Predictor::Options{})->Predict(table_);
  Matrix loaded = Predictor::Load(dir_ / "stacked", Predictor::Options{})->Predict(table_);
  ASSERT_EQ(loaded.values.size(), in_memory.values.size());
  for (size_t i = 0; i < loaded.values.size(); ++i) ASSERT_EQ(loaded.values[i], in_memory.values[i]) << i;
}

// A level-1 xgboost member with `bags` x 2 fold models (each fitted on its
// own half of the rows, so they disagree) under a level-2 linear member with
// four fold models, the only one with ensemble weight.
struct AlignedStack {
  Bundle bundle;
  Matrix tree;                      // level-1 features
  Matrix dense;                     // level-2 base features
  std::vector<Matrix> level1_fold;  // per level-1 fold model: its predictions
};

AlignedStack MakeAlignedStack(const Table& table, size_t level1_folds) {
  AlignedStack s;
  s.bundle = MakeBundle(table);
  Bundle& b = s.bundle;
  FitOptions fit;
  fit.task = Task::kBinary;
  fit.num_classes = 2;
  fit.threads = 1;
  LearnerRegistry learners = LearnerRegistry::WithBuiltins();
  s.tree = b.pipelines.at("tree").Transform(table, 1);
  s.dense = b.pipelines.at("dense").Transform(table, 1);
  const size_t rows = table.num_rows();
  std::vector<float> y(rows);
  for (size_t r = 0; r < rows; ++r) y[r] = std::sin(static_cast<double>(r) * 0.7) > 0 ? 1.0f : 0.0f;
  auto subset = [&](const Matrix& x, size_t part, size_t parts, std::vector<float>* ys) {
    std::vector<size_t> idx;
    ys->clear();
    for (size_t r = part; r < rows; r += parts) {
      idx.push_back(r);
      ys->push_back(y[r]);
    }
    return x.SelectRows(idx);
  };
  auto booster = learners.Create("xgboost", Json{{"n_estimators", 10}, {"max_depth", 3}});
  b.members[0].folds.clear();
  b.members[0].weight = 0;
  for (size_t j = 0; j < level1_folds; ++j) {
    std::vector<float> ys;
    const Matrix x = subset(s.tree, j, level1_folds, &ys);
    b.members[0].folds.push_back(booster->Fit(TrainData{&x, &ys, nullptr}, nullptr, fit));
    Matrix p(rows, 2);
    b.members[0].folds.back()->Predict(s.tree, p.values.data(), 1);
    s.level1_fold.push_back(std::move(p));
  }
  auto linear = learners.Create("linear", Json::object());
  const Matrix stacked = AppendStackFeatures(s.dense, {&s.level1_fold[0]}, Task::kBinary);
  b.members[1].folds.clear();
  b.members[1].weight = 1;
  b.members[1].level = 2;
  b.members[1].stack_inputs = {b.members[0].name};
  for (size_t j = 0; j < 4; ++j) {
    std::vector<float> ys;
    const Matrix x = subset(stacked, j, 4, &ys);
    b.members[1].folds.push_back(linear->Fit(TrainData{&x, &ys, nullptr}, nullptr, fit));
  }
  return s;
}

// The level-2 member's prediction when its fold model j sees input(j).
template <typename InputFor>
std::vector<double> Level2Prediction(const AlignedStack& s, InputFor input) {
  const size_t rows = s.dense.rows;
  std::vector<double> out(rows, 0.0);
  std::vector<float> buf(rows * 2);
  const auto& folds = s.bundle.members[1].folds;
  for (size_t j = 0; j < folds.size(); ++j) {
    const Matrix in = input(j);
    const Matrix x = AppendStackFeatures(s.dense, {&in}, Task::kBinary);
    folds[j]->Predict(x, buf.data(), 1);
    for (size_t r = 0; r < rows; ++r) out[r] += buf[2 * r + 1] / static_cast<double>(folds.size());
  }
  return out;
}

Matrix MeanOf(const std::vector<const Matrix*>& ms) {
  Matrix out(ms[0]->rows, ms[0]->cols, 0.0f);
  for (size_t i = 0; i < out.values.size(); ++i) {
    double sum = 0;
    for (const Matrix* m : ms) sum += m->values[i];
    out.values[i] = static_cast<float>(sum / static_cast<double>(ms.size()));
  }
  return out;
}

TEST(BundleStacking, FoldAlignedInputsPairEachFoldWithItsInputsFoldModels) {
  const Table table = MakeTable(240);
  AlignedStack s = MakeAlignedStack(table, 4);  // 2 bags of 2 folds
  const std::vector<Matrix>& l1 = s.level1_fold;
  // Fold j of level 2 sees the mean of level-1 fold models j % 2 and j % 2 + 2.
  const std::vector<double> aligned = Level2Prediction(s, [&](size_t j) {
    return MeanOf({&l1[j % 2], &l1[j % 2 + 2]});
  });
  const std::vector<double> bagged = Level2Prediction(s, [&](size_t) {
    return MeanOf({&l1[0], &l1[1], &l1[2], &l1[3]});
  });

  testing::TempDir dir;
  s.bundle.members[1].stack_input_folds = 2;
  SaveBundle(s.bundle, dir / "aligned", SaveOptions{"test"});
  EXPECT_EQ(Json::parse(ReadFile(dir / "aligned" / "manifest.json"))["members"][1]["stack_input_folds"], 2);
  const Matrix got = Predictor::Load(dir / "aligned", Predictor::Options{})->Predict(table);
  s.bundle.members[1].stack_input_folds = 0;
  SaveBundle(s.bundle, dir / "bagged", SaveOptions{"test"});
  EXPECT_FALSE(Json::parse(ReadFile(dir / "bagged" / "manifest.json"))["members"][1].contains("stack_input_folds"));
  const Matrix got_bagged = Predictor::Load(dir / "bagged", Predictor::Options{})->Predict(table);

  double differ = 0;
  for (size_t r = 0; r < table.num_rows(); ++r) {
    EXPECT_NEAR(got.at(r, 1), aligned[r], 1e-6) << "row " << r;
    EXPECT_NEAR(got_bagged.at(r, 1), bagged[r], 1e-6) << "row " << r;
    differ = std::max(differ, std::abs(aligned[r] - bagged[r]));
  }
  EXPECT_GT(differ, 1e-3) << "the two ways of feeding level 2 should not coincide here";
}

TEST(BundleStacking, AnInputWithoutWholeBagsGivesItsBaggedPrediction) {
  // A refitted input (one model) or one whose fold count is no multiple of
  // the level-2 member's folds per bag: every fold sees its bagged prediction.
  const Table table = MakeTable(240);
  for (size_t level1_folds : {1, 3}) {
    AlignedStack s = MakeAlignedStack(table, level1_folds);
    std::vector<const Matrix*> all;
    for (const Matrix& m : s.level1_fold) all.push_back(&m);
    const std::vector<double> bagged = Level2Prediction(s, [&](size_t) { return MeanOf(all); });
    s.bundle.members[1].stack_input_folds = 2;
    const Matrix got = Predictor::FromBundle(std::move(s.bundle), Predictor::Options{})->Predict(table);
    for (size_t r = 0; r < table.num_rows(); ++r) {
      EXPECT_NEAR(got.at(r, 1), bagged[r], 1e-6) << level1_folds << " level-1 folds, row " << r;
    }
  }
}

TEST_F(BundleTest, BadStackInputFolds) {
  const Json good = Json::parse(ReadFile(model() / "manifest.json"));
  for (const Json& bad : {Json(-1), Json("two"), Json(kMaxStackInputFolds + 1), Json(2)}) {
    Json m = good;
    m["members"][1]["level"] = 2;
    m["members"][1]["stack_input_folds"] = bad;
    // 2 is fine for a stacked member, not for one without stack inputs.
    if (bad != Json(2)) m["members"][1]["stack_inputs"] = Json::array({"xgboost_1"});
    RewriteManifest(model(), m.dump());
    try {
      Predictor::Load(model(), Predictor::Options{});
      ADD_FAILURE() << "stack_input_folds " << bad.dump() << " loaded";
    } catch (const Error& e) {
      EXPECT_EQ(ExitCodeFor(e.kind()), 2) << e.what();
      if (bad.is_number()) {
        EXPECT_NE(std::string(e.what()).find("stack_input_folds"), std::string::npos) << e.what();
      }
    }
  }
}

TEST(Bundle, NotAModel) {
  testing::TempDir dir;
  ExpectLoadError(dir / "nothing", "model not found");
  ExpectLoadError(dir.path(), "no manifest.json");
}

}  // namespace
}  // namespace tabpilot
