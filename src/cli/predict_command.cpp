// tabpilot predict: batch transform a CSV with a model bundle.
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/log.h"
#include "data/csv_reader.h"
#include "data/csv_writer.h"
#include "predict/predictor.h"

namespace tabpilot::cli {
namespace {

struct PredictArgs {
  std::string model;
  std::string data;
  std::string output;
  bool join = false;
  int threads = 0;
  bool quiet = false;
};

std::string FormatProbability(float p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", static_cast<double>(p));
  return buf;
}

int RunPredict(const PredictArgs& a) {
  Logger logger(a.quiet ? Logger::Level::kQuiet : Logger::Level::kInfo);
  const int threads = ResolveThreads(a.threads);
  Stopwatch clock;
  Predictor::Options options;
  options.threads = threads;
  auto predictor = Predictor::Load(a.model, options);
  CsvOptions csv;
  csv.threads = threads;
  RawTable raw = ReadRawCsv(a.data, csv);
  Table input = BuildPredictionInput(raw, predictor->input_schema(), logger);
  Matrix pred = predictor->Predict(input);
  std::vector<std::string> labels = predictor->Labels(pred);
  const ProblemInfo& problem = predictor->problem();

  AtomicOutputFile out_file(a.output);
  {
    std::ofstream out(out_file.path(), std::ios::binary);
    if (!out) throw IoError("cannot write " + a.output);
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
    if (!out) throw IoError("cannot write " + a.output + " (disk full?)");
  }
  out_file.Commit();
  logger.Info("wrote " + std::to_string(pred.rows) + " predictions to " + a.output + " in " +
              FormatSeconds(clock.Seconds()));
  return 0;
}

}  // namespace

Runner AddPredictCommand(CLI::App& app) {
  auto args = std::make_shared<PredictArgs>();
  CLI::App* sub = app.add_subcommand("predict", "Batch-predict a CSV with a model bundle");
  sub->add_option("--model,-m", args->model, "Model bundle directory")->required();
  sub->add_option("--data,-d", args->data, "CSV to predict (the target column, if present, is ignored)")->required();
  sub->add_option("--output,-o", args->output, "Predictions CSV to write")->required();
  sub->add_flag("--join", args->join, "Append the input columns to each prediction row");
  sub->add_option("--threads", args->threads, "Threads (0 = all cores)")->capture_default_str();
  sub->add_flag("--quiet,-q", args->quiet, "Print only errors");
  return [args] { return RunPredict(*args); };
}

}  // namespace tabpilot::cli
