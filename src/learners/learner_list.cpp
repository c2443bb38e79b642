// The one table of built-in learner families. Add a family here.
#include "learners/learner_registry.h"

namespace tabpilot {

void RegisterBuiltinLearners(LearnerRegistry& registry) {
  (void)registry;
}

}  // namespace tabpilot
