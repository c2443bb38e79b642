#include "predict/batch_predict.h"

#include <cstdio>
#include <fstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "data/csv_reader.h"
#include "data/csv_writer.h"
#include "predict/predictor.h"

namespace tabpilot {
namespace {

std::string FormatProbability(float p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", static_cast<double>(p));
  return buf;
}

}  // namespace

size_t BatchPredict(const BatchPredictOptions& a) {
  Predictor::Options options;
  options.threads = a.threads;
  options.load = a.load;
  auto predictor = Predictor::Load(a.model, options);
  CsvOptions csv;
  csv.threads = a.threads;
  csv.limits = a.load.limits;
  RawTable raw = ReadRawCsv(a.data, csv);
  Table input = BuildPredictionInput(raw, predictor->input_schema(), a.logger);
  Matrix pred = predictor->Predict(input);
  std::vector<std::string> labels = predictor->Labels(pred);
  const ProblemInfo& problem = predictor->problem();

  AtomicOutputFile out_file(a.output);
  {
    std::ofstream out(out_file.path(), std::ios::binary);
    if (!out) throw IoError("cannot write " + a.output.string());
    CsvWriter writer(out);
    std::vector<std::string> header{"predicted_label"};
    if (IsClassification(problem.task)) {
      for (const auto& label : problem.class_labels) header.push_back("proba_" + label);
    }
    if (a.join) {
      for (size_t c = 0; c < raw.num_columns(); ++c) header.push_back(raw.name(c));
    }
    writer.WriteRow(header);
    std::vector<std::string> row;
    for (size_t r = 0; r < pred.rows; ++r) {
      row.clear();
      row.push_back(labels[r]);
      if (IsClassification(problem.task)) {
        for (size_t c = 0; c < pred.cols; ++c) row.push_back(FormatProbability(pred.at(r, c)));
      }
      if (a.join) {
        for (size_t c = 0; c < raw.num_columns(); ++c) row.emplace_back(raw.is_missing(r, c) ? "" : raw.cell(r, c));
      }
      writer.WriteRow(row);
    }
    out.flush();
    if (!out) throw IoError("cannot write " + a.output.string() + " (disk full?)");
  }
  out_file.Commit();
  return pred.rows;
}

}  // namespace tabpilot
