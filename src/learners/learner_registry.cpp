#include "learners/learner_registry.h"

#include "core/error.h"

namespace tabpilot {

LearnerRegistry LearnerRegistry::WithBuiltins() {
  LearnerRegistry r;
  RegisterBuiltinLearners(r);
  return r;
}

void LearnerRegistry::Register(Entry entry) {
  if (entries_.count(entry.family)) throw Internal("learner family registered twice: " + entry.family);
  std::string name = entry.family;
  entries_.emplace(std::move(name), std::move(entry));
}

const LearnerRegistry::Entry& LearnerRegistry::Get(const std::string& family) const {
  auto it = entries_.find(family);
  if (it == entries_.end()) {
    std::string valid;
    for (const auto& [name, e] : entries_) valid += (valid.empty() ? "" : ", ") + name;
    throw InvalidInput("unknown learner family '" + family + "' (valid: " + valid + ")");
  }
  return it->second;
}

std::unique_ptr<Learner> LearnerRegistry::Create(const std::string& family, const Json& params) const {
  return Get(family).create(params);
}

std::vector<std::string> LearnerRegistry::Families() const {
  std::vector<std::string> out;
  for (const auto& [name, e] : entries_) out.push_back(name);
  return out;
}

}  // namespace tabpilot
