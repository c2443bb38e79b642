// The loss boosters early-stop on: logloss for classification, RMSE for
// regression, over validation rows (weighted when they carry weights).
#pragma once

#include "learners/learner.h"

namespace tabpilot {

// `pred` holds one value per row for binary (P(class 1)) and regression, and
// num_classes probabilities per row for multiclass. Probabilities are clamped
// away from 0 and 1 so a confident mistake costs a large but finite loss.
double EarlyStoppingLoss(const float* pred, const TrainData& valid, Task task, int num_classes);

}  // namespace tabpilot
