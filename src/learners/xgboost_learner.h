// The "xgboost" learner family: gradient-boosted trees trained by the XGBoost
// library (tree_method "hist"), with early stopping on the held-out fold,
// deadline-aware boosting and native categorical splits.
//
// Objectives: binary:logistic (Predict writes [1-p, p]), multi:softprob
// (one probability per class) and reg:squarederror (one value).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "core/params.h"
#include "learners/learner.h"
#include "learners/learner_registry.h"

namespace tabpilot {

// The family's parameters, declared once: validation, --help and the AutoML
// search space all read this table.
const std::vector<ParamSpec>& XgboostParamSpecs();

// A learner configured with `params` (a JSON object; missing keys take their
// defaults). Unknown keys, wrong types and out-of-range values throw
// InvalidInput naming the key.
std::unique_ptr<Learner> CreateXgboostLearner(const Json& params);

// Bytes a booster's fit holds at its peak beside its input matrix, an upper
// bound (the registry's fit_bytes): per cell of its rows the float copy, the
// quantized matrix and the gradients (10 bytes, automl/bagging.h); the
// trees of n_estimators rounds (a tree per class and round for multiclass)
// at their largest (2 x max_leaves - 1 nodes, else 2^(max_depth + 1) - 1,
// else 2 x rows), 56 bytes a node in XGBoost's memory, twice (the model is
// sliced to its best round, a copy); and the gradient histograms of a tree's
// nodes (max_bin x cols x 16 bytes a node). On a 24,000-row sample of 10
// columns two folds of 128-leaf boosters at once took ~60 MB; the bound says
// 69 MB a fold (early stopping ended them well before 2,000 rounds).
double XgboostFitBytes(size_t rows, size_t cols, int outputs, const Params& params);

// One random booster configuration for the search phase (the registry
// entry's sampler).
SearchDraw SampleXgboostConfig(std::mt19937_64& rng);

// A serialized xgboost model (Model::Serialize's bytes) taken apart for code
// that reads the trees itself (compiled/): the header's facts and the
// XGBoost UBJSON, checked exactly as Load checks them before libxgboost sees
// a byte (magic, version, header, checksum, CheckXgboostModel against the
// header). Throws InvalidInput("corrupt xgboost model: ...").
struct XgboostModelParts {
  Task task = Task::kBinary;
  int num_outputs = 2;      // values per row Predict writes (binary: 2)
  size_t num_features = 0;  // input columns
  int rounds = 0;           // boosting rounds kept
  std::string_view ubjson;  // a view into the bytes given
};
XgboostModelParts SplitXgboostModel(std::string_view bytes);

// One booster on rows spread over processes: while an XgbCollective is
// started (xgboost_api.h), every process calls this at once with the same
// learner, options and rounds on its own rows, and XGBoost sums the
// histograms across them each round; without one it trains on these rows
// alone. Boosts rounds [r, rounds) after `resume` (Model::Serialize bytes of
// the first r rounds; empty: r = 0), with no early stopping (the processes
// must stay in step). `base_score`: the label mean over every process's rows
// (binary, regression), so that all of them start from the same score.
struct ShardedBoostOptions {
  int rounds = 100;
  double base_score = 0.5;
  std::string resume;
  // Every `checkpoint_every` rounds (0 = never) `checkpoint` gets the model
  // so far as Model::Serialize bytes, with the rounds it holds.
  int checkpoint_every = 0;
  std::function<void(int rounds, const std::string& model)> checkpoint;
  // Called after each round with the rounds done; true stops the boosting.
  // It must answer the same on every process.
  std::function<bool(int rounds)> stop;
};
std::unique_ptr<Model> FitXgboostSharded(const Learner& learner, const TrainData& train, const FitOptions& options,
                                         const ShardedBoostOptions& sharded);

// Adds the "xgboost" family to `registry` (called from learner_list.cpp).
void RegisterXgboostLearner(LearnerRegistry& registry);

}  // namespace tabpilot
