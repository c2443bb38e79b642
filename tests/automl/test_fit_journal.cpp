// The fold fits' wire format and the fit journal: jobs, data and outcomes
// survive their bytes, damaged bytes are refused, and a journaled bag is
// answered from the journal by a resumed run, with the same predictions.
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <vector>

#include "automl/bagging.h"
#include "automl/fit_journal.h"
#include "automl/fold_wire.h"
#include "automl/folds.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "learners/learner_registry.h"
#include "support/test_support.h"

namespace tabpilot {
namespace {

struct Problem {
  Matrix x;
  std::vector<float> y;
};

Problem NoisyBinary(size_t rows) {
  std::mt19937 rng(3);
  std::normal_distribution<float> noise(0.0f, 1.0f);
  Problem p{Matrix(rows, 3), {}};
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < 3; ++c) p.x.at(r, c) = noise(rng);
    p.y.push_back(p.x.at(r, 0) - p.x.at(r, 1) + 0.5f * noise(rng) > 0 ? 1.0f : 0.0f);
  }
  return p;
}

FitOptions BinaryFit() {
  FitOptions fit;
  fit.task = Task::kBinary;
  fit.num_classes = 2;
  fit.threads = 1;
  fit.seed = 9;
  return fit;
}

std::unique_ptr<Learner> Booster(int rounds = 30) {
  return LearnerRegistry::WithBuiltins().Create("xgboost", Json{{"n_estimators", rounds}});
}

TEST(FoldWire, JobDataTargetAndOutcomeSurviveTheirBytes) {
  WireJob job;
  job.tag = 7;
  job.family = "xgboost";
  job.params = Json{{"n_estimators", 12}};
  job.x_key = 11;
  job.y_key = 12;
  job.fold = kOwnOofFold;
  job.seed = 99;
  job.threads = 3;
  job.task = Task::kMulticlass;
  job.num_classes = 4;
  job.seconds = 2.5;
  const WireJob j = DecodeJob(EncodeJob(job));
  EXPECT_EQ(j.tag, 7u);
  EXPECT_EQ(j.family, "xgboost");
  EXPECT_EQ(j.params, job.params);
  EXPECT_EQ(j.x_key, 11u);
  EXPECT_EQ(j.y_key, 12u);
  EXPECT_EQ(j.fold, kOwnOofFold);
  EXPECT_EQ(j.seed, 99u);
  EXPECT_EQ(j.threads, 3);
  EXPECT_EQ(j.task, Task::kMulticlass);
  EXPECT_EQ(j.num_classes, 4);
  EXPECT_EQ(j.seconds, 2.5);

  WireData data;
  data.key = 5;
  data.x = Matrix(2, 3, 1.5f);
  data.x.at(1, 2) = kMissingFeature;
  data.names = {"a", "b", "c"};
  data.categorical = {2};
  const WireData d = DecodeData(EncodeData(data));
  EXPECT_EQ(d.key, 5u);
  EXPECT_EQ(d.x.rows, 2u);
  EXPECT_EQ(d.x.cols, 3u);
  EXPECT_EQ(d.x.at(0, 1), 1.5f);
  EXPECT_TRUE(std::isnan(d.x.at(1, 2)));
  EXPECT_EQ(d.names, data.names);
  EXPECT_EQ(d.categorical, data.categorical);

  WireTarget target;
  target.key = 6;
  target.y = {0, 1, 1};
  target.folds = {0, 1, 0};
  const WireTarget t = DecodeTarget(EncodeTarget(target));
  EXPECT_EQ(t.y, target.y);
  EXPECT_EQ(t.folds, target.folds);

  WireOutcome outcome;
  outcome.tag = 3;
  outcome.model = std::string("model\0bytes", 11);
  outcome.pred = {0.25f, 0.75f};
  outcome.fit_seconds = 1.25;
  const WireOutcome o = DecodeOutcome(EncodeOutcome(outcome));
  EXPECT_EQ(o.tag, 3u);
  EXPECT_EQ(o.model, outcome.model);
  EXPECT_EQ(o.pred, outcome.pred);
  EXPECT_EQ(o.fit_seconds, 1.25);
  EXPECT_TRUE(o.error.empty());
}

TEST(FoldWire, EveryCutOrFlippedByteIsRefused) {
  WireOutcome outcome;
  outcome.model = "abcdef";
  outcome.pred = {1, 2, 3};
  const std::string bytes = EncodeOutcome(outcome);
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_THROW(DecodeOutcome(bytes.substr(0, n)), InvalidInput) << "cut at " << n;
    std::string flipped = bytes;
    flipped[n] = static_cast<char>(flipped[n] ^ 0x20);
    EXPECT_THROW(DecodeOutcome(flipped), InvalidInput) << "byte " << n << " flipped";
  }
  WireData data;
  data.x = Matrix(3, 2, 1.0f);
  data.names = {"a", "b"};
  const std::string d = EncodeData(data);
  for (size_t n = 0; n < d.size(); ++n) EXPECT_THROW(DecodeData(d.substr(0, n)), InvalidInput) << "cut at " << n;
  WireJob job;
  job.family = "linear";
  const std::string j = EncodeJob(job);
  for (size_t n = 0; n < j.size(); ++n) EXPECT_THROW(DecodeJob(j.substr(0, n)), InvalidInput) << "cut at " << n;
  EXPECT_THROW(DecodeJob(j + "x"), InvalidInput);
}

TEST(FoldWire, AModelThatDoesNotLoadBecomesTheOutcomesError) {
  const Problem p = NoisyBinary(50);
  const std::vector<int> folds = AssignFolds(p.y, 2, 1);
  const std::unique_ptr<Learner> booster = Booster();
  FoldJob job;
  job.learner = booster.get();
  job.x = &p.x;
  job.y = &p.y;
  job.folds = &folds;
  job.fold = 0;
  job.fit = BinaryFit();
  WireOutcome wire;
  wire.model = "not a model";
  std::vector<size_t> train, held;
  SplitFold(folds, 0, &train, &held);
  wire.pred.assign(held.size() * 2, 0.5f);
  const FoldOutcome out = FromWire(wire, job);
  EXPECT_EQ(out.model, nullptr);
  EXPECT_NE(out.error.find("unusable"), std::string::npos) << out.error;
  wire.pred.pop_back();  // predictions that do not cover the held rows
  EXPECT_FALSE(FromWire(wire, job).error.empty());
}

TEST(FitJournal, AResumedRunTakesTheRecordedFitsAndPredictsTheSame) {
  testing::TempDir dir;
  const Problem p = NoisyBinary(300);
  const std::vector<int> folds = AssignFolds(p.y, 4, 2);
  const std::unique_ptr<Learner> booster = Booster();
  BaggingOptions options;
  options.num_folds = 4;
  options.concurrent_folds = 2;
  const std::filesystem::path path = JournalPath(dir / "model");
  BaggedFit first;
  {
    FitJournal journal(path, false);
    options.journal = &journal;
    first = FitBagged(*booster, p.x, p.y, folds, BinaryFit(), options);
    ASSERT_TRUE(first.complete);
    EXPECT_EQ(journal.replayed(), 0u);
  }
  ASSERT_TRUE(std::filesystem::exists(path));
  // Without --resume an existing journal is refused, naming the folder.
  EXPECT_THROW(FitJournal(path, false), InvalidInput);

  FitJournal resumed(path, true);
  EXPECT_EQ(resumed.size(), 4u);
  options.journal = &resumed;
  const BaggedFit again = FitBagged(*booster, p.x, p.y, folds, BinaryFit(), options);
  ASSERT_TRUE(again.complete);
  EXPECT_EQ(resumed.replayed(), 4u);
  EXPECT_EQ(again.oof.values, first.oof.values);
  EXPECT_EQ(again.fit_seconds, first.fit_seconds);  // the recorded times, not a new fit's
  Matrix a(p.x.rows, 2), b(p.x.rows, 2);
  first.folds[2]->Predict(p.x, a.values.data(), 1);
  again.folds[2]->Predict(p.x, b.values.data(), 1);
  EXPECT_EQ(a.values, b.values);

  // Another seed is another job: fitted, not replayed.
  FitOptions other = BinaryFit();
  other.seed = 10;
  FitBagged(*booster, p.x, p.y, folds, other, options);
  EXPECT_EQ(resumed.replayed(), 4u);
}

TEST(FitJournal, ATornLastRecordIsDroppedAndTheRestKept) {
  testing::TempDir dir;
  const Problem p = NoisyBinary(200);
  const std::vector<int> folds = AssignFolds(p.y, 3, 2);
  const std::unique_ptr<Learner> booster = Booster();
  BaggingOptions options;
  options.num_folds = 3;
  const std::filesystem::path path = JournalPath(dir / "model");
  {
    FitJournal journal(path, false);
    options.journal = &journal;
    ASSERT_TRUE(FitBagged(*booster, p.x, p.y, folds, BinaryFit(), options).complete);
  }
  const std::string bytes = ReadFile(path);
  // Cut the file inside its last record, as a process killed mid-write leaves it.
  std::filesystem::resize_file(path, bytes.size() - 10);
  FitJournal resumed(path, true);
  EXPECT_EQ(resumed.size(), 2u);
  options.journal = &resumed;
  ASSERT_TRUE(FitBagged(*booster, p.x, p.y, folds, BinaryFit(), options).complete);
  EXPECT_EQ(resumed.replayed(), 2u);
}

TEST(FitJournal, AJournalThatCannotBeWrittenWarnsAndTheFitsGoOn) {
  testing::TempDir dir;
  dir.Write("model", "a file where the journal's folder should be");
  const Problem p = NoisyBinary(120);
  const std::vector<int> folds = AssignFolds(p.y, 2, 2);
  BaggingOptions options;
  options.num_folds = 2;
  FitJournal journal(JournalPath(dir / "model"), false);
  options.journal = &journal;
  const BaggedFit bag = FitBagged(*Booster(), p.x, p.y, folds, BinaryFit(), options);
  EXPECT_TRUE(bag.complete);
  EXPECT_TRUE(std::filesystem::is_regular_file(dir / "model"));
}

TEST(FitJournal, ARunWithoutAFinishedFitLeavesNoFolderBehind) {
  testing::TempDir dir;
  {
    // Nothing appended: nothing created.
    FitJournal journal(JournalPath(dir / "model"), false);
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "model"));
  // A folder the journal did not make stays, with what else it holds.
  dir.Write("kept/other.txt", "x");
  { FitJournal journal(JournalPath(dir / "kept"), false); }
  EXPECT_TRUE(std::filesystem::exists(dir / "kept" / "other.txt"));
}

TEST(FitJournal, JobKeysTellJobsApart) {
  const Problem p = NoisyBinary(40);
  const std::vector<int> folds = AssignFolds(p.y, 2, 1);
  const std::unique_ptr<Learner> a = Booster(30), b = Booster(31);
  FoldJob job;
  job.learner = a.get();
  job.x = &p.x;
  job.y = &p.y;
  job.folds = &folds;
  job.fit = BinaryFit();
  job.x_key = MatrixKey(p.x, nullptr, nullptr);
  job.y_key = TargetKey(p.y, folds);
  const uint64_t base = JobKey(job);
  FoldJob other = job;
  other.learner = b.get();
  EXPECT_NE(JobKey(other), base);
  other = job;
  other.fold = 1;
  EXPECT_NE(JobKey(other), base);
  other = job;
  other.fit.seed += 1;
  EXPECT_NE(JobKey(other), base);
  other = job;
  other.fit.threads = 2;  // threads do not change what a fit gives
  EXPECT_EQ(JobKey(other), base);
  Matrix x2 = p.x;
  x2.at(5, 1) += 1.0f;
  EXPECT_NE(MatrixKey(x2, nullptr, nullptr), job.x_key);
  std::vector<int> folds2 = folds;
  folds2[0] = 1 - folds2[0];
  EXPECT_NE(TargetKey(p.y, folds2), job.y_key);
}

}  // namespace
}  // namespace tabpilot
