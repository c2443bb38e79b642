// The checks every learner family runs on the rows it is given to fit or
// validate on, with one message format: "<where> row R[, column C]: ...".
#pragma once

#include <cstddef>
#include <string>

#include "learners/learner.h"

namespace tabpilot {

// Throws InvalidInput unless `data` is complete and consistent with the task:
// rows and `cols` columns, no infinite feature value, one finite label per row
// (a class index in [0, num_classes) for classification), weights (if any)
// one per row, finite and >= 0. `where` starts every message, e.g.
// "xgboost: training".
void CheckTrainData(const TrainData& data, const std::string& where, const FitOptions& options, size_t cols);

}  // namespace tabpilot
