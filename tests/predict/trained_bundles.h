// Bundles the trainer makes for the predict tests: a small table of two
// numbers (some missing), a 12-level and a 3-level category and a target of
// each task's kind, and rows to predict with missing values, infinities and
// unseen categories.
#pragma once

#include <string>
#include <vector>

#include "data/task.h"
#include "model/bundle.h"

namespace tabpilot::testing {

// `rows` rows "a,b,colour,size,target" of `task`'s kind, drawn with `seed`.
std::string PredictCsv(Task task, int rows, unsigned seed);

// Rows to predict (same header): the training distribution, plus missing
// values, infinities, huge numbers and categories never seen in training.
std::string QueryCsv();

// A bundle trained on 900 rows of PredictCsv(task) (enough to stack a
// second level) with `families`, at most `max_models` candidates, 2
// threads, metric logloss (rmse for regression), the most accurate
// ensemble (--cost-tolerance 0); it holds both forms. `folds`: bagging
// folds (0 = automatic: 8 for these rows).
Bundle TrainBundle(Task task, const std::vector<std::string>& families, int max_models, int folds = 0);

}  // namespace tabpilot::testing
