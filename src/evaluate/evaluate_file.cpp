#include "evaluate/evaluate_file.h"

#include <cmath>
#include <map>
#include <optional>

#include "core/atomic_file.h"
#include "core/error.h"
#include "data/csv_reader.h"
#include "data/value_parse.h"
#include "evaluate/quality_report.h"
#include "predict/predictor.h"

namespace tabpilot {
namespace {

// Maps a label as written in the evaluation file to its class index: by exact
// string, else by numeric value ("1.0" matches a training label "1").
class LabelIndex {
 public:
  explicit LabelIndex(const std::vector<std::string>& labels) {
    for (size_t i = 0; i < labels.size(); ++i) {
      exact_[labels[i]] = static_cast<int>(i);
      if (auto v = ParseNumber(labels[i])) numeric_[*v] = static_cast<int>(i);
    }
  }
  std::optional<int> Find(std::string_view s) const {
    if (auto it = exact_.find(std::string(s)); it != exact_.end()) return it->second;
    if (auto v = ParseNumber(s)) {
      if (auto it = numeric_.find(*v); it != numeric_.end()) return it->second;
    }
    return std::nullopt;
  }

 private:
  std::map<std::string, int> exact_;
  std::map<double, int> numeric_;
};

}  // namespace

EvaluateFileResult EvaluateFile(const EvaluateFileOptions& a) {
  const Logger& logger = a.logger;
  const int threads = a.threads;
  const std::string data_name = a.data.string();
  Predictor::Options options;
  options.threads = threads;
  options.load = a.load;
  options.reference = a.reference;
  auto predictor = Predictor::Load(a.model, options);
  const ProblemInfo& problem = predictor->problem();
  CsvOptions csv;
  csv.threads = threads;
  csv.limits = a.load.limits;
  RawTable raw = ReadRawCsv(a.data, csv);
  auto target = raw.Find(problem.target);
  if (!target)
    throw InvalidInput(data_name + ": missing the target column '" + problem.target + "' needed to evaluate");

  std::vector<size_t> keep;
  std::vector<float> y;
  LabelIndex index(problem.class_labels);
  for (size_t r = 0; r < raw.num_rows(); ++r) {
    if (raw.is_missing(r, *target)) continue;
    std::string_view cell = raw.cell(r, *target);
    if (IsClassification(problem.task)) {
      auto c = index.Find(cell);
      if (!c) {
        throw InvalidInput(data_name + ":" + std::to_string(raw.line_of_row(r)) + ": column '" + problem.target +
                           "': label '" + std::string(cell) + "' was not a class in training");
      }
      y.push_back(static_cast<float>(*c));
    } else {
      auto v = ParseNumber(cell);
      if (!v) {
        throw InvalidInput(data_name + ":" + std::to_string(raw.line_of_row(r)) + ": column '" + problem.target +
                           "': cannot parse '" + std::string(cell) + "' as a number");
      }
      y.push_back(static_cast<float>(*v));
    }
    keep.push_back(r);
  }
  if (keep.empty()) throw InvalidInput(data_name + ": no rows with a target value to evaluate");
  if (keep.size() < raw.num_rows()) {
    logger.Note("skipped " + std::to_string(raw.num_rows() - keep.size()) + " row(s) with a missing target");
  }
  Table input = BuildPredictionInput(raw, predictor->input_schema(), logger);
  if (keep.size() < input.num_rows()) input = input.SelectRows(keep);
  Matrix pred = predictor->Predict(input);
  Json report = BuildQualityReport(problem.task, problem.class_labels, problem.positive_class, problem.threshold, y,
                                   pred.values.data(), pred.rows);
  if (!a.output.empty()) WriteFileAtomic(a.output, report.dump(2) + "\n");
  EvaluateFileResult result;
  result.section = problem.task == Task::kBinary       ? "binary_classification_metrics"
                   : problem.task == Task::kMulticlass ? "multiclass_classification_metrics"
                                                       : "regression_metrics";
  result.report = std::move(report);
  result.rows = keep.size();
  return result;
}

}  // namespace tabpilot
