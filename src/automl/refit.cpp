#include "automl/refit.h"

#include <memory>

#include "learners/learner_registry.h"

namespace tabpilot {

std::optional<Json> RefitParams(const LearnerRegistry& learners, const std::string& family, const Json& params,
                                const Json& fold_info) {
  const LearnerRegistry::Entry& entry = learners.Get(family);
  // The family's own parameters go to its learner; anything else is not its business.
  Json own = Json::object();
  if (params.is_object()) {
    for (const ParamSpec& spec : entry.params) {
      if (params.contains(spec.name)) own[spec.name] = params.at(spec.name);
    }
  }
  const std::unique_ptr<Learner> learner = entry.create(own);
  std::optional<Json> refit = learner->RefitParams(fold_info);
  if (!refit) return std::nullopt;
  Json out = params.is_object() ? params : Json::object();
  const Json& current = learner->params().values();
  for (auto it = refit->begin(); it != refit->end(); ++it) {
    if (!current.contains(it.key()) || current.at(it.key()) != it.value()) out[it.key()] = it.value();
  }
  return out;
}

std::optional<Json> RefitParams(const std::string& family, Json params, const Json& fold_info) {
  return RefitParams(LearnerRegistry::WithBuiltins(), family, params, fold_info);
}

}  // namespace tabpilot
