// tabpilot pipeline run|validate|executions|describe-execution|retry|step-types.
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "core/error.h"
#include "pipeline/definition.h"
#include "pipeline/definition_check.h"
#include "pipeline/executor.h"
#include "pipeline/records.h"
#include "pipeline/step.h"
#include "store/store_location.h"

namespace tabpilot::cli {
namespace {

struct PipelineArgs {
  std::string file;
  std::vector<std::string> params;
  std::string store;
  std::string name;
  std::string execution_id;
  int workers = 2;
  int threads = 1;
  bool json = false;
};

ExecutorOptions MakeOptions(const PipelineArgs& a) {
  if (a.workers < 1) throw InvalidInput("--workers must be at least 1");
  ExecutorOptions o;
  o.store = a.store;
  o.max_workers = a.workers;
  o.threads_per_step = ResolveThreads(a.threads);
  o.limits = LimitsFromEnvironment();
  o.progress = [](const std::string& line) { std::cout << line << std::endl; };
  return o;
}

// Prints the end of a run; returns the exit code (1 when the execution failed).
int Report(const ExecutionResult& r) {
  for (const auto& s : r.steps) {
    if (s.step_type == "register" && s.status == RunStatus::kSucceeded && s.outputs.contains("artifact_path")) {
      std::cout << "registered model: " << s.outputs["group"].get<std::string>() << " version "
                << s.outputs["version"].dump() << " (" << s.outputs["approval_status"].get<std::string>() << ") at "
                << s.outputs["artifact_path"].get<std::string>() << "\n";
    }
  }
  std::cout << "execution " << r.execution_id << ": " << ToString(r.status) << "\n";
  if (r.status != RunStatus::kSucceeded) {
    std::cerr << "error: execution " << r.execution_id << " failed: " << r.failure_reason << "\n";
    return 1;
  }
  return 0;
}

int RunRun(const PipelineArgs& a) {
  const ExecutorOptions options = MakeOptions(a);
  const PipelineDefinition d = LoadDefinition(a.file, options.limits);
  return Report(RunPipeline(d, a.params, options));
}

int RunValidate(const PipelineArgs& a) {
  const PipelineDefinition d = LoadDefinition(a.file, LimitsFromEnvironment());
  const PipelineGraph g = CheckDefinition(d, StepTypeRegistry::Builtins());
  ResolveParameters(d, a.params);
  std::cout << a.file << ": pipeline " << d.name << " is valid (" << d.steps.size() << " steps:";
  for (const auto& s : g.order) std::cout << " " << s;
  std::cout << ")\n";
  return 0;
}

std::unique_ptr<Database> OpenRecords(const PipelineArgs& a) {
  return OpenDatabase(ResolveStoreLocation(a.store).database);
}

int RunExecutions(const PipelineArgs& a) {
  auto db = OpenRecords(a);
  ExecutionRecords records(*db);
  records.RecoverAbandoned();
  const auto list = records.ListExecutions(a.name);
  if (a.json) {
    Json out = Json::array();
    for (const auto& e : list) {
      out.push_back({{"id", e.id},
                     {"status", ToString(e.status)},
                     {"start_time", e.start_time},
                     {"end_time", e.end_time},
                     {"failure_reason", e.failure_reason},
                     {"parameters", e.parameters}});
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::printf("%-24s %-10s %-25s %-25s %s\n", "EXECUTION", "STATUS", "STARTED", "ENDED", "REASON");
  for (const auto& e : list) {
    std::printf("%-24s %-10s %-25s %-25s %s\n", e.id.c_str(), ToString(e.status), e.start_time.c_str(),
                e.end_time.c_str(), e.failure_reason.c_str());
  }
  std::fflush(stdout);
  return 0;
}

std::string Shorten(const std::string& s, size_t max) { return s.size() <= max ? s : s.substr(0, max - 3) + "..."; }

int RunDescribe(const PipelineArgs& a) {
  auto db = OpenRecords(a);
  ExecutionRecords records(*db);
  records.RecoverAbandoned();
  const ExecutionRecord e = records.GetExecution(a.execution_id);
  const auto steps = records.ListSteps(e.id);
  if (a.json) {
    Json out = {{"id", e.id},
                {"pipeline", e.pipeline_name},
                {"definition_hash", e.definition_hash},
                {"source", e.source_path},
                {"parameters", e.parameters},
                {"status", ToString(e.status)},
                {"start_time", e.start_time},
                {"end_time", e.end_time},
                {"failure_reason", e.failure_reason},
                {"steps", Json::array()}};
    for (const auto& s : steps) {
      Json step = ToJson(s);
      step["log"] = s.log_path;
      out["steps"].push_back(std::move(step));
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::cout << "execution " << e.id << " of " << e.pipeline_name << " (definition " << e.definition_hash << ")\n"
            << "status: " << ToString(e.status) << "\nstarted: " << e.start_time << "\nended: " << e.end_time << "\n"
            << "parameters: " << e.parameters.dump() << "\n";
  if (!e.failure_reason.empty()) std::cout << "reason: " << e.failure_reason << "\n";
  for (const auto& s : steps) {
    std::cout << "\nstep " << s.step_name << " (" << s.step_type << "): " << ToString(s.status) << "\n"
              << "  started: " << s.start_time << "  ended: " << s.end_time << "  attempts: " << s.attempts
              << "  cache hit: " << (s.cache_hit ? "yes (from " + s.cached_from + ")" : std::string("no")) << "\n";
    if (!s.log_path.empty()) std::cout << "  log: " << s.log_path << "\n";
    if (!s.failure_reason.empty()) std::cout << "  reason: " << s.failure_reason << "\n";
    for (const auto& [k, v] : s.outputs.items()) std::cout << "  " << k << ": " << Shorten(v.dump(), 160) << "\n";
  }
  return 0;
}

int RunRetry(const PipelineArgs& a) { return Report(RetryExecution(a.execution_id, MakeOptions(a))); }

// "required", "default 60", "optional": how a field gets its value.
std::string Presence(const ParamSpec& f) {
  if (f.required) return "required";
  if (f.default_value.is_null()) return "optional";
  const Json& v = f.default_value;
  return "default " + (v.is_string() && !v.get<std::string>().empty() ? v.get<std::string>() : v.dump());
}

// Every step type and its fields, straight from the declarations.
int RunStepTypes() {
  const StepTypeRegistry& registry = StepTypeRegistry::Builtins();
  for (const auto& name : registry.Names()) {
    std::cout << name << "\n";
    for (const ParamSpec& f : registry.Get(name).fields()) {
      std::string kind = ParamKindName(f.kind);
      if (f.kind == ParamSpec::Kind::kInt || f.kind == ParamSpec::Kind::kFloat) {
        kind += " in " + ParamRangeText(f);
      } else if (!f.choices.empty()) {
        kind += ": " + ParamRangeText(f);
      }
      std::cout << "  " << f.name << " (" << kind << ", " << Presence(f) << "): " << f.description << "\n";
    }
  }
  return 0;
}

}  // namespace

Runner AddPipelineCommand(CLI::App& app) {
  auto args = std::make_shared<PipelineArgs>();
  CLI::App* sub = app.add_subcommand("pipeline", "Run and inspect pipelines (YAML workflows)");
  sub->require_subcommand(1);
  auto add_store = [&](CLI::App* c) {
    c->add_option("--store", args->store,
                  "Metadata store: SQLite file or postgresql:// URL (default $TABPILOT_STORE or "
                  ".tabpilot/metadata.db)");
  };
  CLI::App* run = sub->add_subcommand("run", "Run a pipeline definition");
  run->add_option("file", args->file, "Pipeline YAML")->required();
  run->add_option("--param", args->params, "Override a parameter: NAME=VALUE (repeatable)");
  run->add_option("--workers", args->workers, "Steps run at the same time")->capture_default_str();
  run->add_option("--threads", args->threads, "Threads per training/prediction step (0 = all cores)")
      ->capture_default_str();
  add_store(run);
  CLI::App* validate = sub->add_subcommand("validate", "Check a pipeline definition without running it");
  validate->add_option("file", args->file, "Pipeline YAML")->required();
  validate->add_option("--param", args->params, "Parameter overrides to type-check: NAME=VALUE");
  CLI::App* executions = sub->add_subcommand("executions", "List a pipeline's executions, newest first");
  executions->add_option("name", args->name, "Pipeline name")->required();
  executions->add_flag("--json", args->json, "Print JSON");
  add_store(executions);
  CLI::App* describe = sub->add_subcommand("describe-execution", "Show an execution and each of its steps");
  describe->add_option("id", args->execution_id, "Execution id")->required();
  describe->add_flag("--json", args->json, "Print JSON (complete outputs)");
  add_store(describe);
  CLI::App* retry = sub->add_subcommand("retry", "Re-run the failed and not-yet-run steps of an execution");
  retry->add_option("id", args->execution_id, "Execution id")->required();
  retry->add_option("--workers", args->workers, "Steps run at the same time")->capture_default_str();
  retry->add_option("--threads", args->threads, "Threads per training/prediction step (0 = all cores)")
      ->capture_default_str();
  add_store(retry);
  CLI::App* step_types = sub->add_subcommand("step-types", "List the step types and the fields each accepts");
  return [args, run, validate, executions, describe, retry, step_types] {
    if (run->parsed()) return RunRun(*args);
    if (validate->parsed()) return RunValidate(*args);
    if (executions->parsed()) return RunExecutions(*args);
    if (describe->parsed()) return RunDescribe(*args);
    if (retry->parsed()) return RunRetry(*args);
    if (step_types->parsed()) return RunStepTypes();
    return 2;
  };
}

}  // namespace tabpilot::cli
