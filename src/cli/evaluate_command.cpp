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
  ModelLoadingArgs loading;
};

int RunEvaluate(const EvaluateArgs& a) {
  EvaluateFileOptions options;
  options.model = a.model;
  options.data = a.data;
  options.output = a.output;
  options.threads = ResolveThreads(a.threads);
  options.load = a.loading.Options();
  options.reference = a.loading.reference;
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
  AddModelLoadingOptions(sub, &args->loading);
  sub->add_flag("--quiet,-q", args->quiet, "Print only errors");
  return [args] { return RunEvaluate(*args); };
}

}  // namespace tabpilot::cli
