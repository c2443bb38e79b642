#include "learners/train_data_check.h"

#include <cmath>
#include <string>

#include "core/error.h"
#include "core/json.h"

namespace tabpilot {
namespace {

std::string NumberText(double v) { return Json(v).dump(); }

void CheckTask(const std::string& where, const FitOptions& options) {
  if (options.task == Task::kBinary && options.num_classes != 2) {
    throw InvalidInput(where + ": a binary task needs num_classes = 2, got " + std::to_string(options.num_classes));
  }
  if (options.task == Task::kMulticlass && options.num_classes < 2) {
    throw InvalidInput(where + ": a multiclass task needs num_classes >= 2, got " +
                       std::to_string(options.num_classes));
  }
}

void CheckLabelsAndWeights(const TrainData& data, const std::string& where, const FitOptions& options) {
  const size_t rows = data.num_rows();
  const bool weighted = data.weights != nullptr && !data.weights->empty();
  double total_weight = 0;
  for (size_t r = 0; r < rows; ++r) {
    const float y = (*data.y)[r];
    if (!std::isfinite(y)) throw InvalidInput(where + " " + RowText(r) + ": label is missing or infinite");
    if (IsClassification(options.task) &&
        (y < 0 || y >= static_cast<float>(options.num_classes) || y != std::floor(y))) {
      throw InvalidInput(where + " " + RowText(r) + ": label " + NumberText(y) + " is not a class index in [0, " +
                         std::to_string(options.num_classes - 1) + "]");
    }
    if (weighted) {
      const float w = (*data.weights)[r];
      if (!std::isfinite(w) || w < 0) {
        throw InvalidInput(where + " " + RowText(r) + ": weight " + NumberText(w) + " is not a finite value >= 0");
      }
      total_weight += w;
    }
  }
  if (weighted && !(total_weight > 0)) throw InvalidInput(where + " data: all sample weights are zero");
}

}  // namespace

std::string RowText(size_t index) { return "row " + std::to_string(index + 1); }

std::string ColumnText(size_t index, const FitOptions& options) {
  std::string text = "column " + std::to_string(index + 1);
  if (options.feature_names != nullptr && index < options.feature_names->size()) {
    text += " ('" + (*options.feature_names)[index] + "')";
  }
  return text;
}

void CheckRowValues(const float* values, size_t count, size_t cols, size_t first_row, const std::string& where,
                    const FitOptions& options) {
  for (size_t i = 0; i < count; ++i) {
    const float* row = values + i * cols;
    for (size_t c = 0; c < cols; ++c) {
      if (std::isinf(row[c])) {
        throw InvalidInput(where + " " + RowText(first_row + i) + ", " + ColumnText(c, options) +
                           ": infinite feature value");
      }
    }
  }
}

void CheckTrainData(const TrainData& data, const std::string& where, const FitOptions& options, size_t cols) {
  CheckTask(where, options);
  if ((data.x == nullptr && data.blocks == nullptr) || data.y == nullptr) {
    throw InvalidInput(where + " rows are missing");
  }
  const size_t rows = data.num_rows();
  if (rows == 0) throw InvalidInput(where + " data has no rows");
  if (data.num_cols() == 0) throw InvalidInput(where + " data has no feature columns");
  if (data.num_cols() != cols) {
    throw InvalidInput(where + " data has " + std::to_string(data.num_cols()) + " columns, expected " +
                       std::to_string(cols));
  }
  if (data.x != nullptr) {
    const Matrix& x = *data.x;
    if (x.values.size() != x.rows * x.cols) throw InvalidInput(where + " matrix size does not match its shape");
    if (data.rows != nullptr) {
      for (const size_t r : *data.rows) {
        if (r >= x.rows) {
          throw Internal(where + " rows list row " + std::to_string(r) + " of " + std::to_string(x.rows));
        }
      }
    }
  }
  if (data.y->size() != rows) {
    throw InvalidInput(where + " data has " + std::to_string(rows) + " rows but " + std::to_string(data.y->size()) +
                       " labels");
  }
  if (data.weights && !data.weights->empty() && data.weights->size() != rows) {
    throw InvalidInput(where + " data has " + std::to_string(rows) + " rows but " +
                       std::to_string(data.weights->size()) + " weights");
  }
  // Blocks are checked as they are read (CheckRowValues).
  if (data.x != nullptr) {
    for (size_t i = 0; i < rows; ++i) CheckRowValues(data.row(i), 1, cols, i, where, options);
  }
  CheckLabelsAndWeights(data, where, options);
}

void CheckFitData(const std::string& family, const TrainData& train, const TrainData* early_stopping,
                  const FitOptions& options) {
  if ((train.x == nullptr && train.blocks == nullptr) || train.y == nullptr) {
    throw InvalidInput(family + ": training rows are missing");
  }
  CheckTrainData(train, family + ": training", options, train.num_cols());
  if (early_stopping != nullptr) {
    if (early_stopping->blocks != nullptr) throw Internal(family + ": early-stopping rows given as blocks");
    CheckTrainData(*early_stopping, family + ": early-stopping", options, train.num_cols());
  }
}

}  // namespace tabpilot
