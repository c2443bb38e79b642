#include "learners/additive_learner.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include "core/error.h"
#include "core/parallel.h"
#include "learners/additive_model.h"
#include "learners/boosting_loss.h"
#include "learners/byte_io.h"
#include "learners/early_stopping_loss.h"
#include "learners/forest_binning.h"
#include "learners/train_data_check.h"
#include "learners/train_row_runs.h"

namespace tabpilot {
namespace {

const std::string kFamily = "additive_boost";
// Serialized layout (byte_io.h): model header (magic "TPADDV\0\0") | u32 dims
// | u32 input columns | u32 cycles kept | dims f32 intercepts | per input column: u8 kind (0
// numeric, 1 categorical), u32 cut count n, n f32 cuts (strictly increasing),
// (n + 2) x dims f32 values (value bins 0..n, then missing) | u64 checksum.
constexpr char kMagic[] = "TPADDV\0\0";
constexpr uint32_t kFormatVersion = 1;
// Most cuts one column may have in a serialized model (training makes at
// most 254): guards against allocations driven by garbage bytes.
constexpr uint32_t kMaxCuts = 1u << 16;
// Rows per histogram block: the blocks' sums add up in block order, so a fit
// is the same whatever the thread count.
constexpr size_t kBlockRows = 16384;
constexpr size_t kPredictChunk = 512;
constexpr double kMinDenominator = 1e-12;

}  // namespace

AdditiveModelData DecodeAdditiveModel(std::string_view bytes) {
  ByteReader r(bytes, "corrupt additive_boost model");
  const ModelHeader h = ReadModelHeader(r, std::string_view(kMagic, 8), kFormatVersion, "an additive_boost model");
  r.Unseal();
  AdditiveModelData m;
  m.task = h.task;
  m.num_classes = static_cast<int>(h.num_classes);
  m.dims = r.U32("dims");
  if (m.dims != (h.task == Task::kMulticlass ? h.num_classes : 1)) r.Fail("bad score dimensions");
  m.input_cols = r.U32("input columns");
  if (m.input_cols == 0 || m.input_cols > r.remaining()) r.Fail("bad column count");
  m.cycles = r.U32("cycles");
  m.intercept = r.Floats(m.dims, "intercepts");
  m.shapes.resize(m.input_cols);
  for (AdditiveShape& s : m.shapes) {
    s.categorical = r.U8("column kind");
    if (s.categorical > 1) r.Fail("unknown column kind");
    const uint32_t n = r.U32("cut count");
    if (n > kMaxCuts) r.Fail("bad cut count");
    s.cuts = r.Floats(n, "cuts");
    for (size_t i = 0; i < s.cuts.size(); ++i) {
      if (!std::isfinite(s.cuts[i]) || (i > 0 && !(s.cuts[i] > s.cuts[i - 1]))) r.Fail("cuts not increasing");
    }
    s.values = r.Floats(s.slots() * m.dims, "shape values");
  }
  if (r.remaining() != 0) r.Fail("trailing bytes");
  return m;
}

namespace {

class AdditiveModel final : public Model {
 public:
  AdditiveModel(AdditiveModelData data, Json info) : data_(std::move(data)), info_(std::move(info)) {}

  int num_outputs() const override { return IsClassification(data_.task) ? data_.num_classes : 1; }

  void Predict(const Matrix& x, float* out, int threads) const override {
    CheckColumns(x);
    const size_t chunks = (x.rows + kPredictChunk - 1) / kPredictChunk;
    const size_t outputs = static_cast<size_t>(num_outputs());
    const size_t dims = data_.dims;
    ParallelFor(chunks, threads, [&](size_t c0, size_t c1, int) {
      std::vector<double> raw;
      for (size_t c = c0; c < c1; ++c) {
        const size_t begin = c * kPredictChunk;
        const size_t end = std::min(x.rows, begin + kPredictChunk);
        raw.resize((end - begin) * dims);
        for (size_t r = begin; r < end; ++r) {
          double* s = raw.data() + (r - begin) * dims;
          for (size_t k = 0; k < dims; ++k) s[k] = data_.intercept[k];
          const float* row = x.row(r);
          for (size_t col = 0; col < x.cols; ++col) {
            const AdditiveShape& shape = data_.shapes[col];
            const float* v = shape.values.data() + shape.SlotOf(row[col]) * dims;
            for (size_t k = 0; k < dims; ++k) s[k] += v[k];
          }
        }
        ScoresToOutputs(data_.task, data_.dims, raw.data(), end - begin, out + begin * outputs);
      }
    });
  }

  std::string Serialize() const override {
    ByteWriter w;
    WriteModelHeader(w, std::string_view(kMagic, 8), kFormatVersion, data_.task, data_.num_classes);
    w.U32(data_.dims);
    w.U32(data_.input_cols);
    w.U32(data_.cycles);
    w.Floats(data_.intercept);
    for (const AdditiveShape& s : data_.shapes) {
      w.U8(s.categorical);
      w.U32(static_cast<uint32_t>(s.cuts.size()));
      w.Floats(s.cuts);
      w.Floats(s.values);
    }
    return w.TakeSealed();
  }

  Json Info() const override { return info_; }

 private:
  void CheckColumns(const Matrix& x) const {
    if (x.cols != data_.input_cols) {
      throw InvalidInput(kFamily + " model expects " + std::to_string(data_.input_cols) + " feature columns, got " +
                         std::to_string(x.cols));
    }
  }

  AdditiveModelData data_;
  Json info_;
};

// The parameters of one fit, read once from the validated Params.
struct CycleConfig {
  int max_cycles = 0;
  double learning_rate = 0.1;
  int max_leaves = 16;
  double lambda = 1.0;
  double min_child_weight = 1e-3;
  int patience = 0;
  int threads = 1;

  static CycleConfig From(const Params& p, const FitOptions& options) {
    CycleConfig c;
    c.max_cycles = static_cast<int>(p.Int("max_cycles"));
    c.learning_rate = p.Float("learning_rate");
    c.max_leaves = static_cast<int>(p.Int("max_leaves"));
    c.lambda = p.Float("reg_lambda");
    c.min_child_weight = p.Float("min_child_weight");
    c.patience = static_cast<int>(p.Int("early_stopping_rounds"));
    c.threads = std::max(1, options.threads);
    return c;
  }
};

// Per slot of one column: the sums of the gradients and hessians of its rows,
// (G, H) for each score dimension: slots x 2 x dims.
using Histogram = std::vector<double>;

// One column's step: leaf values per slot, slots x dims, from its histogram.
// A numeric column's value bins are split best-first (by the Newton gain,
// each side holding at least min_child_weight of hessian) into at most
// max_leaves runs of bins; a categorical column's bins are a leaf each; the
// missing slot is always its own leaf.
std::vector<double> StepValues(const Histogram& hist, size_t slots, size_t dims, bool categorical,
                               const CycleConfig& config) {
  const size_t bins = slots - 1;
  // prefix[b * 2 * dims + 2k] and [... + 2k + 1]: the sums of G and H of
  // score dimension k over value bins [0, b).
  std::vector<double> prefix((bins + 1) * 2 * dims, 0.0);
  for (size_t b = 0; b < bins; ++b) {
    for (size_t i = 0; i < 2 * dims; ++i)
      prefix[(b + 1) * 2 * dims + i] = prefix[b * 2 * dims + i] + hist[b * 2 * dims + i];
  }
  auto sum = [&](size_t lo, size_t hi, size_t i) { return prefix[hi * 2 * dims + i] - prefix[lo * 2 * dims + i]; };
  auto hess = [&](size_t lo, size_t hi) {
    double h = 0;
    for (size_t k = 0; k < dims; ++k) h += sum(lo, hi, 2 * k + 1);
    return h;
  };
  auto score = [&](size_t lo, size_t hi) {
    double s = 0;
    for (size_t k = 0; k < dims; ++k) {
      const double g = sum(lo, hi, 2 * k);
      s += g * g / std::max(sum(lo, hi, 2 * k + 1) + config.lambda, kMinDenominator);
    }
    return s;
  };
  std::vector<std::pair<size_t, size_t>> leaves;
  if (categorical) {
    for (size_t b = 0; b < bins; ++b) leaves.emplace_back(b, b + 1);
  } else {
    leaves.emplace_back(0, bins);
    while (leaves.size() < static_cast<size_t>(config.max_leaves)) {
      double best_gain = 1e-12;
      size_t best_leaf = leaves.size(), best_cut = 0;
      for (size_t l = 0; l < leaves.size(); ++l) {
        const auto [lo, hi] = leaves[l];
        const double whole = score(lo, hi);
        for (size_t t = lo + 1; t < hi; ++t) {
          if (hess(lo, t) < config.min_child_weight || hess(t, hi) < config.min_child_weight) continue;
          const double gain = score(lo, t) + score(t, hi) - whole;
          if (gain > best_gain) {
            best_gain = gain;
            best_leaf = l;
            best_cut = t;
          }
        }
      }
      if (best_leaf == leaves.size()) break;
      const size_t hi = leaves[best_leaf].second;
      leaves[best_leaf].second = best_cut;
      leaves.emplace_back(best_cut, hi);
    }
  }
  std::vector<double> values(slots * dims, 0.0);
  auto newton = [&](double g, double h) {
    return h > 0 ? -config.learning_rate * g / std::max(h + config.lambda, kMinDenominator) : 0.0;
  };
  for (const auto& [lo, hi] : leaves) {
    if (hess(lo, hi) < config.min_child_weight) continue;
    for (size_t k = 0; k < dims; ++k) {
      const double v = newton(sum(lo, hi, 2 * k), sum(lo, hi, 2 * k + 1));
      for (size_t b = lo; b < hi; ++b) values[b * dims + k] = v;
    }
  }
  const double* missing = hist.data() + bins * 2 * dims;
  double missing_hess = 0;
  for (size_t k = 0; k < dims; ++k) missing_hess += missing[2 * k + 1];
  if (missing_hess >= config.min_child_weight) {
    for (size_t k = 0; k < dims; ++k) values[bins * dims + k] = newton(missing[2 * k], missing[2 * k + 1]);
  }
  return values;
}

// The cyclic fit's state over the binned training rows: every row's scores
// and, for the column stepped last, its step not yet added to them (the next
// column's histogram pass adds it, so each step reads the rows once).
class CyclicBooster {
 public:
  CyclicBooster(const BinnedMatrix& bins, const TrainData& train, Task task, const std::vector<float>& base,
                const CycleConfig& config)
      : bins_(bins), train_(train), task_(task), config_(config), dims_(base.size()), raw_(bins.rows * dims_) {
    for (size_t r = 0; r < bins.rows; ++r) std::copy(base.begin(), base.end(), raw_.begin() + r * dims_);
  }

  size_t Slot(size_t col, size_t r) const {
    const uint8_t c = bins_.feature_codes(col)[r];
    return c == BinnedMatrix::kMissingBin ? bins_.cuts[col].size() + 1 : c;
  }
  size_t Slots(size_t col) const { return bins_.cuts[col].size() + 2; }

  // Fits column `col` to the current gradients; returns its step (slots x dims).
  std::vector<double> Step(size_t col, bool categorical) {
    const Histogram hist = BuildHistogram(col);
    std::vector<double> step = StepValues(hist, Slots(col), dims_, categorical, config_);
    pending_col_ = col;
    pending_ = step;
    return step;
  }

 private:
  // Adds the pending step to every row's scores and sums the gradients there
  // by `col`'s slot: one pass, in blocks of kBlockRows summed in order.
  Histogram BuildHistogram(size_t col) {
    const size_t rows = bins_.rows;
    const size_t dims = dims_;
    const size_t slots = Slots(col);
    const size_t blocks = (rows + kBlockRows - 1) / kBlockRows;
    std::vector<double> parts(blocks * slots * 2 * dims, 0.0);
    const std::vector<float>& y = *train_.y;
    ParallelFor(blocks, config_.threads, [&](size_t b0, size_t b1, int) {
      std::vector<double> g(dims), h(dims);
      for (size_t b = b0; b < b1; ++b) {
        double* part = parts.data() + b * slots * 2 * dims;
        for (size_t r = b * kBlockRows; r < std::min(rows, (b + 1) * kBlockRows); ++r) {
          double* s = raw_.data() + r * dims;
          if (pending_col_) {
            const double* step = pending_.data() + Slot(*pending_col_, r) * dims;
            for (size_t k = 0; k < dims; ++k) s[k] += step[k];
          }
          LossGradients(task_, dims, s, y[r], SampleWeight(train_, r), g.data(), h.data());
          double* cell = part + Slot(col, r) * 2 * dims;
          for (size_t k = 0; k < dims; ++k) {
            cell[2 * k] += g[k];
            cell[2 * k + 1] += h[k];
          }
        }
      }
    });
    Histogram hist(slots * 2 * dims, 0.0);
    for (size_t b = 0; b < blocks; ++b) {
      for (size_t i = 0; i < hist.size(); ++i) hist[i] += parts[b * hist.size() + i];
    }
    pending_col_.reset();
    return hist;
  }

  const BinnedMatrix& bins_;
  const TrainData& train_;
  Task task_;
  CycleConfig config_;
  size_t dims_;
  std::vector<double> raw_;  // rows x dims
  std::optional<size_t> pending_col_;
  std::vector<double> pending_;
};

// The early-stopping rows' scores (a matrix or a view of its rows), kept up
// to date step by step.
class ValidationScores {
 public:
  ValidationScores(const TrainData& rows, const BinnedMatrix& bins, const std::vector<float>& base,
                   const FitOptions& options)
      : rows_(rows), options_(options), dims_(base.size()), n_(rows.num_rows()) {
    const size_t cols = rows.num_cols();
    slots_.resize(n_ * cols);
    for (size_t col = 0; col < cols; ++col) {
      const std::vector<float>& cuts = bins.cuts[col];
      for (size_t r = 0; r < n_; ++r) {
        const float v = rows.row(r)[col];
        slots_[col * n_ + r] =
            std::isnan(v) ? static_cast<uint16_t>(cuts.size() + 1)
                          : static_cast<uint16_t>(std::lower_bound(cuts.begin(), cuts.end(), v) - cuts.begin());
      }
    }
    raw_.resize(n_ * dims_);
    for (size_t r = 0; r < n_; ++r) std::copy(base.begin(), base.end(), raw_.begin() + r * dims_);
  }

  void Add(size_t col, const std::vector<double>& step) {
    const uint16_t* slot = slots_.data() + col * n_;
    for (size_t r = 0; r < n_; ++r) {
      for (size_t k = 0; k < dims_; ++k) raw_[r * dims_ + k] += step[slot[r] * dims_ + k];
    }
  }

  double Loss() {
    const size_t n = n_;
    pred_.resize(n * static_cast<size_t>(IsClassification(options_.task) ? options_.num_classes : 1));
    ScoresToOutputs(options_.task, static_cast<uint32_t>(dims_), raw_.data(), n, pred_.data());
    if (options_.task == Task::kBinary) {
      // EarlyStoppingLoss reads P(class 1) alone for binary.
      for (size_t r = 0; r < n; ++r) pred_[r] = pred_[2 * r + 1];
    }
    return EarlyStoppingLoss(pred_.data(), rows_, options_.task, options_.num_classes);
  }

 private:
  const TrainData& rows_;
  const FitOptions& options_;
  size_t dims_;
  size_t n_;
  std::vector<uint16_t> slots_;  // column-major
  std::vector<double> raw_;
  std::vector<float> pred_;
};

// Moves each shape's weighted mean over the training rows into the intercept.
void CentreShapes(const BinnedMatrix& bins, const TrainData& train, std::vector<std::vector<double>>& shapes,
                  std::vector<double>& intercept) {
  const size_t dims = intercept.size();
  for (size_t col = 0; col < shapes.size(); ++col) {
    const size_t slots = bins.cuts[col].size() + 2;
    std::vector<double> weight(slots, 0.0);
    const uint8_t* codes = bins.feature_codes(col);
    double total = 0;
    for (size_t r = 0; r < bins.rows; ++r) {
      const double w = SampleWeight(train, r);
      weight[codes[r] == BinnedMatrix::kMissingBin ? slots - 1 : codes[r]] += w;
      total += w;
    }
    if (!(total > 0)) continue;
    for (size_t k = 0; k < dims; ++k) {
      double mean = 0;
      for (size_t s = 0; s < slots; ++s) mean += weight[s] * shapes[col][s * dims + k];
      mean /= total;
      for (size_t s = 0; s < slots; ++s) shapes[col][s * dims + k] -= mean;
      intercept[k] += mean;
    }
  }
}

class AdditiveLearner final : public Learner {
 public:
  explicit AdditiveLearner(Params params) : params_(std::move(params)) {}

  const std::string& family() const override { return kFamily; }
  const Params& params() const override { return params_; }
  FeatureFlavor flavor() const override { return FeatureFlavor::kTree; }
  bool early_stops() const override { return params_.Int("early_stopping_rounds") > 0; }
  bool takes_row_view() const override { return true; }

  std::unique_ptr<Model> Fit(const TrainData& train, const TrainData* valid, const FitOptions& options) const override {
    CheckFitData(kFamily, train, valid, options);
    const size_t cols = train.num_cols();
    if (cols == 0) throw InvalidInput(kFamily + ": no features");
    const CycleConfig config = CycleConfig::From(params_, options);
    const Stopwatch watch;
    const uint32_t dims = options.task == Task::kMulticlass ? static_cast<uint32_t>(options.num_classes) : 1;
    const std::vector<float> base = BaseScores(train, options.task, dims, kFamily);
    const BinnedMatrix bins =
        BinTrainRows(train, options, kFamily + ": training", static_cast<int>(params_.Int("max_bins")), config.threads);
    std::vector<uint8_t> categorical(cols, 0);
    if (options.categorical_features != nullptr) {
      for (size_t c : *options.categorical_features) {
        if (c >= cols) throw InvalidInput(kFamily + ": categorical feature index out of range");
        categorical[c] = 1;
      }
    }

    std::vector<std::vector<double>> shapes(cols), best;
    for (size_t col = 0; col < cols; ++col) shapes[col].assign((bins.cuts[col].size() + 2) * dims, 0.0);
    std::optional<ValidationScores> held_out;
    if (valid != nullptr && early_stops()) held_out.emplace(*valid, bins, base, options);
    CyclicBooster booster(bins, train, options.task, base, config);
    double best_loss = std::numeric_limits<double>::infinity();
    int best_cycles = 0, cycles = 0;
    bool by_deadline = false;
    for (; cycles < config.max_cycles && !by_deadline; ++cycles) {
      for (size_t col = 0; col < cols; ++col) {
        // The first cycle always completes so a late start still yields a model.
        if (cycles > 0 && options.deadline.Expired()) {
          by_deadline = true;
          break;
        }
        const std::vector<double> step = booster.Step(col, categorical[col] != 0);
        for (size_t i = 0; i < step.size(); ++i) shapes[col][i] += step[i];
        if (held_out) held_out->Add(col, step);
      }
      if (by_deadline) break;
      if (!held_out) continue;
      const double loss = held_out->Loss();
      if (loss < best_loss) {
        best_loss = loss;
        best_cycles = cycles + 1;
        best = shapes;
      } else if (cycles + 1 - best_cycles >= config.patience) {
        ++cycles;
        break;
      }
    }
    if (held_out && !best.empty()) shapes = std::move(best);
    const int kept = held_out ? std::max(best_cycles, 1) : cycles;

    std::vector<double> intercept(base.begin(), base.end());
    CentreShapes(bins, train, shapes, intercept);
    AdditiveModelData m;
    m.task = options.task;
    m.num_classes = IsClassification(options.task) ? options.num_classes : 1;
    m.dims = dims;
    m.input_cols = static_cast<uint32_t>(cols);
    m.cycles = static_cast<uint32_t>(kept);
    m.intercept.assign(intercept.begin(), intercept.end());
    m.shapes.resize(cols);
    for (size_t col = 0; col < cols; ++col) {
      m.shapes[col].categorical = categorical[col];
      m.shapes[col].cuts = bins.cuts[col];
      m.shapes[col].values.assign(shapes[col].begin(), shapes[col].end());
    }
    Json info = {{"cycles", kept},
                 {"cycles_trained", cycles},
                 {"columns", cols},
                 {"stopped_by_deadline", by_deadline},
                 {"fit_seconds", watch.Seconds()}};
    if (held_out) info["best_validation_loss"] = best_loss;
    return std::make_unique<AdditiveModel>(std::move(m), std::move(info));
  }

  // The refit runs as many cycles as the folds kept on average, without early
  // stopping: it has no held-out rows, and max_cycles would overfit.
  std::optional<Json> RefitParams(const Json& fold_info) const override {
    return RefitWithFoldsEffort(params_, fold_info, "cycles", "max_cycles");
  }

  std::unique_ptr<Model> Load(std::string_view bytes, const FitOptions&) const override {
    AdditiveModelData m = DecodeAdditiveModel(bytes);
    Json info = {{"cycles", m.cycles}, {"columns", m.input_cols}};
    return std::make_unique<AdditiveModel>(std::move(m), std::move(info));
  }

 private:
  Params params_;
};

}  // namespace

std::vector<ParamSpec> AdditiveParamSpecs() {
  using K = ParamSpec::Kind;
  return {
      {"max_cycles", K::kInt, 5000, 1, 1000000, {}, "most cycles through every column"},
      {"learning_rate", K::kFloat, 0.1, 1e-4, 1.0, {}, "shrinkage of every step's leaf values"},
      {"max_leaves", K::kInt, 16, 2, 64, {}, "leaves of each step's tree over a numeric column's bins"},
      {"reg_lambda", K::kFloat, 1.0, 0.0, 1e6, {}, "L2 regularization of the leaf values"},
      {"min_child_weight", K::kFloat, 1e-3, 0.0, 1e6, {}, "least hessian a leaf (and a category) must hold"},
      {"early_stopping_rounds",
       K::kInt,
       50,
       0,
       1000000,
       {},
       "stop after this many cycles without a better validation loss (0 = off)"},
      {"max_bins", K::kInt, 255, 2, 255, {}, "quantile bins per column"},
  };
}

void RegisterAdditiveLearner(LearnerRegistry& registry) {
  LearnerRegistry::Entry entry;
  entry.family = kFamily;
  entry.description = "generalized additive model by cyclic boosting of one column at a time (EBM-like)";
  entry.params = AdditiveParamSpecs();
  entry.create = [specs = entry.params](const Json& given) -> std::unique_ptr<Learner> {
    return std::make_unique<AdditiveLearner>(Params::Validate(specs, given, kFamily));
  };
  // What a fit holds beside its matrix: one byte a cell of bins, the rows'
  // scores, the histogram blocks and, briefly, a sorted column per thread
  // while binning.
  entry.fit_bytes = [](size_t rows, size_t cols, int outputs, const Params&) {
    const double dims = outputs > 2 ? outputs : 1;
    const double r = static_cast<double>(rows);
    return r * static_cast<double>(cols) + r * dims * 8.0 + r * 8.0 +
           (r / static_cast<double>(kBlockRows) + 1) * 256 * 2 * dims * 8.0;
  };
  registry.Register(std::move(entry));
}

}  // namespace tabpilot
