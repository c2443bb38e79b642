#include "automl/training_plan.h"

#include <algorithm>

#include "automl/folds.h"
#include "core/error.h"
#include "core/process_memory.h"

namespace tabpilot {
namespace {

// The shape the fold plan is chosen on: its budget is the whole command's
// (--time-limit), not what is left after loading the data.
DataShape FoldPlanShape(DataShape shape, const TrainerOptions& options) {
  if (!options.deadline.bounded()) {
    shape.time_limit = 0;
  } else {
    shape.time_limit = std::max(options.time_limit_seconds > 0 ? options.time_limit_seconds : shape.time_limit, 1e-3);
  }
  return shape;
}

}  // namespace

ScreenResult ScreenTrainingColumns(const TrainingData& data, const Logger& log) {
  const Table& table = data.features;
  const size_t rows = table.num_rows();
  if (rows < kMinTrainingRows) {
    throw InvalidInput(table.source() + ": need at least " + std::to_string(kMinTrainingRows) +
                       " rows with a target to train, got " + std::to_string(rows));
  }
  ScreenResult screen = ScreenColumns(table, ScreenOptions{});
  for (const auto& [name, reason] : screen.dropped) log.Note("dropped column '" + name + "': " + reason);
  if (screen.kept.empty()) throw InvalidInput(table.source() + ": no usable feature columns left after screening");
  return screen;
}

TrainingPlan PlanTraining(const TrainingData& data, const TrainerOptions& options, ScreenResult screen) {
  TrainingPlan plan;
  plan.screen = std::move(screen);
  for (const std::string& name : plan.screen.kept) plan.input_schema.columns.push_back(*data.feature_schema.Find(name));
  const ProblemInfo& problem = data.problem;
  const size_t rows = data.features.num_rows();
  plan.shape = DataShape{problem.task, rows, plan.screen.kept.size(), problem.num_outputs(),
                         options.deadline.bounded() ? options.deadline.Remaining() : 0.0};
  plan.fold_plan =
      ChooseFoldPlan(options.num_folds, FoldPlanShape(plan.shape, options), data.y, options.seed, data.groups);
  plan.stacking = options.stack_levels > 1 && rows >= kMinStackRows && !plan.fold_plan.holdout();
  return plan;
}

std::string DescribePlan(const TrainingData& data, const TrainerOptions& options, const TrainingPlan& plan) {
  const ProblemInfo& problem = data.problem;
  const FoldPlan& folds = plan.fold_plan;
  std::string fold_plan_text = std::to_string(folds.num_folds) + "-fold bagging";
  if (folds.holdout()) {
    fold_plan_text = "validated on a " + std::to_string(folds.scored_rows.size()) + "-row holdout (1/" +
                     std::to_string(kHoldoutParts) + " of the rows" +
                     (options.num_folds == 1 ? std::string(")") : "; too large to bag in the budget)");
  }
  if (!data.groups.empty()) {
    fold_plan_text +=
        " keeping each of " + std::to_string(CountGroups(data.groups)) + " '" + data.group_column + "' groups whole";
  }
  return "training " + std::string(TaskName(problem.task)) + " model for '" + problem.target + "' on " +
         std::to_string(plan.shape.rows) + " rows x " + std::to_string(plan.screen.kept.size()) + " columns; metric " +
         problem.metric + "; " + fold_plan_text + (plan.stacking ? " + stacking" : "") + "; " +
         std::to_string(options.threads) + " thread(s); time limit " +
         (options.deadline.bounded() ? FormatSeconds(options.time_limit_seconds) : std::string("none")) +
         (options.memory_limit_bytes > 0 ? "; memory limit " + FormatGigabytes(options.memory_limit_bytes) : "");
}

}  // namespace tabpilot
