#include "pipeline/step.h"

#include <fstream>

namespace tabpilot {
namespace fs = std::filesystem;

fs::path StepContext::Path(const std::string& key) const { return ResolvePath(fields.String(key)); }

fs::path StepContext::ResolvePath(const std::string& text) const {
  fs::path p(text);
  return p.is_absolute() ? p : (base_dir / p).lexically_normal();
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
