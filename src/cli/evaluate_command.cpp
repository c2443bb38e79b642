// tabpilot evaluate: score a model on a labelled CSV and write the
// model-quality report (SageMaker model-quality JSON shape).
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "core/log.h"
#include "evaluate/evaluate_file.h"

namespace tabpilot::cli {
namespace {

struct EvaluateArgs {
  std::string model;
  std::string data;
  std::string output;
  int threads = 0;
  bool quiet = false;
  std::string verify_key;
  std::string form = "default";
  bool reference = false;
};

int RunEvaluate(const EvaluateArgs& a) {
  const BundleForm form = ParseBundleForm(a.form, "--form");
  EvaluateFileOptions options;
  options.model = a.model;
  options.data = a.data;
  options.output = a.output;
  options.threads = ResolveThreads(a.threads);
  options.load = BundleLoading(a.verify_key);
  options.load.form = form;
  options.reference = a.reference;
  options.logger = Logger(a.quiet ? Logger::Level::kQuiet : Logger::Level::kInfo);
  const EvaluateFileResult result = EvaluateFile(options);
  const Json& report = result.report;
  const std::string& section = result.section;
  const size_t rows = result.rows;

  if (!a.quiet) {
    std::cout << section << " on " << rows << " rows:\n";
    for (const auto& [name, value] : report.at(section).items()) {
      if (value.is_object() && value.contains("value") && value["value"].is_number()) {
        std::cout << "  " << name << ": " << value["value"].get<double>() << "\n";
      }
    }
    std::cout << "report written to " << a.output << "\n";
  }
  return 0;
}

}  // namespace

Runner AddEvaluateCommand(CLI::App& app) {
  auto args = std::make_shared<EvaluateArgs>();
  CLI::App* sub = app.add_subcommand("evaluate", "Score a model on a labelled CSV; write a model-quality report");
  sub->add_option("--model,-m", args->model, "Model bundle directory")->required();
  sub->add_option("--data,-d", args->data, "Labelled CSV (must contain the target column)")->required();
  sub->add_option("--output,-o", args->output, "Report JSON to write")->required();
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
  return [args] { return RunEvaluate(*args); };
}

}  // namespace tabpilot::cli
