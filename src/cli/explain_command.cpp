// tabpilot explain: SHAP values of a model's predictions for every row of a
// CSV, and the global report (importance and dependence per column).
#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "core/log.h"
#include "explain/explain_file.h"

namespace tabpilot::cli {
namespace {

struct ExplainArgs {
  std::string model;
  std::string data;
  std::string output;
  std::string report;
  std::string background;
  size_t background_rows = 100;
  bool probability = false;
  size_t top = 5;
  int orderings = 10;
  uint64_t seed = 0;
  int threads = 0;
  bool quiet = false;
  ModelLoadingArgs loading;
};

std::filesystem::path DefaultReport(const std::filesystem::path& output) {
  std::filesystem::path report = output;
  report.replace_extension(".report.json");
  return report;
}

int RunExplain(const ExplainArgs& a) {
  ExplainFileOptions options;
  options.model = a.model;
  options.data = a.data;
  options.output = a.output;
  options.report = a.report.empty() ? DefaultReport(a.output) : std::filesystem::path(a.report);
  options.background = a.background;
  options.background_rows = a.background_rows;
  options.probability = a.probability;
  options.top_columns = a.top;
  options.orderings = a.orderings;
  options.seed = a.seed;
  options.threads = ResolveThreads(a.threads);
  options.load = a.loading.Options();
  options.logger = Logger(a.quiet ? Logger::Level::kQuiet : Logger::Level::kInfo);
  if (a.loading.reference) throw InvalidInput("--reference does not apply to explain (it explains the compiled trees)");
  if (a.background_rows == 0) throw InvalidInput("--background-rows must be at least 1");
  if (a.orderings < 2) throw InvalidInput("--orderings must be at least 2");
  const ExplainFileResult result = ExplainFile(options);
  if (!a.quiet) {
    std::printf("explained %zu rows in %.2f s (%s)\n", result.rows, result.seconds,
                result.report.at("scale").get<std::string>().c_str());
    for (const Json& output : result.report.at("outputs")) {
      std::printf("%s: base value %.4g; most important columns (mean |SHAP|):\n",
                  output.at("output").get<std::string>().c_str(), output.at("base_value").get<double>());
      size_t shown = 0;
      for (const Json& c : output.at("importance")) {
        if (shown++ == 5) break;
        std::printf("  %-24s %.4f\n", c.at("column").get<std::string>().c_str(), c.at("mean_abs_shap").get<double>());
      }
    }
    std::printf("values written to %s, report to %s\n", a.output.c_str(), options.report.c_str());
  }
  return 0;
}

}  // namespace

Runner AddExplainCommand(CLI::App& app) {
  auto args = std::make_shared<ExplainArgs>();
  CLI::App* sub = app.add_subcommand("explain", "SHAP values of a model's predictions; a global importance report");
  sub->add_option("--model,-m", args->model, "Model bundle directory")->required();
  sub->add_option("--data,-d", args->data, "CSV of rows to explain (the model's input columns)")->required();
  sub->add_option("--output,-o", args->output, "CSV of SHAP values to write")->required();
  sub->add_option("--report", args->report, "Global report JSON to write (default: OUTPUT with .report.json)");
  sub->add_option("--background", args->background,
                  "CSV of reference rows (default: the training rows the model keeps, else a sample of --data)");
  sub->add_option("--background-rows", args->background_rows,
                  "Rows sampled from --data as the background of a model that keeps none")
      ->capture_default_str();
  sub->add_flag("--probability", args->probability, "Classification: values in probability, not log-odds");
  sub->add_option("--top", args->top, "Columns with a dependence summary in the report")->capture_default_str();
  sub->add_option("--orderings", args->orderings,
                  "Sampled orderings per network or kNN member (split over its fold models)")
      ->capture_default_str();
  sub->add_option("--seed", args->seed, "Seed of the background sample and the orderings")->capture_default_str();
  sub->add_option("--threads", args->threads, "Threads (0 = all cores)")->capture_default_str();
  AddModelLoadingOptions(sub, &args->loading);
  sub->add_flag("--quiet,-q", args->quiet, "Print only errors");
  return [args] { return RunExplain(*args); };
}

}  // namespace tabpilot::cli
