// Step types: the interface every pipeline step kind implements, and the
// registry of kinds by name (filled in one hand-written list, step_list.cpp).
#pragma once

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/deadline.h"
#include "core/error.h"
#include "core/input_limits.h"
#include "core/json.h"
#include "core/log.h"
#include "core/params.h"

namespace tabpilot {

// Everything a step needs while it runs. Owned by the executor for the
// duration of one attempt.
struct StepContext {
  std::string step_name;
  std::string execution_id;
  std::string pipeline_name;
  // The step's fields, expressions resolved, checked against its type's
  // fields() table with the defaults filled in: read typed values from here.
  Params fields;
  std::filesystem::path base_dir;  // relative paths in `fields` resolve against this
  // The step writes its output files into `staging_dir`; when it succeeds the
  // executor renames that folder to `output_dir`, so paths it returns must
  // point into `output_dir`. Neither exists before or after a failed attempt.
  std::filesystem::path staging_dir;
  std::filesystem::path output_dir;
  std::filesystem::path log_path;         // the step's log file (appended per attempt)
  Deadline deadline = Deadline::Never();  // the step's timeout
  // True once the executor abandons the run: commands are killed, no new
  // attempt starts. Owned by the executor; null when nothing can cancel.
  const std::atomic<bool>* cancel = nullptr;
  int threads = 1;
  InputLimits limits;                  // caps on the data files and bundles the step reads
  std::string store_location;          // the metadata store (register writes to it)
  Json input_hashes = Json::object();  // path -> content hash of each input the cache key used
  Logger logger;

  // The path field `key` resolved against base_dir (absolute paths kept).
  std::filesystem::path Path(const std::string& key) const;
  // Any path text resolved the same way.
  std::filesystem::path ResolvePath(const std::string& text) const;
  // Appends one line to the step's log file.
  void Log(const std::string& line) const;
};

// Thrown by a `fail` step: the execution fails with this message and is not
// retried.
class PipelineFailStep : public Error {
 public:
  explicit PipelineFailStep(const std::string& m) : Error(ErrorKind::kInvalidInput, m) {}
};

// Thrown when a step's timeout elapses.
class StepTimeout : public Error {
 public:
  explicit StepTimeout(const std::string& m) : Error(ErrorKind::kIo, m) {}
};

class StepType {
 public:
  virtual ~StepType() = default;
  virtual std::string name() const = 0;
  // Every type-specific field, declared once: name, kind, default or
  // required, range or choices, one-line doc. Unknown fields are rejected;
  // literal values are checked when the definition is checked, values holding
  // ${...} expressions once they are resolved, both against this table.
  virtual const std::vector<ParamSpec>& fields() const = 0;
  // The output names a step with this config will produce, when the type
  // declares them (references to other names are rejected before running);
  // nullopt when they are not known statically.
  virtual std::optional<std::vector<std::string>> Outputs(const Json& config) const = 0;
  // Static checks beyond each field's type (e.g. condition syntax) on the
  // unresolved config, after the fields passed their own checks. `where` is a
  // "file:line: step 'NAME': " prefix for errors.
  virtual void CheckConfig(const Json& /*config*/, const std::string& /*where*/) const {}
  // Fields holding text a shell runs: their ${...} values reach it only
  // through environment variables (BindShellExpressions), added to the
  // step's "env" field, never pasted into the text.
  virtual std::vector<std::string> ShellFields() const { return {}; }
  // Whether results may be reused from the cache (false for control steps).
  virtual bool Cacheable() const { return true; }
  // The steps whose running this step decides (a condition's then/else
  // lists), read from the unresolved config. Each waits for this step; the
  // definition check makes sure each names a step and none is decided twice.
  struct Decided {
    std::string field;  // the field that names it, for error messages
    std::string step;
  };
  virtual std::vector<Decided> DecidedSteps(const Json& /*config*/) const { return {}; }
  // Once this step Succeeded with `outputs`: which of DecidedSteps(config)
  // must be skipped (the others run when their dependencies allow).
  virtual std::vector<std::string> SkippedAfter(const Json& /*config*/, const Json& /*outputs*/) const { return {}; }
  // Runs one attempt; returns the outputs object. Throws on failure.
  virtual Json Run(const StepContext& context) const = 0;
};

// Step types by name. Thread-safe for concurrent lookups once filled.
class StepTypeRegistry {
 public:
  void Add(std::unique_ptr<StepType> type);
  // Throws InvalidInput(`where` + ...) listing the valid names when unknown.
  const StepType& Get(const std::string& name, const std::string& where = "") const;
  const StepType* Find(const std::string& name) const;
  std::vector<std::string> Names() const;

  // A registry with every built-in step type (step_list.cpp).
  static const StepTypeRegistry& Builtins();

 private:
  std::map<std::string, std::unique_ptr<StepType>> types_;
};

// Adds the built-in step types (the one hand-written list, step_list.cpp).
void RegisterBuiltinSteps(StepTypeRegistry& registry);

// Factories, one per step-type file.
std::unique_ptr<StepType> MakeProcessingStep();
std::unique_ptr<StepType> MakeAutoMLStep();
std::unique_ptr<StepType> MakeModelStep();
std::unique_ptr<StepType> MakeTransformStep();
std::unique_ptr<StepType> MakeEvaluateStep();
std::unique_ptr<StepType> MakeConditionStep();
std::unique_ptr<StepType> MakeRegisterStep();
std::unique_ptr<StepType> MakeFailStep();
std::unique_ptr<StepType> MakeDeployStep();

}  // namespace tabpilot
