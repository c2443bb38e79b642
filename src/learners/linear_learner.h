// The "linear" learner family: L2-regularized linear models on dense features.
//
//   binary      logistic regression, one logit; Predict writes [1-p, p].
//   multiclass  multinomial (softmax) logistic regression, one weight vector per class.
//   regression  ridge regression, solved in closed form (Cholesky).
//
// Regularization is parameter `C`, the inverse strength as in scikit-learn:
//   logistic: minimize  C * sum_i s_i * logloss_i  +  ||W||^2 / 2
//   ridge:    minimize      sum_i s_i * (y_i - x_i.w - b)^2  +  ||w||^2 / C
// (ridge therefore equals scikit-learn's Ridge with alpha = 1/C). s_i are the
// sample weights (1 when absent). Intercepts are never penalized.
//
// The logistic objectives are minimized with L-BFGS, stopping when the largest
// gradient component of the objective divided by C * sum_i s_i falls below
// `tol`, after `max_iter` iterations, or when the fit deadline passes (the
// current solution is kept). Logistic fits spread rows over FitOptions::threads
// in fixed chunks, so the fitted model does not depend on the thread count.
//
// Inputs use FeatureFlavor::kDense (no NaN); a NaN that slips through is read as 0.
#pragma once

#include <memory>
#include <vector>

#include "learners/learner.h"
#include "learners/learner_registry.h"

namespace tabpilot {

// The declared parameters: C, max_iter, tol.
const std::vector<ParamSpec>& LinearParamSpecs();

// A "linear" learner with validated `params` (a JSON object; null = defaults).
// Throws InvalidInput naming the key for unknown or out-of-range parameters.
std::unique_ptr<Learner> CreateLinearLearner(const Json& params);

// Adds the "linear" family to `registry` (called from learner_list.cpp).
void RegisterLinearLearner(LearnerRegistry& registry);

}  // namespace tabpilot
