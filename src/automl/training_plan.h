// The first two phases of training: screen the columns worth using, then
// plan the run (the data's shape, the fold plan, whether to stack).
#pragma once

#include <string>

#include "automl/fold_plan.h"
#include "automl/portfolio.h"
#include "automl/problem.h"
#include "automl/trainer_options.h"
#include "data/schema.h"
#include "features/column_screening.h"

namespace tabpilot {

// Stacking needs enough rows for the OOF predictions to be worth learning from
// (AutoGluon stacks above ~750 rows).
inline constexpr size_t kMinStackRows = 750;

struct TrainingPlan {
  ScreenResult screen;  // the feature columns kept, and those dropped with why
  Schema input_schema;  // the kept columns' types, in order: what a bundle's input must have
  // The data as the portfolio sees it; time_limit is the time left when
  // planned (0 = unbounded).
  DataShape shape;
  FoldPlan fold_plan;     // how candidates are validated
  bool stacking = false;  // whether a second level follows level 1
};

// Screens the feature columns (features/column_screening.h), noting each
// dropped column on `log`. Throws InvalidInput (naming the data's source)
// when the data has fewer than kMinTrainingRows rows or no usable column.
ScreenResult ScreenTrainingColumns(const TrainingData& data, const Logger& log);

// Plans the run on the screened columns. The fold plan is chosen on the
// whole command's budget (options.time_limit_seconds), not on what is left
// after loading the data. Level 2 learns from OOF predictions of every row,
// which a holdout does not give: no stacking then, nor below kMinStackRows.
TrainingPlan PlanTraining(const TrainingData& data, const TrainerOptions& options, ScreenResult screen);

// The one-line summary logged when training starts.
std::string DescribePlan(const TrainingData& data, const TrainerOptions& options, const TrainingPlan& plan);

}  // namespace tabpilot
