// The one-row path against the batch predictor on bundles the trainer makes
// for each task (compiled tree members, a linear model, a level-2 member
// stacked fold by fold in the bagged form): the same values for every row,
// from CSV cells and from JSON, in both forms, with one and two threads a call.
#include <gtest/gtest.h>

#include <span>
#include <string>
#include <vector>

#include "model/bundle.h"
#include "predict/predictor.h"
#include "predict/row_predictor.h"
#include "predict/row_query.h"
#include "predict/trained_bundles.h"
#include "support/test_support.h"

namespace tabpilot {
namespace {

using testing::CheckRows;
using testing::MakeQuery;
using testing::Query;

class RowPredictorTest : public ::testing::TestWithParam<Task> {};

TEST_P(RowPredictorTest, GivesTheBatchPredictorsValuesForEveryRowInBothForms) {
  const Task task = GetParam();
  testing::TempDir dir;
  SaveBundle(testing::TrainBundle(task, {"xgboost", "random_forest", "linear"}, 5), dir / "model", SaveOptions{});
  bool stacked_by_fold = false;
  for (BundleForm form : {BundleForm::kBagged, BundleForm::kFull}) {
    SCOPED_TRACE(BundleFormName(form));
    Predictor::Options options;
    options.load.form = form;
    const auto predictor = Predictor::Load(dir / "model", options);
    for (const BundleMember& m : predictor->bundle().members) stacked_by_fold |= m.stack_input_folds > 0;
    const RowPredictor row(*predictor);
    EXPECT_EQ(row.num_outputs(), static_cast<size_t>(predictor->problem().num_outputs()));
    const Query q = MakeQuery(*predictor);
    CheckRows(row, q);
    // Each level's members shared among two threads: the same values.
    CheckRows(RowPredictor(*predictor, 2), q);

    // The decided class agrees with the batch predictor's.
    if (task != Task::kRegression) {
      const std::vector<int> classes = predictor->ClassIndices(q.want);
      for (size_t r = 0; r < q.rows.size(); ++r) {
        const float* p = q.want.row(r);
        EXPECT_EQ(row.ClassIndex(std::span<const float>(p, q.want.cols)), classes[r]) << "row " << r;
      }
    }
  }
  // The bagged form fed a level-2 member fold by fold, so that path was
  // covered (the classification ensembles choose one; the regression one
  // does not).
  if (task != Task::kRegression) {
    EXPECT_TRUE(stacked_by_fold);
  }
}

INSTANTIATE_TEST_SUITE_P(Tasks, RowPredictorTest,
                         ::testing::Values(Task::kBinary, Task::kMulticlass, Task::kRegression),
                         [](const ::testing::TestParamInfo<Task>& p) { return std::string(TaskName(p.param)); });

}  // namespace
}  // namespace tabpilot
