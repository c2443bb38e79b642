#include "automl/problem.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "core/error.h"
#include "data/file_bytes.h"
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

namespace {

// "1.2 GiB", "340.0 MiB": sizes in the progress lines.
std::string Mebibytes(uint64_t bytes) {
  char text[32];
  const double mib = static_cast<double>(bytes) / (1 << 20);
  if (mib >= 1024) {
    std::snprintf(text, sizeof text, "%.1f GiB", mib / 1024);
  } else {
    std::snprintf(text, sizeof text, "%.1f MiB", mib);
  }
  return text;
}

// A large file's read, told every kProgressSeconds: bytes so far (of the
// size on disk when known; a gzip file's is its compressed size) and the rate.
constexpr double kProgressSeconds = 2.0;
CsvOptions WithReadProgress(const std::string& path, const CsvOptions& csv, const Logger& logger) {
  CsvOptions out = csv;
  const auto started = std::chrono::steady_clock::now();
  auto last = std::make_shared<double>(0.0);
  out.progress = [path, started, last, &logger](uint64_t read, uint64_t stored) {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (seconds - *last < kProgressSeconds) return;
    *last = seconds;
    std::string line = "reading " + path + ": " + Mebibytes(read);
    if (stored > 0 && !IsGzipPath(path)) line += " of " + Mebibytes(stored);
    char rate[48];
    std::snprintf(rate, sizeof rate, " (%.0f MiB/s, %s)", static_cast<double>(read) / (1 << 20) / seconds,
                  FormatSeconds(seconds).c_str());
    logger.Info(line + rate);
  };
  return out;
}

// A load long enough to notice says where its time went.
void LogLoadTime(const RawTable& raw, double read_seconds, double load_seconds, const Logger& logger) {
  if (load_seconds < kProgressSeconds) return;
  char line[160];
  std::snprintf(line, sizeof line, "loaded %zu rows x %zu columns in %s (reading and splitting %s, typing %s)",
                raw.num_rows(), raw.num_columns(), FormatSeconds(load_seconds).c_str(),
                FormatSeconds(read_seconds).c_str(), FormatSeconds(load_seconds - read_seconds).c_str());
  logger.Info(line);
}

// --group-column: not the target, a column of `raw`, and not the only other column.
void CheckGroupColumn(const RawTable& raw, const ProblemOptions& options, const std::string& path) {
  if (options.group_column.empty()) return;
  if (options.group_column == options.target) {
    throw InvalidInput("--group-column '" + options.group_column + "' is the target; name the column of row groups");
  }
  if (!raw.Find(options.group_column)) {
    throw InvalidInput(path + ": no group column '" + options.group_column + "' (columns: " + ColumnList(raw) + ")");
  }
  if (raw.num_columns() < 3) {
    throw InvalidInput(path + ": need at least one feature column besides the target and the group column");
  }
}

// Group ids of the `keep` rows of a categorical column: its codes renumbered
// from 0 in order of first appearance, a missing value a group of its own.
std::vector<uint32_t> GroupIds(const Column& column, const std::vector<size_t>& keep) {
  std::vector<uint32_t> ids;
  ids.reserve(keep.size());
  std::vector<int64_t> renumbered(column.categories.size(), -1);
  uint32_t next = 0;
  for (size_t r : keep) {
    const int32_t code = column.codes[r];
    if (code < 0) {
      ids.push_back(next++);
      continue;
    }
    int64_t& id = renumbered[static_cast<size_t>(code)];
    if (id < 0) id = next++;
    ids.push_back(static_cast<uint32_t>(id));
  }
  return ids;
}

}  // namespace

TrainingData LoadTrainingData(const std::string& path, const ProblemOptions& options, const CsvOptions& csv,
                              const Logger& logger) {
  if (options.target.empty()) throw InvalidInput("--target is required");
  const auto started = std::chrono::steady_clock::now();
  const auto since = [&started] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  RawTable raw = ReadRawCsv(path, WithReadProgress(path, csv, logger));
  const double read_seconds = since();
  auto target_col = raw.Find(options.target);
  if (!target_col) {
    throw InvalidInput(path + ": no target column '" + options.target + "' (columns: " + ColumnList(raw) + ")");
  }
  if (raw.num_columns() < 2) throw InvalidInput(path + ": need at least one feature column besides the target");
  CheckGroupColumn(raw, options, path);

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
  if (!options.group_column.empty()) inference.overrides[options.group_column] = ColumnType::kCategorical;
  Schema schema = InferSchema(raw, inference);
  BuildOptions build;
  Table table = BuildTable(raw, schema, build);
  table.set_source(path);
  LogLoadTime(raw, read_seconds, since(), logger);

  Column target = table.TakeColumn(options.target);
  std::optional<Column> group;
  if (!options.group_column.empty()) group = table.TakeColumn(options.group_column);
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

  if (group) out.groups = GroupIds(*group, keep);
  out.group_column = options.group_column;
  out.features = keep.size() == table.num_rows() ? std::move(table) : table.SelectRows(keep);
  out.features.set_source(path);
  for (const ColumnSpec& spec : schema.columns) {
    if (spec.name != options.target && spec.name != options.group_column) out.feature_schema.columns.push_back(spec);
  }
  return out;
}

}  // namespace tabpilot
