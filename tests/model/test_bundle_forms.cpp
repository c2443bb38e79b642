// Format 3: a bundle holds the bagged form, the full form or both; a load
// serves the one asked for (or the bundle's default) and reads only its
// files; format 2 bundles load as the bagged form; an export keeps one form.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>

#include "bundle_test_data.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/sha256.h"
#include "model/bundle.h"
#include "model/bundle_export.h"
#include "model/stacking.h"
#include "predict/predictor.h"
#include "support/test_support.h"

namespace tabpilot {
namespace {
namespace fs = std::filesystem;

const std::string kKey(32, 'k');

class BundleFormsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    table_ = testing::MakeTable(160);
    SaveBundle(testing::MakeTwoFormBundle(table_), model(), SaveOptions{"test", ""});
    Bundle bagged = testing::MakeTwoFormBundle(table_);
    bagged.forms = {};
    bagged_ = Predictor::FromBundle(std::move(bagged), Predictor::Options{})->Predict(table_);
    full_ = Predictor::FromBundle(testing::MakeFullFormBundle(table_), Predictor::Options{})->Predict(table_);
  }
  fs::path model() const { return dir_ / "model"; }
  Json Manifest(const fs::path& dir) const { return Json::parse(ReadFile(dir / "manifest.json")); }
  static BundleLoadOptions Form(BundleForm form) {
    BundleLoadOptions options;
    options.form = form;
    return options;
  }
  Matrix Predict(const fs::path& dir, BundleForm form) const {
    Predictor::Options options;
    options.load = Form(form);
    return Predictor::Load(dir, options)->Predict(table_);
  }
  static void ExpectSame(const Matrix& got, const Matrix& want) {
    ASSERT_EQ(got.values.size(), want.values.size());
    for (size_t i = 0; i < got.values.size(); ++i) ASSERT_EQ(got.values[i], want.values[i]) << i;
  }
  // The error message of loading `dir` in `form` ("" when it loads).
  std::string LoadError(const fs::path& dir, BundleForm form) const {
    try {
      Predict(dir, form);
    } catch (const Error& e) {
      EXPECT_EQ(ExitCodeFor(e.kind()), 2) << e.what();
      return e.what();
    }
    return "";
  }
  testing::TempDir dir_;
  Table table_;
  Matrix bagged_;
  Matrix full_;
};

TEST_F(BundleFormsTest, TheManifestListsBothFormsAndEachMembersFoldAndFullFiles) {
  const Json m = Manifest(model());
  EXPECT_EQ(m.at("format_version"), 3);
  EXPECT_EQ(m.at("forms"), Json::array({"bagged", "full"}));
  EXPECT_EQ(m.at("default_form"), "full");
  const Json& xgb = m.at("members").at(0);
  EXPECT_EQ(xgb.at("folds"), Json::array({"members/xgboost_1/fold_0.bin", "members/xgboost_1/fold_1.bin"}));
  EXPECT_EQ(xgb.at("full"), "members/xgboost_1/full.bin");
  EXPECT_EQ(xgb.at("full_params").at("n_estimators"), 20);
  EXPECT_EQ(xgb.at("params").at("n_estimators"), 8);
  const Json& linear = m.at("members").at(1);
  EXPECT_EQ(linear.at("folds"), Json::array({"members/linear_1/fold_0.bin"}));
  EXPECT_FALSE(linear.contains("full"));  // one model, served in both forms
  const Json& entry = m.at("files").at("members/xgboost_1/full.bin");
  const std::string bytes = ReadFile(model() / "members/xgboost_1/full.bin");
  EXPECT_EQ(entry.at("size"), bytes.size());
  EXPECT_EQ(entry.at("sha256"), Sha256Hex(bytes));
}

TEST_F(BundleFormsTest, EachFormLoadsItsModelsAndPredictsBitIdentically) {
  const LearnerRegistry learners = LearnerRegistry::WithBuiltins();
  const Bundle full = LoadBundle(model(), learners);  // the bundle's default
  EXPECT_EQ(full.form, BundleForm::kFull);
  EXPECT_TRUE(full.forms.bagged && full.forms.full);
  ASSERT_EQ(full.members.at(0).folds.size(), 1u);
  EXPECT_TRUE(full.members.at(0).folds_are_full);
  EXPECT_EQ(full.members.at(0).params.at("n_estimators"), 20);
  EXPECT_EQ(full.members.at(0).stack_input_folds, 0);
  EXPECT_EQ(full.members.at(1).folds.size(), 1u);
  EXPECT_FALSE(full.members.at(1).folds_are_full);
  const Bundle bagged = LoadBundle(model(), learners, Form(BundleForm::kBagged));
  EXPECT_EQ(bagged.form, BundleForm::kBagged);
  EXPECT_EQ(bagged.members.at(0).folds.size(), 2u);
  EXPECT_FALSE(bagged.members.at(0).folds_are_full);
  EXPECT_EQ(bagged.members.at(0).params.at("n_estimators"), 8);

  ExpectSame(Predict(model(), BundleForm::kDefault), full_);
  ExpectSame(Predict(model(), BundleForm::kFull), full_);
  ExpectSame(Predict(model(), BundleForm::kBagged), bagged_);
  EXPECT_NE(full_.values, bagged_.values);  // the two forms are different models
}

TEST_F(BundleFormsTest, AFullFormLoadReadsNoFoldFileOfARefitMember) {
  fs::remove(model() / "members/xgboost_1/fold_0.bin");
  fs::remove(model() / "members/xgboost_1/fold_1.bin");
  ExpectSame(Predict(model(), BundleForm::kFull), full_);
  EXPECT_EQ(LoadError(model(), BundleForm::kBagged),
            "corrupt model bundle " + model().string() + ": members/xgboost_1/fold_0.bin: file is missing");
  // A member without a full model serves its folds in the full form too.
  fs::remove(model() / "members/linear_1/fold_0.bin");
  EXPECT_EQ(LoadError(model(), BundleForm::kFull),
            "corrupt model bundle " + model().string() + ": members/linear_1/fold_0.bin: file is missing");
}

TEST_F(BundleFormsTest, ABaggedFormLoadReadsNoFullFile) {
  fs::remove(model() / "members/xgboost_1/full.bin");
  ExpectSame(Predict(model(), BundleForm::kBagged), bagged_);
  EXPECT_NE(LoadError(model(), BundleForm::kFull).find("members/xgboost_1/full.bin: file is missing"),
            std::string::npos);
}

TEST_F(BundleFormsTest, AskingForAFormTheBundleDoesNotHoldIsOneClearError) {
  const fs::path bagged_only = dir_ / "bagged_only";
  SaveBundle(testing::MakeBundle(table_), bagged_only, SaveOptions{"test", ""});
  const Json m = Manifest(bagged_only);
  EXPECT_EQ(m.at("forms"), Json::array({"bagged"}));
  EXPECT_EQ(m.at("default_form"), "bagged");
  EXPECT_FALSE(m.at("members").at(0).contains("full"));
  EXPECT_EQ(LoadError(bagged_only, BundleForm::kFull),
            "model bundle " + bagged_only.string() + " has no full form (it holds: bagged)");
  EXPECT_EQ(LoadError(bagged_only, BundleForm::kDefault), "");
}

TEST_F(BundleFormsTest, AFormatTwoBundleLoadsAsTheBaggedForm) {
  const fs::path old = dir_ / "format2";
  SaveBundle(testing::MakeBundle(table_), old, SaveOptions{"test", ""});
  Json m = Manifest(old);
  m["format_version"] = 2;
  m.erase("forms");
  m.erase("default_form");
  WriteFileAtomic(old / "manifest.json", m.dump(2));
  WriteBundleDigest(old, "");
  const Bundle loaded = LoadBundle(old, LearnerRegistry::WithBuiltins());
  EXPECT_EQ(loaded.form, BundleForm::kBagged);
  EXPECT_TRUE(loaded.forms.bagged);
  EXPECT_FALSE(loaded.forms.full);
  const Matrix want = Predictor::FromBundle(testing::MakeBundle(table_), Predictor::Options{})->Predict(table_);
  ExpectSame(Predict(old, BundleForm::kDefault), want);
  ExpectSame(Predict(old, BundleForm::kBagged), want);
  EXPECT_EQ(LoadError(old, BundleForm::kFull), "model bundle " + old.string() + " has no full form (it holds: bagged)");
}

TEST_F(BundleFormsTest, BadFormsInAFormatThreeManifestAreCorrupt) {
  const Json good = Manifest(model());
  const std::string prefix = "corrupt model bundle " + model().string() + ": manifest.json: ";
  auto rewrite = [&](const Json& m) {
    WriteFileAtomic(model() / "manifest.json", m.dump(2));
    WriteBundleDigest(model(), "");
  };
  Json m = good;
  m["forms"] = Json::array({"bagged"});
  rewrite(m);
  EXPECT_EQ(LoadError(model(), BundleForm::kBagged), prefix + "'default_form' is not one of the bundle's forms");
  m = good;
  m["forms"] = Json::array({"bagged", "bagged"});
  rewrite(m);
  EXPECT_EQ(LoadError(model(), BundleForm::kBagged), prefix + "'forms' lists a bad or repeated form");
  m = good;
  m["forms"] = Json::array({"slim"});
  rewrite(m);
  EXPECT_EQ(LoadError(model(), BundleForm::kBagged),
            prefix + "'forms' entry 'slim' is not a model form (default, bagged, full)");
  m = good;
  m["forms"] = Json::array();
  rewrite(m);
  EXPECT_EQ(LoadError(model(), BundleForm::kBagged), prefix + "'forms' is not a list of forms");
  m = good;
  m.erase("default_form");
  rewrite(m);
  EXPECT_NE(LoadError(model(), BundleForm::kBagged).find(prefix), std::string::npos);
  m = good;
  m["members"][0]["full_params"] = "n_estimators=20";
  rewrite(m);
  EXPECT_EQ(LoadError(model(), BundleForm::kFull), prefix + "member xgboost_1 has bad full_params");
}

TEST_F(BundleFormsTest, AnExportHoldsOneFormOnlyAndPredictsAsThatForm) {
  const LearnerRegistry learners = LearnerRegistry::WithBuiltins();
  const fs::path slim = dir_ / "slim";
  EXPECT_EQ(ExportBundle(model(), slim, learners, Form(BundleForm::kDefault), SaveOptions{"test", kKey}),
            BundleForm::kFull);
  const Json m = Manifest(slim);
  EXPECT_EQ(m.at("forms"), Json::array({"full"}));
  EXPECT_EQ(m.at("default_form"), "full");
  EXPECT_EQ(m.at("members").at(0).at("folds"), Json::array());
  EXPECT_EQ(m.at("members").at(0).at("full"), "members/xgboost_1/full.bin");
  EXPECT_FALSE(fs::exists(slim / "members/xgboost_1/fold_0.bin"));
  EXPECT_EQ(ReadFile(slim / "members/xgboost_1/full.bin"), ReadFile(model() / "members/xgboost_1/full.bin"));
  EXPECT_TRUE(fs::exists(slim / "members/linear_1/fold_0.bin"));
  ExpectSame(Predict(slim, BundleForm::kDefault), full_);
  EXPECT_EQ(LoadError(slim, BundleForm::kBagged),
            "model bundle " + slim.string() + " has no bagged form (it holds: full)");
  BundleLoadOptions signed_only = Form(BundleForm::kFull);
  signed_only.verify_key = kKey;
  EXPECT_NO_THROW(LoadBundle(slim, learners, signed_only));

  const fs::path bagged = dir_ / "bagged";
  EXPECT_EQ(ExportBundle(model(), bagged, learners, Form(BundleForm::kBagged), SaveOptions{"test", ""}),
            BundleForm::kBagged);
  EXPECT_EQ(Manifest(bagged).at("forms"), Json::array({"bagged"}));
  EXPECT_EQ(Manifest(bagged).at("default_form"), "bagged");
  EXPECT_FALSE(fs::exists(bagged / "members/xgboost_1/full.bin"));
  ExpectSame(Predict(bagged, BundleForm::kDefault), bagged_);
  // The full export of the full-only copy is the same bundle again.
  const fs::path again = dir_ / "again";
  ExportBundle(slim, again, learners, Form(BundleForm::kFull), SaveOptions{"test", ""});
  ExpectSame(Predict(again, BundleForm::kDefault), full_);
}

TEST_F(BundleFormsTest, AnExportThatCannotLoadItsFormWritesNothing) {
  const LearnerRegistry learners = LearnerRegistry::WithBuiltins();
  const fs::path bagged_only = dir_ / "bagged_only";
  SaveBundle(testing::MakeBundle(table_), bagged_only, SaveOptions{"test", ""});
  EXPECT_THROW(ExportBundle(bagged_only, dir_ / "out", learners, Form(BundleForm::kFull), SaveOptions{"test", ""}),
               InvalidInput);
  EXPECT_FALSE(fs::exists(dir_ / "out"));
  EXPECT_THROW(ExportBundle(model(), model(), learners, Form(BundleForm::kFull), SaveOptions{"test", ""}),
               InvalidInput);
  EXPECT_EQ(Manifest(model()).at("forms"), Json::array({"bagged", "full"}));  // untouched
}

TEST_F(BundleFormsTest, ABundleHoldingOnlyFullModelsCannotBeSavedAsBagged) {
  Bundle full = testing::MakeFullFormBundle(table_);
  full.forms.bagged = true;
  EXPECT_THROW(SaveBundle(full, dir_ / "wrong", SaveOptions{"test", ""}), Internal);
  EXPECT_FALSE(fs::exists(dir_ / "wrong"));
}

Matrix PredictWith(const Model& model, const Matrix& x) {
  Matrix out(x.rows, 2);
  model.Predict(x, out.values.data(), 1);
  return out;
}

// What a refit level-2 member sees: in the full form its inputs' full
// models' predictions (its one model, no fold alignment); in the bagged form
// fold j sees its input's fold model j (stack_input_folds).
TEST(BundleFormsStacking, ARefitLevelTwoMemberSeesItsInputsFullModelInTheFullForm) {
  const Table table = testing::MakeTable(160);
  Bundle b = testing::MakeTwoFormBundle(table);
  BundleMember& level1 = b.members.at(0);
  BundleMember& level2 = b.members.at(1);
  const Matrix tree = b.pipelines.at("tree").Transform(table, 1);
  const Matrix dense = b.pipelines.at("dense").Transform(table, 1);
  const Matrix full_input = PredictWith(*level1.full, tree);
  const std::vector<Matrix> fold_input = {PredictWith(*level1.folds[0], tree), PredictWith(*level1.folds[1], tree)};
  FitOptions fit;
  fit.task = Task::kBinary;
  fit.num_classes = 2;
  fit.threads = 1;
  const std::vector<float> y = testing::MakeLabels(table);
  auto learner = LearnerRegistry::WithBuiltins().Create("linear", Json::object());
  level2.folds.clear();
  std::vector<double> want_bagged(table.num_rows(), 0.0);
  for (const Matrix& input : fold_input) {
    const Matrix x = AppendStackFeatures(dense, {&input}, Task::kBinary);
    level2.folds.push_back(learner->Fit(TrainData{&x, &y, nullptr}, nullptr, fit));
    const Matrix p = PredictWith(*level2.folds.back(), x);
    for (size_t r = 0; r < table.num_rows(); ++r) want_bagged[r] += p.at(r, 1) / 2.0;
  }
  const Matrix full_x = AppendStackFeatures(dense, {&full_input}, Task::kBinary);
  level2.full = learner->Fit(TrainData{&full_x, &y, nullptr}, nullptr, fit);
  level2.full_params = level2.params;
  const Matrix want_full = PredictWith(*level2.full, full_x);
  level2.level = 2;
  level2.stack_inputs = {level1.name};
  level2.stack_input_folds = 2;
  level1.weight = 0;  // only a stack input: the ensemble is the level-2 member
  level2.weight = 1;
  testing::TempDir dir;
  SaveBundle(b, dir / "model", SaveOptions{"test", ""});

  const LearnerRegistry learners = LearnerRegistry::WithBuiltins();
  for (BundleForm form : {BundleForm::kBagged, BundleForm::kFull}) {
    BundleLoadOptions options;
    options.form = form;
    Bundle loaded = LoadBundle(dir / "model", learners, options);
    EXPECT_EQ(loaded.members.at(1).stack_input_folds, form == BundleForm::kFull ? 0 : 2);
    EXPECT_EQ(loaded.members.at(1).folds.size(), form == BundleForm::kFull ? 1u : 2u);
    const Matrix got = Predictor::FromBundle(std::move(loaded), Predictor::Options{})->Predict(table);
    double differ = 0;
    for (size_t r = 0; r < table.num_rows(); ++r) {
      const double want = form == BundleForm::kFull ? want_full.at(r, 1) : want_bagged[r];
      ASSERT_NEAR(got.at(r, 1), want, 1e-6) << BundleFormName(form) << " row " << r;
      differ = std::max(differ, std::abs(want_full.at(r, 1) - want_bagged[r]));
    }
    EXPECT_GT(differ, 1e-4) << "the two forms should not coincide here";
  }
}

TEST(BundleFormName, ParsesTheThreeNamesAndNamesTheValidOnes) {
  EXPECT_EQ(ParseBundleForm("default", "--form"), BundleForm::kDefault);
  EXPECT_EQ(ParseBundleForm("bagged", "--form"), BundleForm::kBagged);
  EXPECT_EQ(ParseBundleForm("full", "--form"), BundleForm::kFull);
  try {
    ParseBundleForm("Full", "--form");
    FAIL() << "expected InvalidInput";
  } catch (const InvalidInput& e) {
    EXPECT_STREQ(e.what(), "--form 'Full' is not a model form (default, bagged, full)");
  }
  for (BundleForm form : {BundleForm::kDefault, BundleForm::kBagged, BundleForm::kFull}) {
    EXPECT_EQ(ParseBundleForm(BundleFormName(form), "x"), form);
  }
}

}  // namespace
}  // namespace tabpilot
