#include "predict/prediction_format.h"

#include <charconv>

#include "core/parallel.h"
#include "data/csv_writer.h"

namespace tabpilot {
namespace {

// Rows formatted per worker task: enough to amortize a thread start.
constexpr size_t kRowsPerTask = 4096;

// printf's "%.6g" (to_chars with a precision is specified to print what
// printf prints), several times faster than snprintf.
void AppendProbability(std::string& out, float p) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, static_cast<double>(p), std::chars_format::general, 6);
  out.append(buf, ec == std::errc() ? static_cast<size_t>(end - buf) : 0);
}

}  // namespace

PredictionFormat::PredictionFormat(const ProblemInfo& problem, std::vector<std::string> join_names)
    : probabilities_(IsClassification(problem.task)), join_columns_(join_names.size()) {
  header_.push_back("predicted_label");
  if (probabilities_) {
    for (const auto& label : problem.class_labels) header_.push_back("proba_" + label);
  }
  for (std::string& name : join_names) header_.push_back(std::move(name));
}

std::string PredictionFormat::Header() const {
  std::string out;
  for (size_t i = 0; i < header_.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendCsvField(out, header_[i]);
  }
  out.push_back('\n');
  return out;
}

void PredictionFormat::AppendRow(std::string& out, const std::vector<std::string>& labels, const Matrix& predictions,
                                 const RawTable* raw, size_t row) const {
  AppendCsvField(out, labels[row]);
  if (probabilities_) {
    for (size_t c = 0; c < predictions.cols; ++c) {
      out.push_back(',');
      AppendProbability(out, predictions.at(row, c));
    }
  }
  for (size_t c = 0; c < join_columns_; ++c) {
    out.push_back(',');
    if (!raw->is_missing(row, c)) AppendCsvField(out, raw->cell(row, c));
  }
  out.push_back('\n');
}

std::string PredictionFormat::Rows(const std::vector<std::string>& labels, const Matrix& predictions,
                                   const RawTable* raw, size_t begin, size_t end, int threads) const {
  const size_t rows = end > begin ? end - begin : 0;
  const size_t tasks = (rows + kRowsPerTask - 1) / kRowsPerTask;
  std::vector<std::string> parts(tasks);
  ParallelFor(tasks, threads, [&](size_t task_begin, size_t task_end, int) {
    for (size_t t = task_begin; t < task_end; ++t) {
      const size_t first = begin + t * kRowsPerTask;
      const size_t last = std::min(end, first + kRowsPerTask);
      for (size_t r = first; r < last; ++r) AppendRow(parts[t], labels, predictions, raw, r);
    }
  });
  size_t total = 0;
  for (const std::string& part : parts) total += part.size();
  std::string out;
  out.reserve(total);
  for (const std::string& part : parts) out += part;
  return out;
}

}  // namespace tabpilot
