// processing: runs a program (`argv`, no shell) or a shell command
// (`command`) with declared input paths and output folders. It sees
// TABPILOT_INPUT_<NAME> (absolute path of each input) and
// TABPILOT_OUTPUT_<NAME> (a folder to fill) plus `env` and an allowlisted part
// of the runner's environment, runs in the definition file's folder (or
// `working_dir`), and its stdout/stderr go to the step's log. In `command`,
// ${...} values reach the shell as variables (${TABPILOT_VALUE_<n>}), never as
// text it parses; in `argv` each element is one argument. A non-zero exit
// fails the step; the timeout kills it and everything it started.
#include <algorithm>
#include <cctype>

#include "pipeline/step.h"
#include "pipeline/subprocess.h"

namespace tabpilot {
namespace fs = std::filesystem;
namespace {

std::string EnvName(const std::string& name) {
  std::string out;
  for (char c : name) out += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::toupper(c)) : '_';
  return out;
}

bool IsEnvName(const std::string& s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

std::vector<std::string> OutputNames(const Json& config) {
  std::vector<std::string> out;
  if (!config.contains("outputs")) return out;
  const Json& o = config["outputs"];
  if (o.is_array()) {
    for (const auto& item : o) {
      if (item.is_string()) out.push_back(item.get<std::string>());
    }
  } else if (o.is_string()) {
    out.push_back(o.get<std::string>());
  }
  return out;
}

class ProcessingStep : public StepType {
 public:
  std::string name() const override { return "processing"; }
  const std::vector<ParamSpec>& fields() const override {
    using K = ParamSpec::Kind;
    static const std::vector<ParamSpec> specs = {
        {"command", K::kText, nullptr, 0, 0, {}, "shell command run with /bin/sh -c (or give argv)"},
        {"argv", K::kStringList, nullptr, 0, 0, {}, "program and its arguments, run without a shell (or give command)"},
        {"inputs", K::kStringMap, nullptr, 0, 0, {}, "name: path of a file or folder the command reads"},
        {"outputs", K::kStringList, nullptr, 0, 0, {}, "list of output folder names the command fills"},
        {"env", K::kStringMap, nullptr, 0, 0, {}, "extra environment variables NAME: value"},
        {"working_dir", K::kPath, nullptr, 0, 0, {}, "folder to run in (default: the definition's folder)"}};
    return specs;
  }
  std::optional<std::vector<std::string>> Outputs(const Json& config) const override { return OutputNames(config); }
  std::vector<std::string> ShellFields() const override { return {"command"}; }
  void CheckConfig(const Json& config, const std::string& where) const override {
    if (config.contains("command") == config.contains("argv")) {
      throw InvalidInput(where + "give either 'command' (a shell command) or 'argv' (a program and its arguments)");
    }
    if (config.contains("argv") && config["argv"].is_array() && config["argv"].empty()) {
      throw InvalidInput(where + "'argv' needs at least the program to run");
    }
    if (!config.contains("env") || !config["env"].is_object()) return;
    for (const auto& [key, value] : config["env"].items()) {
      if (!IsEnvName(key) || key.rfind("TABPILOT_", 0) == 0) {
        throw InvalidInput(where + "env: '" + key +
                           "' is not a variable name a step may set (letters, digits and '_', not starting with a "
                           "digit or TABPILOT_)");
      }
    }
  }

  Json Run(const StepContext& ctx) const override {
    SubprocessOptions options;
    if (ctx.fields.Has("argv")) {
      options.argv = ctx.fields.StringList("argv");
      if (options.argv.empty()) throw InvalidInput("step '" + ctx.step_name + "': 'argv' is empty");
    } else {
      options.command = ctx.fields.String("command");
    }
    options.working_dir = ctx.fields.Has("working_dir") ? ctx.Path("working_dir") : ctx.base_dir;
    options.log_path = ctx.log_path;
    options.deadline = ctx.deadline;
    options.cancel = ctx.cancel;
    if (ctx.fields.Has("inputs")) {
      for (const auto& [key, value] : ctx.fields.Get("inputs").items()) {
        const fs::path p = ctx.ResolvePath(value.get<std::string>());
        std::error_code ec;
        if (!fs::exists(p, ec)) {
          throw NotFound("step '" + ctx.step_name + "': input '" + key + "': no such file or folder " + p.string());
        }
        options.env["TABPILOT_INPUT_" + EnvName(key)] = p.string();
      }
    }
    Json outputs = Json::object();
    for (const auto& out : ctx.fields.StringList("outputs")) {
      fs::create_directories(ctx.staging_dir / out);
      options.env["TABPILOT_OUTPUT_" + EnvName(out)] = (ctx.staging_dir / out).string();
      outputs[out] = (ctx.output_dir / out).string();
    }
    if (ctx.fields.Has("env")) {
      for (const auto& [key, value] : ctx.fields.Get("env").items()) options.env[key] = value.get<std::string>();
    }
    ctx.Log("$ " + (options.argv.empty() ? options.command : Json(options.argv).dump()));
    const SubprocessResult r = RunSubprocess(options);
    if (r.cancelled) {
      throw IoError("step '" + ctx.step_name +
                    "': command killed: the run was abandoned (log: " + ctx.log_path.string() + ")");
    }
    if (r.timed_out) {
      throw StepTimeout("step '" + ctx.step_name +
                        "': command timed out and was killed (log: " + ctx.log_path.string() + ")");
    }
    if (r.exit_code != 0) {
      throw InvalidInput("step '" + ctx.step_name + "': command exited with status " + std::to_string(r.exit_code) +
                         " (log: " + ctx.log_path.string() + ")");
    }
    return outputs;
  }
};

}  // namespace

std::unique_ptr<StepType> MakeProcessingStep() { return std::make_unique<ProcessingStep>(); }

}  // namespace tabpilot
