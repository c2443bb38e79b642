// The data report a trained bundle carries (reports/data.json): what the
// trainer saw in the training table. Per column: its inferred type, the
// share of missing cells, its distinct values, a distribution summary
// (numbers: min, quantiles, max, mean, standard deviation; categories and
// text: the most frequent values), whether the trainer used it and, if not,
// why (the column screening's reason). The target's balance (classes with
// their counts, or the value's summary). Warnings: columns dropped as empty,
// constant or ID-like, columns mostly missing, and columns that predict the
// target almost alone (a possible leak: the target recorded after the fact).
//
// The leak check: classification, a column's values (numbers in up to 20
// quantile bins, missing apart) each predicting their majority class get at
// least kLeakAccuracy of the rows right while the majority class alone gets
// at most kLeakAccuracy - 0.05; regression, a numeric column with
// |Pearson r| >= kLeakAccuracy. Categorical and text columns with more
// distinct values than a tenth of the rows are not checked (each value
// would predict itself).
#pragma once

#include "automl/problem.h"
#include "core/json.h"
#include "features/column_screening.h"

namespace tabpilot {

inline constexpr double kLeakAccuracy = 0.99;

Json BuildDataReport(const TrainingData& data, const ScreenResult& screen);

}  // namespace tabpilot
