// Registry of learner families by name. The built-in families are listed in
// one hand-written table (learner_list.cpp); there are no self-registering statics.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "learners/learner.h"

namespace tabpilot {

class LearnerRegistry {
 public:
  using Factory = std::function<std::unique_ptr<Learner>(const Json& params)>;
  struct Entry {
    std::string family;
    std::string description;
    std::vector<ParamSpec> params;
    Factory create;
  };

  // A registry with every built-in family (see learner_list.cpp).
  static LearnerRegistry WithBuiltins();

  void Register(Entry entry);
  // Creates a learner; unknown family -> InvalidInput listing the valid ones;
  // bad params -> InvalidInput naming the key.
  std::unique_ptr<Learner> Create(const std::string& family, const Json& params) const;
  const Entry& Get(const std::string& family) const;
  std::vector<std::string> Families() const;

 private:
  std::map<std::string, Entry> entries_;
};

// Called by WithBuiltins(); defined in learner_list.cpp.
void RegisterBuiltinLearners(LearnerRegistry& registry);

}  // namespace tabpilot
