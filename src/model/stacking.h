// Stack features: a level-2 member sees its feature pipeline's columns plus
// the predictions of named level-1 members. Training (out-of-fold predictions)
// and prediction (bagged predictions) build them with this one function so the
// column layout cannot drift apart.
#pragma once

#include <vector>

#include "data/matrix.h"
#include "data/task.h"

namespace tabpilot {

// Columns one member's predictions contribute: binary -> p(class 1) only,
// multiclass -> every class probability, regression -> the value.
size_t StackColumns(Task task, size_t prediction_columns);

// `base` with each input's stack columns appended, in order.
Matrix AppendStackFeatures(const Matrix& base, const std::vector<const Matrix*>& inputs, Task task);

}  // namespace tabpilot
