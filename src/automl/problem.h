// Problem definition: which column to predict, the task, the class labels and
// the objective metric, inferred from the data where the user did not say.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/log.h"
#include "data/csv_reader.h"
#include "data/schema.h"
#include "data/table.h"
#include "model/bundle.h"

namespace tabpilot {

struct ProblemOptions {
  std::string target;          // required
  std::optional<Task> task;    // --problem-type; inferred when empty
  std::string metric;          // --metric; default per task when empty
  std::string positive_label;  // --positive-label; binary only (default: minority class)
  // --group-column: rows sharing its value are one group (one customer, one
  // patient, copies of one record) that validation never splits (folds.h).
  // Not a feature. Empty = none.
  std::string group_column;
};

// Training data split into features and a numeric target, plus the problem.
struct TrainingData {
  Table features;         // every column but the target (rows with a missing target removed)
  Schema feature_schema;  // types of `features`' columns, as inferred
  std::vector<float> y;   // class index (classification) or value (regression)
  ProblemInfo problem;    // threshold left at 0.5; the trainer tunes it
  // With ProblemOptions::group_column: each row's group, numbered from 0 in
  // order of first appearance (a row with a missing group value is a group
  // of its own); empty = every row is its own group.
  std::vector<uint32_t> groups;
  std::string group_column;
};

// Fewer labelled rows than this cannot be bagged and validated meaningfully.
inline constexpr size_t kMinTrainingRows = 10;

// Default objective metric per task, as in SageMaker Autopilot:
// binary -> f1, multiclass -> accuracy, regression -> mse.
std::string DefaultMetric(Task task);

// Reads `path` as it streams in (data/table_stream.h), infers the problem and
// splits off the target. Throws InvalidInput for: no such target column
// (listing the columns), a target with a single class, too few rows, a metric
// that does not fit the task, a typed table estimated above
// `memory_limit_bytes` (0: none; told as soon as the estimate is known).
TrainingData LoadTrainingData(const std::string& path, const ProblemOptions& options, const CsvOptions& csv,
                              const Logger& logger, double memory_limit_bytes = 0);

// Infers the task from a target's distinct non-missing cells (as written)
// and how many non-missing cells it has: non-numeric -> binary (2 distinct)
// / multiclass; numeric with 2 distinct values -> binary; integer-valued
// with at most 10 distinct values and many repeats -> multiclass; otherwise
// regression.
Task InferTask(const std::vector<std::string>& distinct, size_t values);

}  // namespace tabpilot
