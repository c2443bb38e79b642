#include "explain/explain_file.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <random>

#include "core/atomic_file.h"
#include "core/error.h"
#include "data/csv_reader.h"
#include "data/csv_writer.h"
#include "explain/model_explainer.h"
#include "explain/shap_summary.h"
#include "predict/predictor.h"

namespace tabpilot {
namespace {

// Rows explained per pass (progress and memory).
constexpr size_t kChunkRows = 2048;

Table ReadInput(const std::filesystem::path& path, const Predictor& predictor, const ExplainFileOptions& a) {
  CsvOptions csv;
  csv.threads = a.threads;
  csv.limits = a.load.limits;
  RawTable raw = ReadRawCsv(path, csv);
  if (raw.num_rows() == 0) throw InvalidInput(path.string() + ": no rows to explain");
  return BuildPredictionInput(raw, predictor.input_schema(), a.logger);
}

Table SampleRows(const Table& table, size_t n, uint64_t seed) {
  if (table.num_rows() <= n) return table;
  std::vector<size_t> rows(table.num_rows());
  std::iota(rows.begin(), rows.end(), size_t{0});
  std::mt19937_64 rng(seed);
  std::shuffle(rows.begin(), rows.end(), rng);
  rows.resize(n);
  std::sort(rows.begin(), rows.end());
  return table.SelectRows(rows);
}

// The background: the file given, else the training rows the bundle keeps,
// else a sample of the rows explained.
Table Background(const Predictor& predictor, const Table& input, const ExplainFileOptions& a) {
  if (!a.background.empty()) return ReadInput(a.background, predictor, a);
  if (predictor.bundle().background_csv.empty()) return SampleRows(input, a.background_rows, a.seed);
  CsvOptions csv;
  csv.limits = a.load.limits;
  const RawTable raw = ParseRawCsv(predictor.bundle().background_csv, a.model.string() + "/background.csv", csv);
  return BuildPredictionInput(raw, predictor.input_schema(), a.logger);
}

// The values CSV's header: per reported output, the columns, base_value and
// prediction (prefixed "<class>:" when `prefix`).
std::string Header(const std::vector<std::string>& columns, const std::vector<std::string>& labels,
                   const std::vector<size_t>& reported, bool prefix) {
  std::string text;
  for (size_t c : reported) {
    const std::string head = prefix ? labels[c] + ":" : std::string();
    for (const std::string& name : columns) {
      if (!text.empty()) text += ',';
      AppendCsvField(text, head + name);
    }
    text += ',';
    AppendCsvField(text, head + "base_value");
    text += ',';
    AppendCsvField(text, head + "prediction");
  }
  return text + '\n';
}

void AppendNumber(std::string& out, double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.7g", v);
  out += buf;
}

}  // namespace

ExplainFileResult ExplainFile(const ExplainFileOptions& a) {
  Predictor::Options options;
  options.threads = a.threads;
  options.load = a.load;
  const auto predictor = Predictor::Load(a.model, options);
  const ProblemInfo& problem = predictor->problem();
  const Table input = ReadInput(a.data, *predictor, a);
  const Table background = Background(*predictor, input, a);

  ModelExplainer::Options eo;
  eo.threads = a.threads;
  eo.sampling.orderings = a.orderings;
  eo.sampling.seed = a.seed;
  const auto explainer = ModelExplainer::Create(*predictor, background, eo);
  const ExplainScale scale = !IsClassification(problem.task) ? ExplainScale::kRaw
                             : a.probability                 ? ExplainScale::kProbability
                                                             : ExplainScale::kLogOdds;
  const std::vector<std::string>& columns = explainer->columns();
  std::vector<std::string> labels =
      IsClassification(problem.task) ? problem.class_labels : std::vector<std::string>{problem.target};
  std::vector<size_t> reported;
  if (problem.task == Task::kBinary) {
    reported.push_back(static_cast<size_t>(problem.positive_class));
  } else {
    for (size_t c = 0; c < labels.size(); ++c) reported.push_back(c);
  }
  const bool prefix = problem.task == Task::kMulticlass;

  AtomicOutputFile file(a.output);
  std::ofstream out(file.path(), std::ios::binary);
  if (!out) throw IoError("cannot write " + a.output.string());
  std::string text = Header(columns, labels, reported, prefix);

  // The report needs every row's values of the reported outputs (kept in
  // their order: output q of `all` is reported[q]); the CSV streams.
  Explanation all;
  all.scale = scale;
  all.outputs = reported.size();
  all.columns = columns.size();
  std::vector<std::string> reported_labels;
  std::vector<size_t> kept;
  for (size_t q = 0; q < reported.size(); ++q) {
    reported_labels.push_back(labels[reported[q]]);
    kept.push_back(q);
  }
  double seconds = 0;
  const auto started = std::chrono::steady_clock::now();
  for (size_t begin = 0; begin < input.num_rows(); begin += kChunkRows) {
    const size_t end = std::min(input.num_rows(), begin + kChunkRows);
    std::vector<size_t> rows(end - begin);
    std::iota(rows.begin(), rows.end(), begin);
    const Table chunk = begin == 0 && end == input.num_rows() ? input : input.SelectRows(rows);
    const auto t0 = std::chrono::steady_clock::now();
    const Explanation e = explainer->Explain(chunk, scale, a.threads);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    for (size_t i = 0; i < e.rows; ++i) {
      bool first = true;
      for (size_t c : reported) {
        for (size_t j = 0; j < e.columns; ++j) {
          if (!first) text += ',';
          first = false;
          AppendNumber(text, e.at(i, c, j));
        }
        text += ',';
        AppendNumber(text, e.base[c]);
        text += ',';
        AppendNumber(text, e.prediction[i * e.outputs + c]);
      }
      text += '\n';
    }
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    text.clear();
    all.rows += e.rows;
    all.base.clear();
    for (size_t c : reported) all.base.push_back(e.base[c]);
    for (size_t i = 0; i < e.rows; ++i) {
      for (size_t c : reported) {
        const double* v = e.values.data() + (i * e.outputs + c) * e.columns;
        all.values.insert(all.values.end(), v, v + e.columns);
        all.prediction.push_back(e.prediction[i * e.outputs + c]);
      }
    }
    if (input.num_rows() > kChunkRows) {
      const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      const double left = elapsed / static_cast<double>(end) * static_cast<double>(input.num_rows() - end);
      char line[160];
      std::snprintf(line, sizeof line, "explained %zu of %zu rows, %.0f s elapsed, about %.0f s left", end,
                    input.num_rows(), elapsed, left);
      a.logger.Info(line);
    }
  }
  out.flush();
  if (!out) throw IoError("cannot write " + a.output.string());
  out.close();

  ExplainFileResult result;
  result.rows = all.rows;
  result.seconds = seconds;
  result.report = BuildShapSummary(all, input, columns, kept, reported_labels, a.top_columns);
  result.report["model"] = a.model.string();
  result.report["data"] = a.data.string();
  result.report["background_rows"] = background.num_rows();
  result.report["background"] = !a.background.empty()                         ? a.background.string()
                                : !predictor->bundle().background_csv.empty() ? "the model's training rows"
                                                                              : "a sample of the data";
  result.report["members"] = explainer->Methods();
  if (!a.report.empty()) WriteFileAtomic(a.report, result.report.dump(2) + "\n");
  file.Commit();
  return result;
}

}  // namespace tabpilot
