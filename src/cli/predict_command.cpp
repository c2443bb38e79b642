// tabpilot predict: batch transform a CSV with a model bundle.
#include <memory>

#include "cli/commands.h"
#include "core/deadline.h"
#include "core/log.h"
#include "predict/batch_predict.h"

namespace tabpilot::cli {
namespace {

struct PredictArgs {
  std::string model;
  std::string data;
  std::string output;
  bool join = false;
  int threads = 0;
  bool quiet = false;
  std::string verify_key;
  std::string form = "default";
  bool reference = false;
  size_t chunk_rows = BatchPredictOptions::kDefaultChunkRows;
};

int RunPredict(const PredictArgs& a) {
  Stopwatch clock;
  const BundleForm form = ParseBundleForm(a.form, "--form");
  BatchPredictOptions options;
  options.model = a.model;
  options.data = a.data;
  options.output = a.output;
  options.join = a.join;
  options.threads = ResolveThreads(a.threads);
  options.load = BundleLoading(a.verify_key);
  options.load.form = form;
  options.reference = a.reference;
  options.logger = Logger(a.quiet ? Logger::Level::kQuiet : Logger::Level::kInfo);
  options.chunk_rows = a.chunk_rows;
  const size_t rows = BatchPredict(options);
  options.logger.Info("wrote " + std::to_string(rows) + " predictions to " + a.output + " in " +
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
  sub->add_option("--verify-key", args->verify_key,
                  "Key file the bundle must be signed with (see 'tabpilot sign'); unsigned or tampered bundles fail");
  sub->add_option("--form", args->form,
                  "Which form of the ensemble to load: default (the bundle's), bagged (every fold model) or full "
                  "(the members refit on all rows)")
      ->capture_default_str();
  sub->add_flag("--reference", args->reference,
                "Predict with each model family's own code (XGBoost's predict, the forest's walk) instead of the "
                "compiled trees: the reference the compiled trees are checked against, much slower");
  sub->add_flag("--quiet,-q", args->quiet, "Print only errors");
  // Hidden (an empty group): for tests and benchmarks. 0 = the whole-file path.
  sub->add_option("--chunk-rows", args->chunk_rows, "Rows read and predicted at a time (0 = the whole file)")
      ->group("");
  return [args] { return RunPredict(*args); };
}

}  // namespace tabpilot::cli
