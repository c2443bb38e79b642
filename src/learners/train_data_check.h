// The checks every learner family runs on the rows it is given to fit or
// early-stop on, with one message format: "<where> row R[, column C]: ...".
//
// Rows and columns are numbered from 1 in the order the learner was given
// them (row 1 is the first row of the matrix), in these messages and in any
// family-specific message about a row (use RowText / ColumnText).
#pragma once

#include <cstddef>
#include <string>

#include "learners/learner.h"

namespace tabpilot {

// Throws InvalidInput unless `data` is complete and consistent with the task:
// rows and `cols` columns, no infinite feature value (for TrainData::blocks
// checked as they are read, CheckRowValues), one finite label per row
// (a class index in [0, num_classes) for classification), weights (if any)
// one per row, finite and >= 0, not all zero. `where` starts every message,
// e.g. "xgboost: training". It also checks `options` itself: a binary task has
// num_classes = 2, a multiclass task at least 2.
void CheckTrainData(const TrainData& data, const std::string& where, const FitOptions& options, size_t cols);

// Throws InvalidInput naming the row (first_row + i) and column of the first
// infinite value among `count` row-major rows of `cols` values: the per-row
// part of CheckTrainData, for rows read a block at a time (TrainData::blocks).
void CheckRowValues(const float* values, size_t count, size_t cols, size_t first_row, const std::string& where,
                    const FitOptions& options);

// Checks the training rows and, when given, the early-stopping rows (which
// must have as many columns): CheckTrainData with "<family>: training" and
// "<family>: early-stopping". Every family's Fit and FitWithOwnOOF call it
// first.
void CheckFitData(const std::string& family, const TrainData& train, const TrainData* early_stopping,
                  const FitOptions& options);

// "row R" for the 0-based row index `index` (R = index + 1).
std::string RowText(size_t index);
// "column C" for the 0-based column `index`, with its name when `options`
// carries feature names: "column C ('name')".
std::string ColumnText(size_t index, const FitOptions& options);

}  // namespace tabpilot
