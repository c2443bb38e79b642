#include "learners/train_data_check.h"

#include <cmath>
#include <string>

#include "core/error.h"
#include "core/json.h"

namespace tabpilot {
namespace {

std::string NumberText(double v) { return Json(v).dump(); }

}  // namespace

void CheckTrainData(const TrainData& data, const std::string& where, const FitOptions& options, size_t cols) {
  if (data.x == nullptr || data.y == nullptr) throw InvalidInput(where + " rows are missing");
  const Matrix& x = *data.x;
  if (x.rows == 0) throw InvalidInput(where + " data has no rows");
  if (x.cols == 0) throw InvalidInput(where + " data has no feature columns");
  if (x.cols != cols) {
    throw InvalidInput(where + " data has " + std::to_string(x.cols) + " columns, expected " + std::to_string(cols));
  }
  if (x.values.size() != x.rows * x.cols) throw InvalidInput(where + " matrix size does not match its shape");
  if (data.y->size() != x.rows) {
    throw InvalidInput(where + " data has " + std::to_string(x.rows) + " rows but " + std::to_string(data.y->size()) +
                       " labels");
  }
  if (data.weights && !data.weights->empty() && data.weights->size() != x.rows) {
    throw InvalidInput(where + " data has " + std::to_string(x.rows) + " rows but " +
                       std::to_string(data.weights->size()) + " weights");
  }
  for (size_t i = 0; i < x.values.size(); ++i) {
    if (std::isinf(x.values[i])) {
      throw InvalidInput(where + " row " + std::to_string(i / x.cols) + ", column " + std::to_string(i % x.cols) +
                         ": infinite feature value");
    }
  }
  for (size_t r = 0; r < x.rows; ++r) {
    const float y = (*data.y)[r];
    if (!std::isfinite(y)) throw InvalidInput(where + " row " + std::to_string(r) + ": label is missing or infinite");
    if (IsClassification(options.task) &&
        (y < 0 || y >= static_cast<float>(options.num_classes) || y != std::floor(y))) {
      throw InvalidInput(where + " row " + std::to_string(r) + ": label " + NumberText(y) +
                         " is not a class index in [0, " + std::to_string(options.num_classes - 1) + "]");
    }
    if (data.weights && !data.weights->empty()) {
      const float w = (*data.weights)[r];
      if (!std::isfinite(w) || w < 0) {
        throw InvalidInput(where + " row " + std::to_string(r) + ": weight " + NumberText(w) +
                           " is not a finite value >= 0");
      }
    }
  }
}

}  // namespace tabpilot
