#include "pipeline/step.h"

#include <fstream>

namespace tabpilot {
namespace fs = std::filesystem;

fs::path StepContext::Path(const std::string& key) const {
  fs::path p(String(key));
  return p.is_absolute() ? p : (base_dir / p).lexically_normal();
}

std::string StepContext::String(const std::string& key) const {
  if (!config.contains(key) || config[key].is_null()) {
    throw InvalidInput("step '" + step_name + "': missing field '" + key + "'");
  }
  const Json& v = config[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number() || v.is_boolean()) return v.dump();
  throw InvalidInput("step '" + step_name + "': field '" + key + "' must be a string, got " + v.dump());
}

std::string StepContext::StringOr(const std::string& key, const std::string& fallback) const {
  if (!config.contains(key) || config[key].is_null()) return fallback;
  return String(key);
}

double StepContext::Number(const std::string& key, double fallback) const {
  if (!config.contains(key) || config[key].is_null()) return fallback;
  const Json& v = config[key];
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) {
    try {
      size_t used = 0;
      const std::string s = v.get<std::string>();
      double d = std::stod(s, &used);
      if (used == s.size()) return d;
    } catch (const std::exception&) {
    }
  }
  throw InvalidInput("step '" + step_name + "': field '" + key + "' must be a number, got " + v.dump());
}

bool StepContext::Bool(const std::string& key, bool fallback) const {
  if (!config.contains(key) || config[key].is_null()) return fallback;
  const Json& v = config[key];
  if (v.is_boolean()) return v.get<bool>();
  if (v == "true") return true;
  if (v == "false") return false;
  throw InvalidInput("step '" + step_name + "': field '" + key + "' must be true or false, got " + v.dump());
}

void StepContext::Log(const std::string& line) const {
  std::ofstream out(log_path, std::ios::app);
  out << line << "\n";
}

void StepTypeRegistry::Add(std::unique_ptr<StepType> type) {
  const std::string n = type->name();
  types_[n] = std::move(type);
}

const StepType* StepTypeRegistry::Find(const std::string& name) const {
  auto it = types_.find(name);
  return it == types_.end() ? nullptr : it->second.get();
}

const StepType& StepTypeRegistry::Get(const std::string& name, const std::string& where) const {
  if (const StepType* t = Find(name)) return *t;
  std::string names;
  for (const auto& n : Names()) names += (names.empty() ? "" : ", ") + n;
  throw InvalidInput(where + "unknown step type '" + name + "' (valid: " + names + ")");
}

std::vector<std::string> StepTypeRegistry::Names() const {
  std::vector<std::string> out;
  for (const auto& [n, t] : types_) out.push_back(n);
  return out;
}

const StepTypeRegistry& StepTypeRegistry::Builtins() {
  // Built once, immutable afterwards: safe to share between threads.
  static const StepTypeRegistry registry = [] {
    StepTypeRegistry r;
    RegisterBuiltinSteps(r);
    return r;
  }();
  return registry;
}

}  // namespace tabpilot
