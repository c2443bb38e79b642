#include "learners/knn_learner.h"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <utility>

#include "core/error.h"
#include "core/parallel.h"
#include "learners/byte_io.h"
#include "learners/train_data_check.h"

namespace tabpilot {
namespace {

using RowMatrixXf = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

const std::string kFamily = "knn";

// Serialized layout (integers little-endian, floats as IEEE-754 bits, little-endian):
//   magic "TPKNNMOD" | u32 version | u8 task | u32 num_classes | u8 weighting
//   | u32 k | u64 rows | u64 cols | u64 rows_seen | u8 has_sample_weights
//   | rows*cols f32 features (row-major) | rows f32 targets | [rows f32 sample weights]
//   | (version >= 2) u64 checksum (byte_io.h's seal)
// Version 1 (no checksum) is still read.
constexpr char kMagic[8] = {'T', 'P', 'K', 'N', 'N', 'M', 'O', 'D'};
constexpr uint32_t kVersion = 2;
constexpr uint32_t kOldestVersion = 1;
constexpr const char* kCorrupt = "corrupt knn model";
// The header and the checksum trailer.
constexpr size_t kHeaderBytes = 8 + 4 + 1 + 4 + 1 + 4 + 8 + 8 + 8 + 1 + 8;

// Query rows per block (the unit of work handed to a thread) and stored rows per
// distance tile: a 128 x 4096 float tile is 2 MiB of scratch per thread.
constexpr size_t kQueryBlock = 128;
constexpr size_t kTrainBlock = 4096;

enum class Weighting : uint8_t { kUniform = 0, kDistance = 1 };

// A query row that is not a stored row (nothing to leave out).
constexpr uint32_t kNotStored = std::numeric_limits<uint32_t>::max();

// Larger magnitudes are clamped to this: squared distances (sums of squares in
// float) must stay finite, so that extreme inputs still get finite predictions.
constexpr float kMaxMagnitude = 1e15f;

// A stored or query value as distances see it: missing -> 0, clamped to +-kMaxMagnitude.
float Clean(float v) { return std::isfinite(v) ? std::clamp(v, -kMaxMagnitude, kMaxMagnitude) : 0.0f; }

// splitmix64: a tiny, well-mixed generator whose output is the same on every
// platform (std distributions are not), so subsamples are reproducible.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }

 private:
  uint64_t state_;
};

// `m` distinct indices of [0, n), sorted, chosen uniformly by a partial Fisher-Yates shuffle.
std::vector<size_t> Subsample(size_t n, size_t m, uint64_t seed) {
  std::vector<size_t> idx(n);
  for (size_t i = 0; i < n; ++i) idx[i] = i;
  SplitMix64 rng(seed ^ 0x6b6e6e5f73756273ull);
  for (size_t i = 0; i < m; ++i) std::swap(idx[i], idx[i + rng.Next() % (n - i)]);
  idx.resize(m);
  std::sort(idx.begin(), idx.end());
  return idx;
}

struct Neighbour {
  float dist2;
  uint32_t index;
  bool operator<(const Neighbour& o) const { return dist2 < o.dist2 || (dist2 == o.dist2 && index < o.index); }
};

class KnnModel final : public Model {
 public:
  KnnModel(Task task, int num_classes, Weighting weighting, uint32_t k, size_t rows, size_t cols, size_t rows_seen,
           std::vector<float> x, std::vector<float> y, std::vector<float> sample_weights)
      : task_(task),
        num_classes_(num_classes),
        weighting_(weighting),
        k_(k),
        rows_(rows),
        cols_(cols),
        rows_seen_(rows_seen),
        x_(std::move(x)),
        y_(std::move(y)),
        sample_weights_(std::move(sample_weights)),
        norms_(rows) {
    for (size_t i = 0; i < rows_; ++i) {
      double s = 0;
      for (size_t j = 0; j < cols_; ++j) s += static_cast<double>(x_[i * cols_ + j]) * x_[i * cols_ + j];
      norms_[i] = static_cast<float>(s);
    }
  }

  int num_outputs() const override { return IsClassification(task_) ? num_classes_ : 1; }

  void Predict(const Matrix& x, float* out, int threads) const override { Query(x, nullptr, out, threads); }

  // Predict for rows some of which are stored rows: row r does not count
  // stored row self[r] among its neighbours (kNotStored: none excluded), so
  // the training rows get leave-one-out predictions.
  void PredictLeavingOut(const Matrix& x, const std::vector<uint32_t>& self, float* out, int threads) const {
    if (self.size() != x.rows) throw Internal("knn: one stored index per row expected");
    Query(x, self.data(), out, threads);
  }

  std::string Serialize() const override {
    ByteWriter w;
    w.Reserve(kHeaderBytes + sizeof(float) * (x_.size() + y_.size() + sample_weights_.size()));
    WriteModelHeader(w, std::string_view(kMagic, sizeof kMagic), kVersion, task_, num_classes_);
    w.U8(static_cast<uint8_t>(weighting_));
    w.U32(k_);
    w.U64(rows_);
    w.U64(cols_);
    w.U64(rows_seen_);
    w.U8(sample_weights_.empty() ? 0 : 1);
    w.Floats(x_);
    w.Floats(y_);
    w.Floats(sample_weights_);
    return w.TakeSealed();
  }

  static std::unique_ptr<Model> Deserialize(std::string_view bytes) {
    ByteReader r(bytes, kCorrupt);
    const ModelHeader header =
        ReadModelHeader(r, std::string_view(kMagic, sizeof kMagic), kVersion, "a knn model", kOldestVersion);
    if (header.version >= 2) r.Unseal();
    const Task task = header.task;
    const uint32_t num_classes = header.num_classes;
    const uint8_t weighting = r.U8("weighting");
    const uint32_t k = r.U32("k");
    const uint64_t rows = r.U64("rows");
    const uint64_t cols = r.U64("cols");
    const uint64_t rows_seen = r.U64("rows_seen");
    const uint8_t has_weights = r.U8("has_sample_weights");
    if (weighting > 1 || has_weights > 1 || k == 0) r.Fail("bad header");
    if (rows == 0 || cols == 0 || rows > std::numeric_limits<uint32_t>::max() || rows_seen < rows) {
      r.Fail("bad shape " + std::to_string(rows) + " x " + std::to_string(cols));
    }
    // Exact size check before allocating: per stored row, cols features, a target, maybe a weight.
    const uint64_t per_row = cols + 1 + has_weights;
    const uint64_t floats = r.remaining() / sizeof(float);
    if (cols > floats || per_row > floats / rows || rows * per_row * sizeof(float) != r.remaining()) {
      r.Fail(std::to_string(r.remaining()) + " data bytes do not match " + std::to_string(rows) + " rows x " +
             std::to_string(cols) + " features");
    }
    std::vector<float> x = r.Floats(rows * cols, "features");
    std::vector<float> y = r.Floats(rows, "targets");
    std::vector<float> w = has_weights ? r.Floats(rows, "sample weights") : std::vector<float>();
    for (float v : x) {
      if (!std::isfinite(v)) r.Fail("non-finite feature value");
    }
    for (float v : y) {
      if (!std::isfinite(v)) r.Fail("non-finite target");
      if (task != Task::kRegression && !(v >= 0 && v < static_cast<float>(num_classes) && v == std::floor(v))) {
        r.Fail("class index out of range");
      }
    }
    for (float v : w) {
      if (!std::isfinite(v) || v < 0) r.Fail("bad sample weight");
    }
    return std::make_unique<KnnModel>(task, static_cast<int>(num_classes), static_cast<Weighting>(weighting), k,
                                      static_cast<size_t>(rows), static_cast<size_t>(cols),
                                      static_cast<size_t>(rows_seen), std::move(x), std::move(y), std::move(w));
  }

  Json Info() const override {
    Json info = Json::object();
    info["k"] = k_;
    info["k_effective"] = std::min<size_t>(k_, rows_);
    info["weights"] = weighting_ == Weighting::kDistance ? "distance" : "uniform";
    info["num_features"] = cols_;
    info["train_rows"] = rows_;
    info["rows_seen"] = rows_seen_;
    info["subsampled"] = rows_ < rows_seen_;
    info["serialized_bytes"] = kHeaderBytes + sizeof(float) * (x_.size() + y_.size() + sample_weights_.size());
    return info;
  }

 private:
  // Per-thread buffers reused across query blocks.
  struct Scratch {
    RowMatrixXf queries;
    RowMatrixXf dots;
    std::vector<float> query_norms;
    std::vector<Neighbour> heaps;  // kQueryBlock heaps of up to k entries
    std::vector<size_t> heap_sizes;
    std::vector<double> votes;
  };

  void Query(const Matrix& x, const uint32_t* self, float* out, int threads) const {
    if (x.cols != cols_) {
      throw InvalidInput("knn model expects " + std::to_string(cols_) + " feature columns, got " +
                         std::to_string(x.cols));
    }
    const size_t blocks = (x.rows + kQueryBlock - 1) / kQueryBlock;
    ParallelFor(blocks, threads, [&](size_t b0, size_t b1, int) {
      Scratch scratch;
      for (size_t b = b0; b < b1; ++b) {
        const size_t begin = b * kQueryBlock;
        PredictBlock(x, begin, std::min(x.rows, begin + kQueryBlock), self, out, scratch);
      }
    });
  }

  void PredictBlock(const Matrix& x, size_t begin, size_t end, const uint32_t* self, float* out, Scratch& s) const {
    const size_t nq = end - begin;
    const size_t k = std::min<size_t>(k_, rows_);
    const auto q_rows = static_cast<Eigen::Index>(nq);
    const auto d = static_cast<Eigen::Index>(cols_);
    s.queries.resize(q_rows, d);
    s.query_norms.assign(nq, 0.0f);
    for (size_t q = 0; q < nq; ++q) {
      const float* src = x.row(begin + q);
      double norm = 0;
      for (size_t j = 0; j < cols_; ++j) {
        const float v = Clean(src[j]);
        s.queries(static_cast<Eigen::Index>(q), static_cast<Eigen::Index>(j)) = v;
        norm += static_cast<double>(v) * v;
      }
      s.query_norms[q] = static_cast<float>(norm);
    }
    s.heaps.resize(nq * k);
    s.heap_sizes.assign(nq, 0);
    Eigen::Map<const RowMatrixXf> stored(x_.data(), static_cast<Eigen::Index>(rows_), d);
    for (size_t t0 = 0; t0 < rows_; t0 += kTrainBlock) {
      const size_t nt = std::min(kTrainBlock, rows_ - t0);
      s.dots.noalias() =
          s.queries * stored.middleRows(static_cast<Eigen::Index>(t0), static_cast<Eigen::Index>(nt)).transpose();
      for (size_t q = 0; q < nq; ++q) {
        Neighbour* heap = s.heaps.data() + q * k;
        size_t& size = s.heap_sizes[q];
        const float* dots = s.dots.data() + q * nt;
        const float qn = s.query_norms[q];
        float worst = size == k ? heap[0].dist2 : std::numeric_limits<float>::infinity();
        const uint32_t excluded = self != nullptr ? self[begin + q] : kNotStored;
        for (size_t j = 0; j < nt; ++j) {
          // Rounding can make the expansion slightly negative for (near) duplicates.
          const float d2 = std::max(0.0f, qn + norms_[t0 + j] - 2.0f * dots[j]);
          if (!(d2 < worst)) continue;  // later rows lose ties: they have larger indices
          if (t0 + j == excluded) continue;
          const Neighbour cand{d2, static_cast<uint32_t>(t0 + j)};
          if (size < k) {
            heap[size++] = cand;
            std::push_heap(heap, heap + size);
            if (size == k) worst = heap[0].dist2;
          } else {
            std::pop_heap(heap, heap + k);
            heap[k - 1] = cand;
            std::push_heap(heap, heap + k);
            worst = heap[0].dist2;
          }
        }
      }
    }
    const size_t outputs = static_cast<size_t>(num_outputs());
    for (size_t q = 0; q < nq; ++q) {
      // Fewer than k only when a stored row is left out of a model of <= k rows.
      const size_t found = s.heap_sizes[q];
      Neighbour* heap = s.heaps.data() + q * k;
      std::sort_heap(heap, heap + found);
      Combine(s.queries.data() + q * cols_, heap, found, out + (begin + q) * outputs, s.votes);
    }
  }

  // Turns the k nearest neighbours (sorted) of `query` into the output row.
  void Combine(const float* query, const Neighbour* nb, size_t k, float* out, std::vector<double>& weight) const {
    weight.assign(k, 1.0);
    if (weighting_ == Weighting::kDistance) {
      // Exact distances for the few chosen neighbours: the block expansion loses
      // precision exactly where 1/distance is most sensitive.
      bool any_zero = false;
      for (size_t i = 0; i < k; ++i) {
        const float* t = x_.data() + static_cast<size_t>(nb[i].index) * cols_;
        double s = 0;
        for (size_t j = 0; j < cols_; ++j) {
          const double diff = static_cast<double>(query[j]) - t[j];
          s += diff * diff;
        }
        weight[i] = std::sqrt(s);
        any_zero = any_zero || weight[i] == 0;
      }
      for (size_t i = 0; i < k; ++i) weight[i] = any_zero ? (weight[i] == 0 ? 1.0 : 0.0) : 1.0 / weight[i];
    }
    if (!sample_weights_.empty()) {
      double total = 0;
      for (size_t i = 0; i < k; ++i) total += weight[i] * sample_weights_[nb[i].index];
      // All-zero sample weights among the neighbours: fall back to the unweighted vote.
      if (total > 0) {
        for (size_t i = 0; i < k; ++i) weight[i] *= sample_weights_[nb[i].index];
      }
    }
    double total = 0;
    for (size_t i = 0; i < k; ++i) total += weight[i];
    if (task_ == Task::kRegression) {
      double sum = 0;
      for (size_t i = 0; i < k; ++i) sum += weight[i] * y_[nb[i].index];
      out[0] = static_cast<float>(sum / total);
      return;
    }
    std::vector<double> share(static_cast<size_t>(num_classes_), 0.0);
    for (size_t i = 0; i < k; ++i) share[static_cast<size_t>(y_[nb[i].index])] += weight[i];
    for (size_t c = 0; c < share.size(); ++c) out[c] = static_cast<float>(share[c] / total);
  }

  Task task_;
  int num_classes_;
  Weighting weighting_;
  uint32_t k_;
  size_t rows_;  // stored rows
  size_t cols_;
  size_t rows_seen_;                   // training rows before subsampling
  std::vector<float> x_;               // rows_ * cols_, row-major, finite
  std::vector<float> y_;               // class index or regression target
  std::vector<float> sample_weights_;  // empty = all 1
  std::vector<float> norms_;           // squared norms of the stored rows (not serialized)
};

class KnnLearner final : public Learner {
 public:
  explicit KnnLearner(Params params) : params_(std::move(params)) {}
  const std::string& family() const override { return kFamily; }
  const Params& params() const override { return params_; }
  FeatureFlavor flavor() const override { return FeatureFlavor::kDense; }
  bool early_stops() const override { return false; }

  std::unique_ptr<Model> Fit(const TrainData& train, const TrainData* valid, const FitOptions& options) const override {
    CheckFitData(kFamily, train, valid, options);
    return Store(train, options, nullptr);
  }

  // Leave-one-out: each training row is predicted from its k nearest other rows.
  bool has_own_oof() const override { return true; }

  std::unique_ptr<Model> FitWithOwnOOF(const TrainData& train, const FitOptions& options, Matrix* oof) const override {
    CheckFitData(kFamily, train, nullptr, options);
    std::vector<size_t> keep;
    std::unique_ptr<KnnModel> model = Store(train, options, &keep);
    const Matrix& x = *train.x;
    if (keep.size() < 2) throw InvalidInput("knn: leave-one-out predictions need at least 2 training rows");
    std::vector<uint32_t> self(x.rows, kNotStored);
    for (size_t i = 0; i < keep.size(); ++i) self[keep[i]] = static_cast<uint32_t>(i);
    *oof = Matrix(x.rows, static_cast<size_t>(model->num_outputs()), 0.0f);
    model->PredictLeavingOut(x, self, oof->values.data(), std::max(1, options.threads));
    return model;
  }

  std::unique_ptr<Model> Load(std::string_view bytes, const FitOptions& /*options*/) const override {
    return KnnModel::Deserialize(bytes);
  }

 private:
  // The model; `kept` (if given) receives the training rows it stores, in order.
  std::unique_ptr<KnnModel> Store(const TrainData& train, const FitOptions& options, std::vector<size_t>* kept) const {
    const Matrix& x = *train.x;
    if (x.rows > std::numeric_limits<uint32_t>::max()) throw InvalidInput("knn: too many training rows");
    const size_t limit = static_cast<size_t>(params_.Int("max_train_rows"));
    const bool has_weights = train.weights != nullptr && !train.weights->empty();
    std::vector<float> xs, ys, ws;
    size_t rows = x.rows;
    if (kept != nullptr) {
      kept->resize(x.rows);
      std::iota(kept->begin(), kept->end(), size_t{0});
    }
    if (x.rows > limit) {
      std::vector<size_t> keep = Subsample(x.rows, limit, options.seed);
      rows = keep.size();
      xs.reserve(rows * x.cols);
      for (size_t i : keep) {
        xs.insert(xs.end(), x.row(i), x.row(i) + x.cols);
        ys.push_back((*train.y)[i]);
        if (has_weights) ws.push_back((*train.weights)[i]);
      }
      if (kept != nullptr) *kept = std::move(keep);
    } else {
      xs = x.values;
      ys = *train.y;
      if (has_weights) ws = *train.weights;
    }
    for (float& v : xs) v = Clean(v);
    const Weighting weighting = params_.String("weights") == "distance" ? Weighting::kDistance : Weighting::kUniform;
    return std::make_unique<KnnModel>(options.task, IsClassification(options.task) ? options.num_classes : 1, weighting,
                                      static_cast<uint32_t>(params_.Int("k")), rows, x.cols, x.rows, std::move(xs),
                                      std::move(ys), std::move(ws));
  }

  Params params_;
};

}  // namespace

const std::vector<ParamSpec>& KnnParamSpecs() {
  static const std::vector<ParamSpec> specs = {
      {"k", ParamSpec::Kind::kInt, 10, 1, 1000, {}, "number of neighbours (capped at the stored rows)"},
      {"weights",
       ParamSpec::Kind::kString,
       "uniform",
       0,
       0,
       {"uniform", "distance"},
       "neighbour vote weight: equal, or 1/distance"},
      {"max_train_rows",
       ParamSpec::Kind::kInt,
       50000,
       1,
       100000000,
       {},
       "keep a seeded random subsample of this many training rows when there are more"},
  };
  return specs;
}

std::unique_ptr<Learner> CreateKnnLearner(const Json& params) {
  return std::make_unique<KnnLearner>(Params::Validate(KnnParamSpecs(), params, kFamily));
}

void RegisterKnnLearner(LearnerRegistry& registry) {
  LearnerRegistry::Entry entry{kFamily,
                               "k nearest neighbours (Euclidean, uniform or distance weights)",
                               KnnParamSpecs(),
                               [](const Json& params) { return CreateKnnLearner(params); },
                               /*repeat_bags=*/false,
                               /*stack_input=*/false};
  entry.in_sampled_search = false;
  entry.grows_with_rows = true;
  registry.Register(std::move(entry));
}

}  // namespace tabpilot
