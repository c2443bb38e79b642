// A toy learner family, not shipped: it shows what adding a family takes.
// Its own two files (this header and toy_learner.cpp) plus one registration
// line (RegisterToyLearner(registry), the line a shipped family adds to
// learners/learner_list.cpp); nothing in automl/ names it. The contract test
// (test_learner_contract.cpp) and the portfolio test run it like any
// built-in family.
//
// "toy_prior": predicts the training rows' smoothed, weighted class
// frequencies (classification) or their weighted mean (regression), whatever
// the features. Dense flavor; no early stopping; random search draws its
// smoothing.
#pragma once

#include "learners/learner_registry.h"

namespace tabpilot::testing {

inline constexpr const char* kToyFamily = "toy_prior";

// Adds "toy_prior" to `registry`.
void RegisterToyLearner(LearnerRegistry& registry);

}  // namespace tabpilot::testing
