#include "automl/bundle_reports.h"

#include <algorithm>
#include <chrono>
#include <numeric>
#include <random>
#include <vector>

#include "automl/data_report.h"
#include "core/deadline.h"
#include "core/error.h"
#include "data/csv_reader.h"
#include "evaluate/quality_report.h"
#include "explain/model_explainer.h"
#include "explain/shap_summary.h"
#include "predict/predictor.h"

namespace tabpilot {
namespace {

// Rows explained first to time the explainer (the report's least).
constexpr size_t kTimedRows = 16;

// Appends `more`'s rows to `e` (the same explainer and scale).
void AppendRows(Explanation& e, const Explanation& more) {
  e.values.insert(e.values.end(), more.values.begin(), more.values.end());
  e.prediction.insert(e.prediction.end(), more.prediction.begin(), more.prediction.end());
  e.predicted.values.insert(e.predicted.values.end(), more.predicted.values.begin(), more.predicted.values.end());
  e.predicted.rows += more.predicted.rows;
  e.rows += more.rows;
}

Json ExplainabilityReport(const Bundle& bundle, const TrainingRun& run, const Predictor& served, Deadline deadline) {
  const TrainerOptions& options = run.options();
  const RawTable raw = ParseRawCsv(bundle.background_csv, "background.csv", CsvOptions{});
  const Table background = BuildPredictionInput(raw, served.input_schema(), Logger(Logger::Level::kQuiet));
  ModelExplainer::Options eo;
  eo.threads = options.threads;
  eo.sampling.seed = options.seed;
  const auto explainer = ModelExplainer::Create(served, background, eo);
  // A seeded sample of the training rows, in order.
  const Table& features = run.data().features;
  std::vector<size_t> rows(features.num_rows());
  std::iota(rows.begin(), rows.end(), size_t{0});
  if (rows.size() > kExplainedRows) {
    std::mt19937_64 rng(options.seed ^ 0x6578706c61696eULL);
    std::shuffle(rows.begin(), rows.end(), rng);
    rows.resize(kExplainedRows);
    std::sort(rows.begin(), rows.end());
  }
  const ProblemInfo& problem = bundle.problem;
  const bool classification = IsClassification(problem.task);
  const ExplainScale scale = classification ? ExplainScale::kLogOdds : ExplainScale::kRaw;
  // Within `deadline`: the first kTimedRows rows are timed, and the rest
  // explained only as far as the time left allows.
  Explanation e;
  size_t done = 0;
  if (deadline.bounded() && rows.size() > kTimedRows) {
    const Stopwatch clock;
    e = explainer->Explain(features.SelectRows(std::vector<size_t>(rows.begin(), rows.begin() + kTimedRows)), scale,
                           options.threads);
    done = kTimedRows;
    const double per_row = clock.Seconds() / kTimedRows;
    const auto fit = kTimedRows + static_cast<size_t>(std::max(0.0, deadline.Remaining()) / std::max(per_row, 1e-9));
    if (fit < rows.size()) rows.resize(fit);
  }
  const Explanation rest = explainer->Explain(
      features.SelectRows(std::vector<size_t>(rows.begin() + static_cast<std::ptrdiff_t>(done), rows.end())), scale,
      options.threads);
  if (done == 0) {
    e = rest;
  } else {
    AppendRows(e, rest);
  }
  const Table explained = features.SelectRows(rows);
  std::vector<size_t> reported;
  if (problem.task == Task::kBinary) {
    reported.push_back(static_cast<size_t>(problem.positive_class));
  } else {
    for (int c = 0; c < problem.num_outputs(); ++c) reported.push_back(static_cast<size_t>(c));
  }
  const std::vector<std::string> labels =
      classification ? problem.class_labels : std::vector<std::string>{problem.target};
  Json report = BuildShapSummary(e, explained, explainer->columns(), reported, labels, 5);
  report["data"] = "a sample of the training rows";
  report["form"] = BundleFormName(bundle.forms.default_form);
  report["background_rows"] = background.num_rows();
  report["members"] = explainer->Methods();
  return report;
}

}  // namespace

void AddBundleReports(TrainResult& result, const TrainingRun& run, const TrainingPlan& plan,
                      const EnsembleChoice& ensemble, const Predictor* served, Deadline deadline) {
  Bundle& bundle = result.bundle;
  const Logger& logger = run.options().logger;
  const ProblemInfo& problem = bundle.problem;
  try {
    bundle.reports["data"] = BuildDataReport(run.data(), plan.screen);
    for (const Json& w : bundle.reports["data"]["warnings"]) {
      const std::string text = w.get<std::string>();
      if (text.find("possible leak") != std::string::npos) logger.Warn(text);
    }
  } catch (const Error& e) {
    logger.Warn(std::string("the data report was left out: ") + e.what());
  }
  try {
    Json quality = BuildQualityReport(problem.task, problem.class_labels, problem.positive_class, problem.threshold,
                                      run.scored_y(), ensemble.oof.values.data(), ensemble.oof.rows);
    quality["data"] = "the ensemble's out-of-fold predictions of the training rows";
    bundle.reports["model_quality"] = std::move(quality);
  } catch (const Error& e) {
    logger.Warn(std::string("the model-quality report was left out: ") + e.what());
  }
  try {
    if (bundle.background_csv.empty()) {
      // Nothing to measure from (a bundle without background rows).
    } else if (served == nullptr || deadline.Expired()) {
      logger.Info("no time left in the budget for the explainability report; `tabpilot explain --report` makes it");
    } else {
      bundle.reports["explainability"] = ExplainabilityReport(bundle, run, *served, deadline);
    }
  } catch (const Error& e) {
    logger.Warn(std::string("the explainability report was left out: ") + e.what());
  }
}

}  // namespace tabpilot
