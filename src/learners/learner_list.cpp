// The one table of built-in learner families. Add a family here.
#include "learners/additive_learner.h"
#include "learners/forest_learner.h"
#include "learners/knn_learner.h"
#include "learners/learner_registry.h"
#include "learners/linear_learner.h"
#include "learners/mlp_learner.h"
#include "learners/oblivious_learner.h"
#include "learners/xgboost_learner.h"

namespace tabpilot {

void RegisterBuiltinLearners(LearnerRegistry& registry) {
  (void)registry;
  RegisterAdditiveLearner(registry);
  RegisterForestLearners(registry);
  RegisterKnnLearner(registry);
  RegisterLinearLearner(registry);
  RegisterMlpLearner(registry);
  RegisterObliviousLearner(registry);
  RegisterXgboostLearner(registry);
}

}  // namespace tabpilot
