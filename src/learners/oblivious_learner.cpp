#include "learners/oblivious_learner.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <tuple>
#include <utility>

#include "core/error.h"
#include "core/hash.h"
#include "core/parallel.h"
#include "learners/boosting_loss.h"
#include "learners/byte_io.h"
#include "learners/early_stopping_loss.h"
#include "learners/forest_binning.h"
#include "learners/oblivious_model.h"
#include "learners/target_statistics.h"
#include "learners/train_data_check.h"
#include "learners/train_row_runs.h"

namespace tabpilot {
namespace {

const std::string kFamily = "oblivious_boost";
// Serialized layout (byte_io.h): model header (magic "TPOBLV\0\0") | u32 dims
// | u32 input columns | u32 numeric count | numeric columns (u32 each) |
// (version >= 3) u32 one-hot count, per indicator u32 column and u32 code |
// target statistics | dims f32 base scores | u32 trees | per tree: u8 depth,
// depth x (u32 feature, f32 border), 2^depth x dims f32 leaves | (version >=
// 2) u64 checksum. Versions 1 (no checksum) and 2 (no one-hot) are still read.
constexpr char kMagic[] = "TPOBLV\0\0";
constexpr uint32_t kFormatVersion = 3;
constexpr uint32_t kOldestFormatVersion = 1;
constexpr int kMaxDepth = 10;
// Rows per parallel prediction chunk.
constexpr size_t kPredictChunk = 512;
// Smallest denominator of a leaf's Newton step or gain (empty leaves with l2_leaf_reg 0).
constexpr double kMinDenominator = 1e-12;
constexpr double kMaxSubtractionBytes = 256.0 * 1024 * 1024;
// Most levels a one-hot column may have: its codes, a missing level and "none of them" fit a byte.
constexpr int kMaxOneHotLevels = 254;

// The derived feature rows [begin, end) of x: numeric columns, one-hot
// indicators, then target statistics.
void DerivedFeatures(const ObliviousModelData& m, const Matrix& x, size_t begin, size_t end, std::vector<float>* out) {
  const size_t nf = m.num_features();
  const size_t nn = m.numeric.size();
  const size_t no = m.one_hot.size();
  const size_t nc = m.ctr.num_features();
  out->assign((end - begin) * nf, 0.0f);
  std::vector<float> ctr(nc == 0 ? 0 : (end - begin) * nc);
  if (nc > 0) m.ctr.Transform(x, begin, end, ctr.data());
  for (size_t r = begin; r < end; ++r) {
    float* o = out->data() + (r - begin) * nf;
    const float* row = x.row(r);
    for (size_t j = 0; j < nn; ++j) o[j] = row[m.numeric[j]];
    for (size_t j = 0; j < no; ++j) o[nn + j] = OneHotValue(m.one_hot[j], row[m.one_hot[j].column]);
    for (size_t j = 0; j < nc; ++j) o[nn + no + j] = ctr[(r - begin) * nc + j];
  }
}

// The leaf a row of derived features falls in.
uint32_t LeafIndex(const ObliviousTree& tree, const float* f) {
  uint32_t idx = 0;
  for (size_t d = 0; d < tree.features.size(); ++d) {
    idx |= static_cast<uint32_t>(f[tree.features[d]] > tree.borders[d]) << d;
  }
  return idx;
}

// Raw scores (dims per row) of `features` (rows x nf) after the first `trees` trees.
void RawScores(const ObliviousModelData& m, const float* features, size_t rows, size_t trees, double* raw) {
  const size_t nf = m.num_features();
  for (size_t r = 0; r < rows; ++r) {
    double* s = raw + r * m.dims;
    for (uint32_t k = 0; k < m.dims; ++k) s[k] = m.base[k];
    const float* f = features + r * nf;
    for (size_t t = 0; t < trees; ++t) {
      const ObliviousTree& tree = m.trees[t];
      const float* leaf = tree.leaves.data() + static_cast<size_t>(LeafIndex(tree, f)) * m.dims;
      for (uint32_t k = 0; k < m.dims; ++k) s[k] += leaf[k];
    }
  }
}

class ObliviousModel : public Model {
 public:
  ObliviousModel(ObliviousModelData data, Json info) : data_(std::move(data)), info_(std::move(info)) {}

  int num_outputs() const override { return IsClassification(data_.task) ? data_.num_classes : 1; }

  void Predict(const Matrix& x, float* out, int threads) const override {
    if (x.cols != data_.input_cols) {
      throw InvalidInput("oblivious_boost model expects " + std::to_string(data_.input_cols) +
                         " feature columns, got " + std::to_string(x.cols));
    }
    const size_t chunks = (x.rows + kPredictChunk - 1) / kPredictChunk;
    const size_t outputs = static_cast<size_t>(num_outputs());
    ParallelFor(chunks, threads, [&](size_t c0, size_t c1, int) {
      std::vector<float> features;
      std::vector<double> raw;
      for (size_t c = c0; c < c1; ++c) {
        const size_t begin = c * kPredictChunk;
        const size_t end = std::min(x.rows, begin + kPredictChunk);
        DerivedFeatures(data_, x, begin, end, &features);
        raw.assign((end - begin) * data_.dims, 0.0);
        RawScores(data_, features.data(), end - begin, data_.trees.size(), raw.data());
        ScoresToOutputs(data_.task, data_.dims, raw.data(), end - begin, out + begin * outputs);
      }
    });
  }

  std::string Serialize() const override {
    ByteWriter w;
    WriteModelHeader(w, std::string_view(kMagic, 8), kFormatVersion, data_.task, data_.num_classes);
    w.U32(data_.dims);
    w.U32(data_.input_cols);
    w.U32(static_cast<uint32_t>(data_.numeric.size()));
    for (uint32_t c : data_.numeric) w.U32(c);
    w.U32(static_cast<uint32_t>(data_.one_hot.size()));
    for (const OneHotFeature& f : data_.one_hot) {
      w.U32(f.column);
      w.U32(f.code);
    }
    data_.ctr.Write(w);
    w.Floats(data_.base);
    w.U32(static_cast<uint32_t>(data_.trees.size()));
    for (const ObliviousTree& t : data_.trees) {
      w.U8(static_cast<uint8_t>(t.features.size()));
      for (size_t d = 0; d < t.features.size(); ++d) {
        w.U32(t.features[d]);
        w.F32(t.borders[d]);
      }
      w.Floats(t.leaves);
    }
    return w.TakeSealed();
  }

  Json Info() const override { return info_; }

 private:
  ObliviousModelData data_;
  Json info_;
};

// Feature-major bin codes of the training rows, one "unit" of codes per
// numeric column or target statistic (ordered: NaN -> 0, a value v -> 1 +
// (number of cuts below v); "code <= t" is then "NaN or v <= cuts[t-1]") and
// one per one-hot column (code j + 1 for its j-th level, 0 for none of them;
// its tests are "code == t", t >= 1). A unit's tests are on derived feature
// first_feature (ordered) or first_feature + t - 1 (one-hot: indicator t).
struct Codes {
  size_t rows = 0;
  std::vector<uint8_t> codes;            // codes[f * rows + r]
  std::vector<std::vector<float>> cuts;  // per unit (empty for one-hot)
  std::vector<uint32_t> num_codes;       // per unit: cuts.size() + 2, or levels + 1
  std::vector<uint32_t> first_feature;   // per unit: its (first) derived feature
  std::vector<char> one_hot;             // per unit: 1 for a one-hot column

  const uint8_t* feature(size_t f) const { return codes.data() + f * rows; }
  // Whether code c takes the right branch of test t of unit f.
  bool Right(size_t f, uint32_t t, uint8_t c) const { return one_hot[f] ? c == t : c > t; }
  // The tree's (derived feature, border) of test t of unit f.
  std::pair<uint32_t, float> Test(size_t f, uint32_t t) const {
    if (one_hot[f]) return {first_feature[f] + t - 1, 0.5f};
    return {first_feature[f], t == 0 ? -std::numeric_limits<float>::infinity() : cuts[f][t - 1]};
  }
  size_t features() const { return first_feature.empty() ? 0 : first_feature.back() + Width(first_feature.size() - 1); }

 private:
  size_t Width(size_t f) const { return one_hot[f] ? num_codes[f] - 1 : 1; }
};

void AppendBinned(const BinnedMatrix& b, Codes* out) {
  for (size_t f = 0; f < b.cols; ++f) {
    out->first_feature.push_back(static_cast<uint32_t>(out->features()));
    out->one_hot.push_back(0);
    const uint8_t* src = b.feature_codes(f);
    const size_t at = out->codes.size();
    out->codes.resize(at + b.rows);
    for (size_t r = 0; r < b.rows; ++r) {
      out->codes[at + r] = src[r] == BinnedMatrix::kMissingBin ? 0 : static_cast<uint8_t>(src[r] + 1);
    }
    out->cuts.push_back(b.cuts[f]);
    out->num_codes.push_back(static_cast<uint32_t>(b.cuts[f].size() + 2));
  }
}

// The distinct values of one categorical column seen so far (NaN aside), up
// to limit + 1 of them (then it stops counting): whole numbers below 256 by a
// table, any others in a sorted list.
class LevelScan {
 public:
  explicit LevelScan(size_t limit) : limit_(limit), small_(kSmall, 0) {}

  void Add(float v) {
    if (std::isnan(v)) {
      missing_ = true;
    } else if (count_ <= limit_) {
      if (v >= 0.0f && v < static_cast<float>(kSmall) && v == std::floor(v)) {
        char& seen = small_[static_cast<size_t>(v)];
        count_ += seen ? 0 : 1;
        seen = 1;
      } else {
        const auto it = std::lower_bound(other_.begin(), other_.end(), v);
        if (it == other_.end() || *it != v) {
          other_.insert(it, v);
          ++count_;
        }
      }
    }
  }

  // The values seen, ascending (limit + 1 of them when there were more).
  std::vector<float> Levels() const {
    std::vector<float> out;
    for (size_t i = 0; i < kSmall; ++i) {
      if (small_[i]) out.push_back(static_cast<float>(i));
    }
    out.insert(out.end(), other_.begin(), other_.end());
    std::sort(out.begin(), out.end());
    return out;
  }
  bool missing() const { return missing_; }

 private:
  static constexpr size_t kSmall = 256;
  size_t limit_;
  size_t count_ = 0;
  bool missing_ = false;
  std::vector<char> small_;
  std::vector<float> other_;
};

// Which input columns are categorical (FitOptions::categorical_features).
std::vector<char> CategoricalColumns(size_t cols, const FitOptions& options) {
  std::vector<char> is_cat(cols, 0);
  if (options.categorical_features != nullptr) {
    for (size_t c : *options.categorical_features) {
      if (c >= cols) throw InvalidInput(kFamily + ": categorical feature index out of range");
      is_cat[c] = 1;
    }
  }
  return is_cat;
}

// Splits the input columns by the levels each categorical one showed
// (`levels`, one scan per input column, read for categorical ones): numbers
// (into m->numeric: numeric columns and categorical ones with at most two
// levels), one-hot columns (into m->one_hot: categorical ones with at most
// `limit` levels, each level a whole-number code, and missing values a level
// of their own when there are any) and the categorical columns that get
// target statistics (returned).
std::vector<size_t> SplitColumns(const std::vector<char>& is_cat, const std::vector<LevelScan>& levels, size_t limit,
                                 ObliviousModelData* m) {
  std::vector<size_t> cats;
  for (size_t c = 0; c < is_cat.size(); ++c) {
    if (!is_cat[c]) {
      m->numeric.push_back(static_cast<uint32_t>(c));
      continue;
    }
    const std::vector<float> seen = levels[c].Levels();
    if (seen.size() <= 2) {
      m->numeric.push_back(static_cast<uint32_t>(c));
    } else if (seen.size() <= limit && std::all_of(seen.begin(), seen.end(), [](float v) {
                 return v >= 0.0f && v < 4.0e9f && v == std::floor(v);
               })) {
      for (float v : seen) m->one_hot.push_back({static_cast<uint32_t>(c), static_cast<uint32_t>(v)});
      if (levels[c].missing()) m->one_hot.push_back({static_cast<uint32_t>(c), kOneHotMissing});
    } else {
      cats.push_back(c);
    }
  }
  return cats;
}

// How one input column becomes a unit of codes (Codes) or a column of the
// target statistics' input.
struct ColumnCoder {
  uint32_t column = 0;
  enum class Kind : uint8_t { kOrdered, kOneHot, kStatistics } kind = Kind::kOrdered;
  std::vector<float> values;   // kOrdered: the cuts; kOneHot: the level codes, ascending
  bool missing_level = false;  // kOneHot: NaN is the level after `values`
  size_t slot = 0;             // kOrdered, kOneHot: the unit; kStatistics: the column of its input
};

// The coders of the numeric and one-hot units (in Codes' order) and of the
// target statistics' columns, with the numeric cuts from `sample`; fills
// the units' part of `codes` except the codes themselves.
std::vector<ColumnCoder> MakeCoders(const ObliviousModelData& m, const std::vector<size_t>& cats, const Matrix& sample,
                                    const Params& params, int threads, Codes* codes) {
  std::vector<ColumnCoder> coders;
  Matrix numeric(sample.rows, m.numeric.size());
  for (size_t r = 0; r < sample.rows; ++r) {
    for (size_t j = 0; j < m.numeric.size(); ++j) numeric.at(r, j) = sample.at(r, m.numeric[j]);
  }
  const BinnedMatrix cut =
      numeric.cols > 0 ? BinFeatures(numeric, static_cast<int>(params.Int("max_bins")), threads) : BinnedMatrix();
  for (size_t j = 0; j < m.numeric.size(); ++j) {
    codes->first_feature.push_back(static_cast<uint32_t>(codes->features()));
    codes->one_hot.push_back(0);
    codes->cuts.push_back(cut.cuts[j]);
    codes->num_codes.push_back(static_cast<uint32_t>(cut.cuts[j].size() + 2));
    coders.push_back({m.numeric[j], ColumnCoder::Kind::kOrdered, cut.cuts[j], false, j});
  }
  for (size_t i = 0; i < m.one_hot.size();) {
    ColumnCoder coder{m.one_hot[i].column, ColumnCoder::Kind::kOneHot, {}, false, codes->num_codes.size()};
    size_t levels = 0;
    for (; i + levels < m.one_hot.size() && m.one_hot[i + levels].column == coder.column; ++levels) {
      // The codes ascending, as SplitColumns listed them; the missing level last.
      const uint32_t code = m.one_hot[i + levels].code;
      if (code == kOneHotMissing) {
        coder.missing_level = true;
      } else {
        coder.values.push_back(static_cast<float>(code));
      }
    }
    codes->first_feature.push_back(static_cast<uint32_t>(codes->features()));
    codes->one_hot.push_back(1);
    codes->cuts.emplace_back();
    codes->num_codes.push_back(static_cast<uint32_t>(levels + 1));
    coders.push_back(std::move(coder));
    i += levels;
  }
  for (size_t j = 0; j < cats.size(); ++j) {
    coders.push_back({static_cast<uint32_t>(cats[j]), ColumnCoder::Kind::kStatistics, {}, false, j});
  }
  return coders;
}

// The code of value v of an ordered or one-hot unit (Codes).
uint8_t UnitCode(const ColumnCoder& coder, float v) {
  if (coder.kind == ColumnCoder::Kind::kOrdered) {
    const uint8_t bin = BinCode(coder.values, v);
    return bin == BinnedMatrix::kMissingBin ? 0 : static_cast<uint8_t>(bin + 1);
  }
  if (std::isnan(v)) return coder.missing_level ? static_cast<uint8_t>(coder.values.size() + 1) : 0;
  const auto it = std::lower_bound(coder.values.begin(), coder.values.end(), v);
  return it != coder.values.end() && *it == v ? static_cast<uint8_t>(it - coder.values.begin() + 1) : 0;
}

// What the training rows become before boosting: the bin codes of every unit
// (numeric columns, one-hot columns, then target statistics) and, in `m`,
// the split of the columns and the fitted target statistics. The rows are
// read twice, a run at a time, whatever holds them (train_row_runs.h): once
// for the categorical columns' levels and the numeric cuts (from an even
// spread of rows), once to code every row; only the columns that get target
// statistics are copied, as floats, for those.
Codes CodeTrainRows(const TrainData& train, const FitOptions& options, const Params& params, int threads, uint64_t seed,
                    ObliviousModelData* m) {
  const std::string where = kFamily + ": training";
  const size_t n = train.num_rows();
  const size_t cols = train.num_cols();
  const std::vector<char> is_cat = CategoricalColumns(cols, options);
  const size_t limit = static_cast<size_t>(std::max<int64_t>(2, params.Int("one_hot_max_size")));
  std::vector<LevelScan> levels(cols, LevelScan(limit));
  const Matrix sample = CutSampleRows(train, options, where, [&](size_t, size_t count, const float* values) {
    for (size_t c = 0; c < cols; ++c) {
      if (!is_cat[c]) continue;
      for (size_t i = 0; i < count; ++i) levels[c].Add(values[i * cols + c]);
    }
  });
  const std::vector<size_t> cats = SplitColumns(is_cat, levels, limit, m);
  Codes codes;
  codes.rows = n;
  const std::vector<ColumnCoder> coders = MakeCoders(*m, cats, sample, params, threads, &codes);
  const size_t units = codes.num_codes.size();
  codes.codes.assign(n * units, 0);
  Matrix cat_x(cats.empty() ? 0 : n, cats.size());
  ForEachTrainRowRun(train, options, where, [&](size_t begin, size_t count, const float* values) {
    ParallelFor(coders.size(), threads, [&](size_t k0, size_t k1, int) {
      for (size_t k = k0; k < k1; ++k) {
        const ColumnCoder& coder = coders[k];
        if (coder.kind == ColumnCoder::Kind::kStatistics) {
          for (size_t i = 0; i < count; ++i) cat_x.at(begin + i, coder.slot) = values[i * cols + coder.column];
          continue;
        }
        uint8_t* out = codes.codes.data() + coder.slot * n + begin;
        for (size_t i = 0; i < count; ++i) out[i] = UnitCode(coder, values[i * cols + coder.column]);
      }
    });
  });
  Matrix ctr_train;
  std::vector<size_t> cat_slots(cats.size());
  for (size_t j = 0; j < cats.size(); ++j) cat_slots[j] = j;
  m->ctr =
      TargetStatistics::Fit(cat_x, *train.y, options.task, options.num_classes, cat_slots, params.Bool("cat_pairs"),
                            static_cast<int>(params.Int("ctr_permutations")), seed, &ctr_train);
  m->ctr.MapColumns(cats);
  if (ctr_train.cols > 0) {
    AppendBinned(BinFeatures(ctr_train, static_cast<int>(params.Int("ctr_bins")), threads), &codes);
  }
  return codes;
}

// The parameters of one boosting run, read once from the validated Params.
struct BoostConfig {
  int depth = 6;
  double lambda = 3.0;
  double learning_rate = 0.08;
  double temperature = 0.0;
  int iterations = 0;
  int patience = 0;
  int threads = 1;

  static BoostConfig From(const Params& p, const FitOptions& options) {
    BoostConfig c;
    c.depth = static_cast<int>(p.Int("depth"));
    c.lambda = p.Float("l2_leaf_reg");
    c.learning_rate = p.Float("learning_rate");
    c.temperature = p.Float("bagging_temperature");
    c.iterations = static_cast<int>(p.Int("iterations"));
    c.patience = static_cast<int>(p.Int("early_stopping_rounds"));
    c.threads = std::max(1, options.threads);
    return c;
  }
};

// The early-stopping rows' scores, kept up to date tree by tree.
class EarlyStoppingScores {
 public:
  EarlyStoppingScores(const ObliviousModelData& m, const TrainData& rows, const FitOptions& options)
      : rows_(rows), options_(options), dims_(m.dims), num_features_(m.num_features()) {
    const size_t n = rows.x->rows;
    DerivedFeatures(m, *rows.x, 0, n, &features_);
    raw_.assign(n * dims_, 0.0);
    for (size_t r = 0; r < n; ++r) {
      for (uint32_t k = 0; k < dims_; ++k) raw_[r * dims_ + k] = m.base[k];
    }
    pred_.resize(n * static_cast<size_t>(IsClassification(options.task) ? options.num_classes : 1));
    positive_.resize(n);
  }

  // Adds `tree` to the scores; returns the loss after it.
  double Add(const ObliviousTree& tree) {
    const size_t n = rows_.x->rows;
    for (size_t r = 0; r < n; ++r) {
      const size_t idx = LeafIndex(tree, features_.data() + r * num_features_);
      for (size_t k = 0; k < dims_; ++k) raw_[r * dims_ + k] += tree.leaves[idx * dims_ + k];
    }
    ScoresToOutputs(options_.task, dims_, raw_.data(), n, pred_.data());
    if (options_.task == Task::kBinary) {
      for (size_t r = 0; r < n; ++r) positive_[r] = pred_[2 * r + 1];
    }
    return EarlyStoppingLoss(options_.task == Task::kBinary ? positive_.data() : pred_.data(), rows_, options_.task,
                             options_.num_classes);
  }

 private:
  const TrainData& rows_;
  const FitOptions& options_;
  uint32_t dims_;
  size_t num_features_;
  std::vector<float> features_;
  std::vector<double> raw_;
  std::vector<float> pred_;
  std::vector<float> positive_;  // binary: P(class 1), the layout EarlyStoppingLoss reads
};

// One boosting run over binned training features: per-row gradients, the
// level-by-level choice of each tree's tests and its leaf values. Not
// thread-safe; ChooseLevelSplit spreads features over threads internally.
class ObliviousBooster {
 public:
  ObliviousBooster(const Codes& codes, const TrainData& train, const FitOptions& options, const BoostConfig& config,
                   const std::vector<float>& base, uint64_t seed)
      : codes_(codes),
        train_(train),
        task_(options.task),
        config_(config),
        rows_(codes.rows),
        nf_(codes.num_codes.size()),
        dims_(base.size()),
        raw_(rows_ * dims_),
        leaf_grad_(rows_ * dims_),
        leaf_hess_(rows_ * dims_),
        boot_grad_(config.temperature > 0 ? rows_ * dims_ : 0),
        boot_hess_(boot_grad_.size()),
        leaf_(rows_),
        rng_(seed + 1) {
    for (size_t r = 0; r < rows_; ++r) {
      for (size_t k = 0; k < dims_; ++k) raw_[r * dims_ + k] = base[k];
    }
    // Histogram subtraction keeps every feature's histograms of the previous
    // level; it is used while they take at most kMaxSubtractionBytes.
    double hist_bytes = 0;
    for (size_t f = 0; f < nf_; ++f) {
      hist_bytes += static_cast<double>(codes.num_codes[f]) * 2.0 * static_cast<double>(dims_) * sizeof(double) *
                    static_cast<double>(size_t{1} << std::max(0, config.depth - 1));
    }
    subtract_ = hist_bytes <= kMaxSubtractionBytes;
    parent_hist_.resize(subtract_ ? nf_ : 0);
  }

  // Boosts one more tree: gradients at the current scores, the tests level by
  // level, then the leaf values, which are added to the scores.
  ObliviousTree NextTree() {
    ComputeGradients();
    ObliviousTree tree;
    std::fill(leaf_.begin(), leaf_.end(), 0u);
    for (int d = 0; d < config_.depth; ++d) {
      const auto [bf, bt] = ChooseLevelSplit(d);
      const auto [feature, border] = codes_.Test(bf, bt);
      tree.features.push_back(feature);
      tree.borders.push_back(border);
      const uint8_t* c = codes_.feature(bf);
      for (size_t r = 0; r < rows_; ++r) leaf_[r] |= static_cast<uint32_t>(codes_.Right(bf, bt, c[r])) << d;
    }
    SetLeafValues(&tree);
    return tree;
  }

 private:
  // Gradients and hessians of the loss at the current scores, times the
  // sample weight (leaf values), and for the splits also times this tree's
  // Bayesian bootstrap weight.
  void ComputeGradients() {
    const std::vector<float>& y = *train_.y;
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    const size_t dims = dims_;
    for (size_t r = 0; r < rows_; ++r) {
      LossGradients(task_, dims, raw_.data() + r * dims, y[r], SampleWeight(train_, r), &leaf_grad_[r * dims],
                    &leaf_hess_[r * dims]);
      if (config_.temperature > 0) {
        const double b = std::pow(-std::log(std::max(uniform(rng_), 1e-300)), config_.temperature);
        for (size_t k = 0; k < dims; ++k) {
          boot_grad_[r * dims + k] = b * leaf_grad_[r * dims + k];
          boot_hess_[r * dims + k] = b * leaf_hess_[r * dims + k];
        }
      }
    }
  }

  // Feature f's histogram at level d (leaf x code x (G, H) per dimension)
  // into `hist`. With histogram subtraction a level scans only the rows whose
  // last split sent them right; the left children's histograms are their
  // parents' minus the right ones'.
  void BuildHistogram(size_t f, int d, std::vector<double>& hist) const {
    const std::vector<double>& grad = config_.temperature > 0 ? boot_grad_ : leaf_grad_;
    const std::vector<double>& hess = config_.temperature > 0 ? boot_hess_ : leaf_hess_;
    const size_t leaves = size_t{1} << d;
    const size_t half = leaves / 2;
    const size_t dims = dims_;
    const uint8_t* c = codes_.feature(f);
    const size_t nc = codes_.num_codes[f];
    const size_t stride = nc * 2 * dims;
    auto add = [&](double* h, size_t r) {
      double* cell = h + (leaf_[r] * nc + c[r]) * 2 * dims;
      for (size_t k = 0; k < dims; ++k) {
        cell[2 * k] += grad[r * dims + k];
        cell[2 * k + 1] += hess[r * dims + k];
      }
    };
    if (subtract_ && d > 0) {
      std::vector<double> parent = std::move(hist);
      hist.assign(leaves * stride, 0.0);
      for (uint32_t r : right_rows_) add(hist.data(), r);
      for (size_t i = 0; i < half * stride; ++i) hist[i] = parent[i] - hist[half * stride + i];
    } else {
      hist.assign(leaves * stride, 0.0);
      for (size_t r = 0; r < rows_; ++r) add(hist.data(), r);
    }
  }

  // The best test of unit f over all leaves of level d (by the summed Newton
  // gain) from its histogram: "code <= t" (the top code always goes right),
  // or for a one-hot column "code == t".
  std::pair<double, uint32_t> BestBorder(size_t f, int d, const std::vector<double>& hist, std::vector<double>& total,
                                         std::vector<double>& left) const {
    const size_t leaves = size_t{1} << d;
    const size_t dims = dims_;
    const size_t nc = codes_.num_codes[f];
    const double* h = hist.data();
    std::fill(total.begin(), total.end(), 0.0);
    for (size_t l = 0; l < leaves; ++l) {
      for (size_t b = 0; b < nc; ++b) {
        const double* cell = h + (l * nc + b) * 2 * dims;
        for (size_t k = 0; k < 2 * dims; ++k) total[l * 2 * dims + k] += cell[k];
      }
    }
    if (codes_.one_hot[f]) return BestLevel(f, d, hist, total);
    std::fill(left.begin(), left.end(), 0.0);
    double best_score = -std::numeric_limits<double>::infinity();
    uint32_t best_t = 0;
    for (size_t t = 0; t + 1 < nc; ++t) {
      double score = 0;
      for (size_t l = 0; l < leaves; ++l) {
        const double* cell = h + (l * nc + t) * 2 * dims;
        double* lt = left.data() + l * 2 * dims;
        const double* tt = total.data() + l * 2 * dims;
        for (size_t k = 0; k < dims; ++k) {
          lt[2 * k] += cell[2 * k];
          lt[2 * k + 1] += cell[2 * k + 1];
          const double gl = lt[2 * k], hl = lt[2 * k + 1];
          const double gr = tt[2 * k] - gl, hr = tt[2 * k + 1] - hl;
          score += SideGain(gl, hl) + SideGain(gr, hr);
        }
      }
      if (score > best_score) {
        best_score = score;
        best_t = static_cast<uint32_t>(t);
      }
    }
    return {best_score, best_t};
  }

  // A side's Newton gain, G^2 / (H + l2_leaf_reg).
  double SideGain(double g, double h) const { return g * g / std::max(h + config_.lambda, kMinDenominator); }

  // The best "code == t" test (t >= 1) of one-hot unit f at level d, given
  // its leaves' totals.
  std::pair<double, uint32_t> BestLevel(size_t f, int d, const std::vector<double>& hist,
                                        const std::vector<double>& total) const {
    const size_t leaves = size_t{1} << d;
    const size_t dims = dims_;
    const size_t nc = codes_.num_codes[f];
    const double* h = hist.data();
    double best_score = -std::numeric_limits<double>::infinity();
    uint32_t best_t = 1;
    for (size_t t = 1; t < nc; ++t) {
      double score = 0;
      for (size_t l = 0; l < leaves; ++l) {
        const double* cell = h + (l * nc + t) * 2 * dims;
        const double* tt = total.data() + l * 2 * dims;
        for (size_t k = 0; k < dims; ++k) {
          const double gi = cell[2 * k], hi = cell[2 * k + 1];
          const double go = tt[2 * k] - gi, ho = tt[2 * k + 1] - hi;
          score += SideGain(gi, hi) + SideGain(go, ho);
        }
      }
      if (score > best_score) {
        best_score = score;
        best_t = static_cast<uint32_t>(t);
      }
    }
    return {best_score, best_t};
  }

  // The (feature, code) test of level d: each feature's best border, then the
  // best feature (the lowest index among equals, whatever the thread count).
  std::pair<size_t, uint32_t> ChooseLevelSplit(int d) {
    const size_t leaves = size_t{1} << d;
    if (subtract_ && d > 0) {
      right_rows_.clear();
      for (size_t r = 0; r < rows_; ++r) {
        if (leaf_[r] >= leaves / 2) right_rows_.push_back(static_cast<uint32_t>(r));
      }
    }
    std::vector<double> best_score(nf_, -std::numeric_limits<double>::infinity());
    std::vector<uint32_t> best_t(nf_, 0);
    ParallelFor(nf_, config_.threads, [&](size_t f0, size_t f1, int) {
      std::vector<double> scratch;
      std::vector<double> total(leaves * 2 * dims_), left(leaves * 2 * dims_);
      for (size_t f = f0; f < f1; ++f) {
        std::vector<double>& hist = subtract_ ? parent_hist_[f] : scratch;
        BuildHistogram(f, d, hist);
        std::tie(best_score[f], best_t[f]) = BestBorder(f, d, hist, total, left);
      }
    });
    size_t bf = 0;
    for (size_t f = 1; f < nf_; ++f) {
      if (best_score[f] > best_score[bf]) bf = f;
    }
    return {bf, best_t[bf]};
  }

  // Leaf values: regularized Newton steps on the rows of each leaf at their
  // sample weights, times the learning rate; added to the scores. The
  // bootstrap shapes the splits only, as in CatBoost (docs/architecture.md).
  void SetLeafValues(ObliviousTree* tree) {
    const size_t dims = dims_;
    const size_t leaves = size_t{1} << config_.depth;
    std::vector<double> g(leaves * dims, 0.0), hs(leaves * dims, 0.0);
    for (size_t r = 0; r < rows_; ++r) {
      for (size_t k = 0; k < dims; ++k) {
        g[leaf_[r] * dims + k] += leaf_grad_[r * dims + k];
        hs[leaf_[r] * dims + k] += leaf_hess_[r * dims + k];
      }
    }
    tree->leaves.resize(leaves * dims);
    for (size_t i = 0; i < leaves * dims; ++i) {
      // An empty leaf (no rows reach it) stays 0.
      tree->leaves[i] =
          static_cast<float>(-config_.learning_rate * g[i] / std::max(hs[i] + config_.lambda, kMinDenominator));
    }
    for (size_t r = 0; r < rows_; ++r) {
      for (size_t k = 0; k < dims; ++k) raw_[r * dims + k] += tree->leaves[leaf_[r] * dims + k];
    }
  }

  const Codes& codes_;
  const TrainData& train_;
  Task task_;
  BoostConfig config_;
  size_t rows_;
  size_t nf_;
  size_t dims_;
  bool subtract_ = false;
  std::vector<double> raw_;  // rows x dims scores so far
  // Per row and dimension: gradient and hessian at the sample weight (leaf
  // values), and times the Bayesian bootstrap weight (split scores; empty
  // without a bootstrap).
  std::vector<double> leaf_grad_, leaf_hess_, boot_grad_, boot_hess_;
  std::vector<uint32_t> leaf_;  // each row's leaf in the tree being grown
  std::vector<std::vector<double>> parent_hist_;
  std::vector<uint32_t> right_rows_;
  std::mt19937_64 rng_;
};

class ObliviousLearner final : public Learner {
 public:
  explicit ObliviousLearner(Params params) : params_(std::move(params)) {}

  const std::string& family() const override { return kFamily; }
  const Params& params() const override { return params_; }
  FeatureFlavor flavor() const override { return FeatureFlavor::kTree; }
  bool early_stops() const override { return params_.Int("early_stopping_rounds") > 0; }
  bool takes_row_view() const override { return true; }

  std::unique_ptr<Model> Fit(const TrainData& train, const TrainData* valid, const FitOptions& options) const override {
    CheckFitData(kFamily, train, valid, options);
    const bool early_stopping = valid != nullptr && early_stops();
    const BoostConfig config = BoostConfig::From(params_, options);
    const Stopwatch watch;

    ObliviousModelData m;
    m.task = options.task;
    m.num_classes = IsClassification(options.task) ? options.num_classes : 1;
    m.dims = options.task == Task::kMulticlass ? static_cast<uint32_t>(options.num_classes) : 1;
    m.input_cols = static_cast<uint32_t>(train.num_cols());
    const uint64_t seed = Mix64(options.seed ^ 0x0b11ULL);
    const Codes codes = CodeTrainRows(train, options, params_, config.threads, seed, &m);
    const size_t nf = m.num_features();
    if (nf == 0) throw InvalidInput(kFamily + ": no features");
    m.base = BaseScores(train, options.task, m.dims, kFamily);

    std::optional<EarlyStoppingScores> held_out;
    if (early_stopping) held_out.emplace(m, *valid, options);
    ObliviousBooster booster(codes, train, options, config, m.base, seed);
    double best_loss = std::numeric_limits<double>::infinity();
    size_t best_trees = 0;
    bool by_deadline = false;
    for (int it = 0; it < config.iterations; ++it) {
      // The first tree always grows so a late start still yields a model.
      if (it > 0 && options.deadline.Expired()) {
        by_deadline = true;
        break;
      }
      m.trees.push_back(booster.NextTree());
      if (!held_out) {
        best_trees = m.trees.size();
        continue;
      }
      const double loss = held_out->Add(m.trees.back());
      if (loss < best_loss) {
        best_loss = loss;
        best_trees = m.trees.size();
      } else if (m.trees.size() - best_trees >= static_cast<size_t>(config.patience)) {
        break;
      }
    }
    const size_t trained = m.trees.size();
    m.trees.resize(std::max<size_t>(best_trees, 1));
    Json info = {{"trees", m.trees.size()},
                 {"trees_trained", trained},
                 {"features", nf},
                 {"one_hot_features", m.one_hot.size()},
                 {"ctr_tables", m.ctr.num_tables()},
                 {"stopped_by_deadline", by_deadline},
                 {"fit_seconds", watch.Seconds()}};
    if (early_stopping) info["best_validation_loss"] = best_loss;
    return std::make_unique<ObliviousModel>(std::move(m), std::move(info));
  }

  // The refit boosts as many trees as the folds kept on average (their
  // "trees": early stopping or the deadline ended them), without early
  // stopping: it has no held-out rows, and its full `iterations` would overfit.
  std::optional<Json> RefitParams(const Json& fold_info) const override {
    return RefitWithFoldsEffort(params_, fold_info, "trees", "iterations");
  }

  std::unique_ptr<Model> Load(std::string_view bytes, const FitOptions&) const override {
    ObliviousModelData m = DecodeObliviousModel(bytes);
    Json info = {{"trees", m.trees.size()}, {"ctr_tables", m.ctr.num_tables()}};
    return std::make_unique<ObliviousModel>(std::move(m), std::move(info));
  }

 private:
  Params params_;
};

}  // namespace

ObliviousModelData DecodeObliviousModel(std::string_view bytes) {
  ByteReader r(bytes, "corrupt oblivious_boost model");
  const ModelHeader h =
      ReadModelHeader(r, std::string_view(kMagic, 8), kFormatVersion, "an oblivious_boost model", kOldestFormatVersion);
  if (h.version >= 2) r.Unseal();
  ObliviousModelData m;
  m.task = h.task;
  m.num_classes = static_cast<int>(h.num_classes);
  m.dims = r.U32("dims");
  const uint32_t want_dims = h.task == Task::kMulticlass ? h.num_classes : 1;
  if (m.dims != want_dims) r.Fail("bad score dimensions");
  m.input_cols = r.U32("input columns");
  const uint32_t nn = r.U32("numeric count");
  if (nn > m.input_cols) r.Fail("bad numeric column count");
  for (uint32_t i = 0; i < nn; ++i) {
    const uint32_t c = r.U32("numeric column");
    if (c >= m.input_cols) r.Fail("numeric column out of range");
    m.numeric.push_back(c);
  }
  if (h.version >= 3) {
    const uint32_t no = r.U32("one-hot count");
    if (no > r.remaining() / 8) r.Fail("bad one-hot count");
    for (uint32_t i = 0; i < no; ++i) {
      OneHotFeature f;
      f.column = r.U32("one-hot column");
      f.code = r.U32("one-hot code");
      if (f.column >= m.input_cols) r.Fail("one-hot column out of range");
      m.one_hot.push_back(f);
    }
  }
  m.ctr = TargetStatistics::Read(r, m.input_cols);
  m.base = r.Floats(m.dims, "base scores");
  const uint32_t trees = r.U32("tree count");
  const size_t nf = m.num_features();
  if (trees > r.remaining()) r.Fail("bad tree count");
  m.trees.resize(trees);
  for (ObliviousTree& t : m.trees) {
    const uint8_t depth = r.U8("tree depth");
    if (depth > kMaxDepth) r.Fail("bad tree depth");
    for (uint8_t d = 0; d < depth; ++d) {
      const uint32_t f = r.U32("split feature");
      if (f >= nf) r.Fail("split feature out of range");
      t.features.push_back(f);
      t.borders.push_back(r.F32("split border"));
    }
    t.leaves = r.Floats((size_t{1} << depth) * m.dims, "leaf values");
  }
  if (r.remaining() != 0) r.Fail("trailing bytes");
  return m;
}

std::vector<ParamSpec> ObliviousParamSpecs() {
  using K = ParamSpec::Kind;
  return {
      {"iterations", K::kInt, 2000, 1, 1000000, {}, "most trees to boost"},
      {"learning_rate", K::kFloat, 0.08, 1e-4, 1.0, {}, "shrinkage of every tree's leaf values"},
      {"depth", K::kInt, 6, 1, kMaxDepth, {}, "levels of every (oblivious) tree"},
      {"l2_leaf_reg", K::kFloat, 3.0, 0.0, 1e6, {}, "L2 regularization of the leaf values"},
      {"bagging_temperature",
       K::kFloat,
       0.0,
       0.0,
       100.0,
       {},
       "Bayesian bootstrap of the split scores: row weights (-log U)^t per tree; 0 = off"},
      {"early_stopping_rounds",
       K::kInt,
       50,
       0,
       1000000,
       {},
       "stop after this many trees without a better validation loss (0 = off)"},
      {"max_bins", K::kInt, 254, 2, 255, {}, "quantile bins per numeric feature"},
      {"ctr_bins", K::kInt, 32, 2, 255, {}, "quantile bins per target-statistic feature"},
      {"one_hot_max_size",
       K::kInt,
       64,
       0,
       kMaxOneHotLevels,
       {},
       "categorical columns with at most this many levels are split one level against the rest; more levels: target "
       "statistics"},
      {"cat_pairs", K::kBool, false, 0, 0, {}, "also target statistics of pairs of categorical columns"},
      {"ctr_permutations",
       K::kInt,
       1,
       1,
       64,
       {},
       "random row orders the training rows' target statistics are averaged over"},
  };
}

void RegisterObliviousLearner(LearnerRegistry& registry) {
  LearnerRegistry::Entry entry;
  entry.family = kFamily;
  entry.description = "oblivious-tree gradient boosting over ordered target statistics (CatBoost-like)";
  entry.params = ObliviousParamSpecs();
  entry.create = [specs = entry.params](const Json& given) -> std::unique_ptr<Learner> {
    return std::make_unique<ObliviousLearner>(Params::Validate(specs, given, kFamily));
  };
  // What a fit holds beside its rows (it reads a matrix, a view or blocks
  // without copying them), at most: per cell a byte of codes, a float copy
  // of a categorical column for its statistics, and the statistics (a mean
  // per score dimension and a frequency, a float and a byte of codes each;
  // pairs of the first columns with cat_pairs); per row its scores,
  // gradients and hessians (twice with the bootstrap), its leaf and a place
  // in the right-hand rows; the rows the cuts are taken from, twice.
  entry.fit_bytes = [](size_t rows, size_t cols, int outputs, const Params& params) {
    const double dims = outputs > 2 ? outputs : 1;
    const double r = static_cast<double>(rows);
    const double c = static_cast<double>(cols);
    const double paired = params.Bool("cat_pairs") ? static_cast<double>(std::min(cols, kMaxPairedColumns)) : 0.0;
    const double statistics = c * (dims + 1) + paired * (paired - 1) / 2 * dims;
    const double bootstrap = params.Float("bagging_temperature") > 0 ? 2.0 : 1.0;
    return r * c * 5.0 + r * statistics * 5.0 + r * (dims * (8.0 + 16.0 * bootstrap) + 8.0) +
           static_cast<double>(std::min(rows, kCutSampleRows)) * c * 8.0;
  };
  registry.Register(std::move(entry));
}

}  // namespace tabpilot
