#include "automl/problem.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "core/error.h"
#include "data/table_stream.h"
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

std::string ColumnList(const std::vector<std::string>& names) {
  std::string out;
  for (size_t c = 0; c < names.size() && c < 30; ++c) out += (c ? ", " : "") + names[c];
  if (names.size() > 30) out += ", ...";
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

Task InferTask(const std::vector<std::string>& distinct, size_t values) {
  bool numeric = true;
  bool integral = true;
  for (const std::string& v : distinct) {
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
  if (integral && distinct.size() <= 10 && values >= 20 * distinct.size()) return Task::kMulticlass;
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
// size on disk when known; a gzip file's are inflated bytes) and rows, with
// their rates.
constexpr double kProgressSeconds = 2.0;
std::function<void(const TableStreamProgress&)> ReadProgress(const std::string& path, const Logger& logger) {
  const auto started = std::chrono::steady_clock::now();
  auto last = std::make_shared<double>(0.0);
  return [path, started, last, &logger](const TableStreamProgress& p) {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (seconds - *last < kProgressSeconds) return;
    *last = seconds;
    std::string line = "reading " + path + ": " + Mebibytes(p.bytes);
    if (p.stored_bytes > 0) line += " of " + Mebibytes(p.stored_bytes);
    line += ", " + FormatCount(p.rows) + " rows";
    char rate[64];
    std::snprintf(rate, sizeof rate, " (%.0f MiB/s, %s rows/s, %s)", static_cast<double>(p.bytes) / (1 << 20) / seconds,
                  FormatCount(static_cast<size_t>(static_cast<double>(p.rows) / seconds)).c_str(),
                  FormatSeconds(seconds).c_str());
    logger.Info(line + rate);
  };
}

// A load long enough to notice says how long it took, and why a column was
// read twice.
void LogLoad(const StreamedTable& streamed, double seconds, const Logger& logger) {
  for (const auto& [name, line] : streamed.reread) {
    logger.Info("column '" + name + "' held numbers up to line " + std::to_string(line) +
                "; its rows before that line were read again as text");
  }
  if (seconds < kProgressSeconds) return;
  char line[200];
  const size_t rows = streamed.table.num_rows();
  std::snprintf(line, sizeof line, "loaded %s rows x %zu columns in %s (%s rows/s, %.0f MiB/s)",
                FormatCount(rows).c_str(), streamed.table.num_columns(), FormatSeconds(seconds).c_str(),
                FormatCount(static_cast<size_t>(static_cast<double>(rows) / seconds)).c_str(),
                static_cast<double>(streamed.bytes) / (1 << 20) / seconds);
  logger.Info(line);
}

// The target and --group-column name columns of the file, and leave a feature.
void CheckColumns(const std::vector<std::string>& names, const ProblemOptions& options, const std::string& path) {
  auto has = [&names](const std::string& name) { return std::find(names.begin(), names.end(), name) != names.end(); };
  if (!has(options.target)) {
    throw InvalidInput(path + ": no target column '" + options.target + "' (columns: " + ColumnList(names) + ")");
  }
  if (names.size() < 2) throw InvalidInput(path + ": need at least one feature column besides the target");
  if (options.group_column.empty()) return;
  if (options.group_column == options.target) {
    throw InvalidInput("--group-column '" + options.group_column + "' is the target; name the column of row groups");
  }
  if (!has(options.group_column)) {
    throw InvalidInput(path + ": no group column '" + options.group_column + "' (columns: " + ColumnList(names) + ")");
  }
  if (names.size() < 3) {
    throw InvalidInput(path + ": need at least one feature column besides the target and the group column");
  }
}

// The target's task: given, or inferred from its distinct cells as written.
Task TargetTask(const Column& target, size_t labelled, const ProblemOptions& options) {
  if (options.task) return *options.task;
  // A target with more distinct numbers than a label keeps arrives as numbers.
  if (target.type == ColumnType::kNumeric) return Task::kRegression;
  return InferTask(target.categories, labelled);
}

// A regression target read as strings, as numbers; a cell that is not one is
// an error naming its line.
void TargetToNumbers(Column& target, const std::vector<uint32_t>& lines, const std::string& path) {
  if (target.type == ColumnType::kNumeric) return;
  std::vector<double> values(target.categories.size());
  std::vector<bool> bad(target.categories.size(), false);
  for (size_t c = 0; c < values.size(); ++c) {
    const std::optional<double> v = ParseNumber(target.categories[c]);
    bad[c] = !v;
    values[c] = v.value_or(0.0);
  }
  target.numbers.resize(target.codes.size());
  for (size_t r = 0; r < target.codes.size(); ++r) {
    const int32_t code = target.codes[r];
    if (code >= 0 && bad[static_cast<size_t>(code)]) {
      throw InvalidInput(Where(path, lines[r], target.name) + ": cannot parse '" +
                         CellExcerpt(target.categories[static_cast<size_t>(code)]) + "' as numeric");
    }
    target.numbers[r] = code < 0 ? kMissingNumber : values[static_cast<size_t>(code)];
  }
  target.type = ColumnType::kNumeric;
  target.codes = {};
  target.categories = {};
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
                              const Logger& logger, double memory_limit_bytes) {
  if (options.target.empty()) throw InvalidInput("--target is required");
  const auto started = std::chrono::steady_clock::now();
  const auto since = [&started] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  TableStreamOptions stream;
  stream.csv = csv;
  // Class labels are strings ("1" and "1.0" are two); a regression target
  // arrives as strings until it has many distinct values, then as numbers.
  stream.modes[options.target] =
      options.task && IsClassification(*options.task) ? ColumnBuilder::Mode::kCategorical : ColumnBuilder::Mode::kLabel;
  if (!options.group_column.empty()) stream.modes[options.group_column] = ColumnBuilder::Mode::kCategorical;
  stream.on_header = [&](const std::vector<std::string>& names) { CheckColumns(names, options, path); };
  stream.progress = ReadProgress(path, logger);
  stream.memory_limit_bytes = memory_limit_bytes;
  StreamedTable streamed = StreamTable(path, stream);
  LogLoad(streamed, since(), logger);
  Table& table = streamed.table;
  table.set_source(path);

  Column target = table.TakeColumn(options.target);
  std::optional<Column> group;
  if (!options.group_column.empty()) group = table.TakeColumn(options.group_column);
  const size_t labelled = target.size() - target.CountMissing();
  const size_t dropped = target.size() - labelled;
  if (labelled == 0) {
    throw InvalidInput(path + ": column '" + options.target + "': the target has no non-missing values");
  }
  if (labelled < kMinTrainingRows) {
    throw InvalidInput(path + ": need at least " + std::to_string(kMinTrainingRows) +
                       " rows with a target to train, got " + std::to_string(labelled));
  }

  TrainingData out;
  ProblemInfo& problem = out.problem;
  problem.target = options.target;
  problem.task = TargetTask(target, labelled, options);
  if (!IsClassification(problem.task)) TargetToNumbers(target, streamed.lines, path);
  const Schema& schema = streamed.schema;

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
