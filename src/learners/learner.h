// The Learner / Model interface every model family implements.
//
// A Learner is a configured recipe (family + validated Params); Fit() turns
// training data into a Model. A Model predicts and serializes itself; the
// matching Learner's Load() restores it. Both are immutable after creation and
// safe to use from several threads at once (Predict is const and re-entrant).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/deadline.h"
#include "core/error.h"
#include "core/json.h"
#include "core/params.h"
#include "data/matrix.h"
#include "data/task.h"

namespace tabpilot {

// Which feature encoding a family wants (see features/):
//   kTree  - NaN for missing, numeric codes/one-hot for categoricals, unscaled.
//   kDense - no NaN (imputed), standardized numerics, one-hot categoricals.
enum class FeatureFlavor { kTree, kDense };

// Training rows made a block at a time rather than held in one Matrix (a
// table encoded on the fly: the trainer's refit on every row of a large
// table, automl/table_row_blocks.h). A learner that takes them reads each
// block once per pass and keeps its own compact copy (XGBoost's quantized
// matrix), so the dense rows never exist whole.
class RowBlocks {
 public:
  virtual ~RowBlocks() = default;
  virtual size_t rows() const = 0;
  virtual size_t cols() const = 0;
  // Rows [begin, begin + count) into `out` (resized to count x cols(),
  // row-major; NaN = missing). Throws on a failed read or encoding.
  virtual void Read(size_t begin, size_t count, std::vector<float>* out) const = 0;
};

// Training rows. `y` holds the class index (0..num_classes-1) as a float for
// classification, the value for regression. `weights` may be empty (all 1).
struct TrainData {
  const Matrix* x = nullptr;
  const std::vector<float>* y = nullptr;
  const std::vector<float>* weights = nullptr;
  // When set, the rows are x's rows at these indices, in this order (a fold
  // of a shared matrix, not a copy); y and weights are per listed row. Only
  // learners whose takes_row_view() is true are given one.
  const std::vector<size_t>* rows = nullptr;
  // When set (and x is null), the rows come from here a block at a time; y
  // and weights are per row of it. Only learners whose takes_row_view() is
  // true are given them, and never as early-stopping rows.
  const RowBlocks* blocks = nullptr;

  size_t num_rows() const { return blocks != nullptr ? blocks->rows() : rows != nullptr ? rows->size() : x->rows; }
  size_t num_cols() const { return blocks != nullptr ? blocks->cols() : x->cols; }
  // Row i of the data (x's row (*rows)[i] for a view). Not for blocks.
  const float* row(size_t i) const { return x->row(rows != nullptr ? (*rows)[i] : i); }
};

struct FitOptions {
  Task task = Task::kBinary;
  int num_classes = 2;                    // classification only; 1 for regression
  int threads = 1;                        // busy threads this fit may use
  uint64_t seed = 0;                      // all randomness derives from it
  Deadline deadline = Deadline::Never();  // stop adding trees/epochs when it passes
  // Names of the feature columns (for models that keep them, e.g. XGBoost).
  const std::vector<std::string>* feature_names = nullptr;
  // Indices of feature columns that are categorical codes (kTree flavor only;
  // 0..k-1 integer values, NaN missing). Families may ignore it.
  const std::vector<size_t>* categorical_features = nullptr;
};

// Buffers a model reuses from one prediction to the next on one thread (the
// one-row path, predict/row_predictor.h); each family that keeps any
// derives its own.
class PredictScratch {
 public:
  virtual ~PredictScratch() = default;
};

// A model that is a linear function of its features followed by a link
// (the linear family): raw score r = intercepts[r] + sum over j of
// weights[r * features + j] * x_j, with non-finite x_j read as 0; outputs
// are the raw score (kIdentity, regression), [1 - s, s] with s the logistic
// of the one raw score (kLogistic, binary), or the softmax of one raw score
// per class (kSoftmax). Explanations are exact on this form.
struct LinearForm {
  enum class Link : uint8_t { kIdentity, kLogistic, kSoftmax };
  Link link = Link::kIdentity;
  size_t features = 0;
  size_t raw = 1;
  std::vector<double> weights;     // raw x features, row-major
  std::vector<double> intercepts;  // raw
};

// A model whose first stage adds up one vector per input feature (the mlp
// family: its first layer's pre-activations): for a row x,
//   z = sum_bias() + sum over features f of T_f(x_f)     (sum_width() values)
// and its outputs are a function of z alone (PredictFromSums). Sampled
// explanations build coalitions of features by adding these vectors instead
// of running the whole model on every mixed row (explain/sampling_unit.h).
class FeatureSumForm {
 public:
  virtual ~FeatureSumForm() = default;
  virtual size_t sum_width() const = 0;
  virtual const std::vector<float>& sum_bias() const = 0;
  // T_f(x_f) for every feature of every row of x: rows x x.cols x sum_width().
  virtual void Contributions(const Matrix& x, std::vector<float>& out) const = 0;
  // The outputs (n x num_outputs, as Predict writes them) of n sums (n x
  // sum_width(), row-major, bias included). Allocates; one thread.
  virtual void PredictFromSums(const float* sums, size_t n, float* out) const = 0;
};

class Model {
 public:
  virtual ~Model() = default;
  // Number of values Predict writes per row: num_classes for classification
  // (probabilities summing to 1, binary included), 1 for regression.
  virtual int num_outputs() const = 0;
  // Writes x.rows * num_outputs() values, row-major, into `out`.
  virtual void Predict(const Matrix& x, float* out, int threads) const = 0;
  // Buffers for PredictWith; null for a family that needs none.
  virtual std::unique_ptr<PredictScratch> NewPredictScratch() const { return nullptr; }
  // Predict on the calling thread, with `scratch` from NewPredictScratch
  // (null when it gave none): once its buffers have grown, a family that
  // keeps them allocates nothing.
  virtual void PredictWith(const Matrix& x, float* out, PredictScratch* /*scratch*/) const { Predict(x, out, 1); }
  // Bytes that Learner::Load turns back into an identical model.
  virtual std::string Serialize() const = 0;
  // Facts learned during fitting worth showing (e.g. {"best_iteration": 412}).
  virtual Json Info() const { return Json::object(); }
  // The model as a LinearForm, for a family that is one; nullopt otherwise.
  virtual std::optional<LinearForm> AsLinear() const { return std::nullopt; }
  // The model as a FeatureSumForm (valid while the model lives), or null.
  virtual const FeatureSumForm* AsFeatureSum() const { return nullptr; }
};

class Learner {
 public:
  virtual ~Learner() = default;
  virtual const std::string& family() const = 0;
  virtual const Params& params() const = 0;
  virtual FeatureFlavor flavor() const = 0;
  // Whether Fit early-stops on `early_stopping` rows (bagging passes the
  // held-out fold; refit fixes the effort the folds found instead).
  virtual bool early_stops() const { return false; }
  // Whether Fit takes training rows as a view of a shared matrix
  // (TrainData::rows; bagging then passes each fold's rows without copying
  // them) or a block at a time (TrainData::blocks).
  virtual bool takes_row_view() const { return false; }
  // Fits a model. `early_stopping` may be null (then no early stopping). Must return a usable model even if the
  // deadline passes mid-fit (fewer trees/iterations), unless nothing at all
  // could be fitted (then it throws Internal).
  virtual std::unique_ptr<Model> Fit(const TrainData& train, const TrainData* early_stopping,
                                     const FitOptions& options) const = 0;
  // Whether FitWithOwnOOF can predict every training row without that row
  // from one fit on all rows (a bootstrapped forest's out-of-bag trees).
  // Bagging then fits once instead of k times, and the model is k times
  // cheaper to serve (AutoGluon's use_child_oof for forests).
  virtual bool has_own_oof() const { return false; }
  // Fits on all rows of `train` and writes each row's out-of-sample
  // prediction into `oof` (resized to rows x num_outputs). Only called when
  // has_own_oof(); the deadline behaves as in Fit.
  virtual std::unique_ptr<Model> FitWithOwnOOF(const TrainData& /*train*/, const FitOptions& /*options*/,
                                               Matrix* /*oof*/) const {
    throw Internal(family() + ": has no out-of-sample predictions of its own");
  }
  // Restores a model from Model::Serialize() output. Throws InvalidInput on
  // corrupt or truncated bytes (never reads past them).
  virtual std::unique_ptr<Model> Load(std::string_view bytes, const FitOptions& options) const = 0;
  // The parameters that fit this configuration once on all rows (the
  // deployable refit, see automl/refit.h) with the effort its k fold models
  // found. `fold_info` is the array of the fold models' Model::Info(). A family
  // that early-stops fixes the effort the folds kept (their mean rounds or
  // epochs) and turns early stopping off, since the refit has no held-out rows;
  // nullopt when the folds do not report that effort (then the members keep
  // their fold models). Default: params().values() unchanged.
  virtual std::optional<Json> RefitParams(const Json& fold_info) const {
    (void)fold_info;
    return params().values();
  }
};

// Mean of the numeric field `key` over the entries of `fold_info` (an array of
// Model::Info() objects) that report it; nullopt when none does or when
// `fold_info` is not an array. For Learner::RefitParams implementations.
std::optional<double> MeanFoldInfo(const Json& fold_info, const char* key);

// The refit parameters of a booster whose effort is a count (rounds, trees,
// cycles): `params` with `count_param` set to the folds' mean `info_key`
// (rounded, at least 1) and "early_stopping_rounds" 0; nullopt when no fold
// reports a positive `info_key`.
std::optional<Json> RefitWithFoldsEffort(const Params& params, const Json& fold_info, const char* info_key,
                                         const char* count_param);

}  // namespace tabpilot
