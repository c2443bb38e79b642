#include "automl/problem.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "core/error.h"
#include "data/type_inference.h"
#include "data/value_parse.h"
#include "metrics/metric_registry.h"

namespace tabpilot {
namespace {

// Class labels in a stable, human order: numeric order when every label is a
// number, else lexicographic.
std::vector<std::string> SortedLabels(const std::set<std::string>& distinct) {
  std::vector<std::string> labels(distinct.begin(), distinct.end());
  bool numeric =
      std::all_of(labels.begin(), labels.end(), [](const std::string& s) { return ParseNumber(s).has_value(); });
  if (numeric) {
    std::stable_sort(labels.begin(), labels.end(),
                     [](const std::string& a, const std::string& b) { return *ParseNumber(a) < *ParseNumber(b); });
  }
  return labels;
}

std::string ColumnList(const RawTable& raw) {
  std::string out;
  for (size_t c = 0; c < raw.num_columns() && c < 30; ++c) out += (c ? ", " : "") + raw.name(c);
  if (raw.num_columns() > 30) out += ", ...";
  return out;
}

}  // namespace

std::string DefaultMetric(Task task) {
  switch (task) {
    case Task::kBinary:
      return "f1";
    case Task::kMulticlass:
      return "accuracy";
    case Task::kRegression:
      return "mse";
  }
  return "mse";
}

Task InferTask(const std::vector<std::string_view>& values) {
  std::set<std::string_view> distinct(values.begin(), values.end());
  bool numeric = true;
  bool integral = true;
  for (std::string_view v : distinct) {
    auto d = ParseNumber(v);
    if (!d) {
      numeric = false;
      break;
    }
    integral = integral && std::floor(*d) == *d;
  }
  if (!numeric) return distinct.size() <= 2 ? Task::kBinary : Task::kMulticlass;
  if (distinct.size() <= 2) return Task::kBinary;
  // Integer codes with few distinct values and many repeats look like classes.
  if (integral && distinct.size() <= 10 && values.size() >= 20 * distinct.size()) return Task::kMulticlass;
  return Task::kRegression;
}

TrainingData LoadTrainingData(const std::string& path, const ProblemOptions& options, const CsvOptions& csv,
                              const Logger& logger) {
  if (options.target.empty()) throw InvalidInput("--target is required");
  RawTable raw = ReadRawCsv(path, csv);
  auto target_col = raw.Find(options.target);
  if (!target_col) {
    throw InvalidInput(path + ": no target column '" + options.target + "' (columns: " + ColumnList(raw) + ")");
  }
  if (raw.num_columns() < 2) throw InvalidInput(path + ": need at least one feature column besides the target");

  std::vector<std::string_view> target_values;
  target_values.reserve(raw.num_rows());
  for (size_t r = 0; r < raw.num_rows(); ++r) {
    if (!raw.is_missing(r, *target_col)) target_values.push_back(raw.cell(r, *target_col));
  }
  size_t dropped = raw.num_rows() - target_values.size();
  if (target_values.empty()) {
    throw InvalidInput(path + ": column '" + options.target + "': the target has no non-missing values");
  }
  if (target_values.size() < kMinTrainingRows) {
    throw InvalidInput(path + ": need at least " + std::to_string(kMinTrainingRows) +
                       " rows with a target to train, got " + std::to_string(target_values.size()));
  }

  TrainingData out;
  ProblemInfo& problem = out.problem;
  problem.target = options.target;
  problem.task = options.task ? *options.task : InferTask(target_values);

  InferenceOptions inference;
  inference.overrides[options.target] =
      IsClassification(problem.task) ? ColumnType::kCategorical : ColumnType::kNumeric;
  Schema schema = InferSchema(raw, inference);
  BuildOptions build;
  Table table = BuildTable(raw, schema, build);
  table.set_source(path);

  Column target = table.TakeColumn(options.target);
  std::vector<size_t> keep;
  keep.reserve(table.num_rows());
  for (size_t r = 0; r < table.num_rows(); ++r) {
    if (!target.IsMissing(r)) keep.push_back(r);
  }
  if (dropped > 0) {
    logger.Note("dropped " + std::to_string(dropped) + " row(s) with a missing target '" + options.target + "'");
  }

  if (IsClassification(problem.task)) {
    std::map<std::string, size_t> counts;
    for (size_t r : keep) counts[target.categories[static_cast<size_t>(target.codes[r])]]++;
    std::set<std::string> distinct;
    for (const auto& [label, n] : counts) distinct.insert(label);
    if (distinct.size() < 2) {
      throw InvalidInput(path + ": column '" + options.target + "': the target has only one class ('" +
                         *distinct.begin() + "'); need at least two to train a classifier");
    }
    std::vector<std::string> labels = SortedLabels(distinct);
    if (problem.task == Task::kBinary) {
      if (labels.size() != 2) {
        throw InvalidInput(path + ": column '" + options.target + "': --problem-type binary needs 2 classes, found " +
                           std::to_string(labels.size()));
      }
      std::string positive;
      if (!options.positive_label.empty()) {
        if (!distinct.count(options.positive_label)) {
          throw InvalidInput("--positive-label '" + options.positive_label + "' is not a class of '" + options.target +
                             "' (classes: " + labels[0] + ", " + labels[1] + ")");
        }
        positive = options.positive_label;
      } else {
        // The minority class is what users usually want to find; on a tie, the later label.
        positive = counts[labels[0]] < counts[labels[1]] ? labels[0] : labels[1];
      }
      std::string negative = positive == labels[0] ? labels[1] : labels[0];
      labels = {negative, positive};
      problem.positive_class = 1;
    } else if (!options.positive_label.empty()) {
      throw InvalidInput("--positive-label applies to binary problems only");
    }
    problem.class_labels = labels;
    std::map<std::string, float> index;
    for (size_t i = 0; i < labels.size(); ++i) index[labels[i]] = static_cast<float>(i);
    std::vector<float> code_to_class(target.categories.size(), -1.0f);
    for (size_t c = 0; c < target.categories.size(); ++c) {
      auto it = index.find(target.categories[c]);
      if (it != index.end()) code_to_class[c] = it->second;
    }
    out.y.reserve(keep.size());
    for (size_t r : keep) out.y.push_back(code_to_class[static_cast<size_t>(target.codes[r])]);
  } else {
    if (!options.positive_label.empty()) throw InvalidInput("--positive-label applies to binary problems only");
    out.y.reserve(keep.size());
    for (size_t r : keep) out.y.push_back(static_cast<float>(target.numbers[r]));
  }

  problem.metric = options.metric.empty() ? DefaultMetric(problem.task) : options.metric;
  MetricRegistry metrics = MetricRegistry::WithBuiltins();
  const Metric& metric = metrics.Get(problem.metric);
  if (!metric.supports(problem.task)) {
    throw InvalidInput("metric '" + problem.metric + "' does not apply to " + TaskName(problem.task) + " problems");
  }

  out.features = keep.size() == table.num_rows() ? std::move(table) : table.SelectRows(keep);
  out.features.set_source(path);
  for (const ColumnSpec& spec : schema.columns) {
    if (spec.name != options.target) out.feature_schema.columns.push_back(spec);
  }
  return out;
}

}  // namespace tabpilot
