#include "learners/forest_learner.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>

#include "core/error.h"
#include "core/hash.h"
#include "core/parallel.h"
#include "learners/forest_binning.h"
#include "learners/forest_builder.h"
#include "learners/forest_format.h"
#include "learners/train_data_check.h"

namespace tabpilot {
namespace {

// Rows per parallel prediction chunk (a multiple of the tree walker's block).
constexpr size_t kPredictChunk = 256;

const char* FamilyName(ForestKind kind) { return kind == ForestKind::kRandomForest ? "random_forest" : "extra_trees"; }

// max_features as written by the user: a rule, or a fraction of the features.
struct MaxFeatures {
  enum class Rule { kAuto, kSqrt, kLog2, kAll, kFraction };
  Rule rule = Rule::kAuto;
  double fraction = 1.0;

  static MaxFeatures Parse(const std::string& text, const std::string& owner) {
    MaxFeatures m;
    if (text == "auto") return m;
    if (text == "sqrt")
      m.rule = Rule::kSqrt;
    else if (text == "log2")
      m.rule = Rule::kLog2;
    else if (text == "all")
      m.rule = Rule::kAll;
    else {
      double v = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec != std::errc() || end != text.data() + text.size() || !(v > 0 && v <= 1)) {
        throw InvalidInput(owner + ": parameter 'max_features' = \"" + text +
                           "\" must be auto, sqrt, log2, all or a fraction in (0, 1]");
      }
      m.rule = Rule::kFraction;
      m.fraction = v;
    }
    return m;
  }

  int Count(size_t num_features, bool classification) const {
    const auto d = static_cast<double>(num_features);
    double n = d;
    switch (rule) {
      case Rule::kAuto:
        n = classification ? std::sqrt(d) : d;
        break;
      case Rule::kSqrt:
        n = std::sqrt(d);
        break;
      case Rule::kLog2:
        n = std::log2(std::max(d, 1.0));
        break;
      case Rule::kAll:
        break;
      case Rule::kFraction:
        n = fraction * d;
        break;
    }
    return std::max(1, static_cast<int>(n));
  }
};

// Immutable after construction; Predict is const and re-entrant.
class ForestModel : public Model {
 public:
  ForestModel(ForestModelData data, Json info) : data_(std::move(data)), info_(std::move(info)) {}

  int num_outputs() const override { return IsClassification(data_.task) ? data_.num_classes : 1; }

  void Predict(const Matrix& x, float* out, int threads) const override {
    const FlatForest& forest = data_.forest;
    if (x.cols != static_cast<size_t>(forest.num_features())) {
      throw InvalidInput("forest model expects " + std::to_string(forest.num_features()) + " feature columns, got " +
                         std::to_string(x.cols));
    }
    const bool binary = IsClassification(data_.task) && data_.num_classes == 2;
    const size_t chunks = (x.rows + kPredictChunk - 1) / kPredictChunk;
    ParallelFor(chunks, threads, [&](size_t c0, size_t c1, int) {
      const size_t begin = c0 * kPredictChunk;
      const size_t end = std::min(x.rows, c1 * kPredictChunk);
      if (!binary) {
        forest.PredictMean(x, begin, end, out + begin * static_cast<size_t>(forest.values_per_leaf()));
        return;
      }
      // Binary leaves store P(class 1); expand to both probabilities.
      std::vector<float> p1(std::min(end - begin, kPredictChunk));
      for (size_t b = begin; b < end; b += kPredictChunk) {
        const size_t e = std::min(end, b + kPredictChunk);
        forest.PredictMean(x, b, e, p1.data());
        for (size_t r = b; r < e; ++r) {
          out[2 * r] = 1.0f - p1[r - b];
          out[2 * r + 1] = p1[r - b];
        }
      }
    });
  }

  std::string Serialize() const override { return EncodeForest(data_); }
  Json Info() const override { return info_; }

 private:
  ForestModelData data_;
  Json info_;
};

// The training rows as the tree builders read them. `train` has passed
// CheckFitData (labels are class indices or finite targets, weights valid).
TreeTrainingSet MakeTrainingSet(const BinnedMatrix& binned, const TrainData& train, const FitOptions& options) {
  const Matrix& x = *train.x;
  const std::vector<float>& y = *train.y;
  TreeTrainingSet set;
  set.x = &binned;
  if (IsClassification(options.task)) {
    set.label.resize(x.rows);
    for (size_t r = 0; r < x.rows; ++r) set.label[r] = static_cast<int32_t>(y[r]);
  } else {
    set.target = y;
  }
  if (train.weights != nullptr && !train.weights->empty()) {
    set.weight = *train.weights;
  } else {
    set.weight.assign(x.rows, 1.0f);
  }
  for (size_t f = 0; f < binned.cols; ++f) {
    const uint8_t* codes = binned.feature_codes(f);
    const bool varies = std::any_of(codes, codes + binned.rows, [&](uint8_t c) { return c != codes[0]; });
    if (varies) set.usable_features.push_back(static_cast<int32_t>(f));
  }
  return set;
}

// Each training row's mean over the trees whose bootstrap sample left it
// out (`in_bag[t]`: tree t's in-bag rows as a bitset), written as the model's
// outputs into `oof`. Trees are summed in order, so the result does not depend
// on the thread count. A row every tree drew (likely only when the deadline
// left a handful of trees) gets the weighted training prior: still a
// prediction made without it.
void PredictOutOfBag(const ForestModelData& data, const Matrix& x, const TreeTrainingSet& set,
                     const std::vector<std::vector<uint64_t>>& in_bag, int threads, Matrix* oof) {
  const FlatForest& forest = data.forest;
  const bool classification = IsClassification(data.task);
  const auto vpl = static_cast<size_t>(forest.values_per_leaf());
  const bool binary = classification && data.num_classes == 2;
  const size_t outputs = classification ? static_cast<size_t>(data.num_classes) : 1;
  std::vector<double> prior(vpl, 0.0);
  double total_weight = 0;
  for (size_t r = 0; r < x.rows; ++r) {
    const double w = set.weight[r];
    total_weight += w;
    if (!classification) {
      prior[0] += w * set.target[r];
    } else if (binary) {
      prior[0] += set.label[r] == 1 ? w : 0.0;
    } else {
      prior[static_cast<size_t>(set.label[r])] += w;
    }
  }
  for (double& p : prior) p = total_weight > 0 ? p / total_weight : 0.0;

  *oof = Matrix(x.rows, outputs, 0.0f);
  const size_t chunks = (x.rows + kPredictChunk - 1) / kPredictChunk;
  ParallelFor(chunks, threads, [&](size_t c0, size_t c1, int) {
    std::vector<double> acc(vpl);
    const size_t end = std::min(x.rows, c1 * kPredictChunk);
    for (size_t r = c0 * kPredictChunk; r < end; ++r) {
      std::fill(acc.begin(), acc.end(), 0.0);
      size_t count = 0;
      const uint64_t bit = uint64_t{1} << (r % 64);
      for (size_t t = 0; t < forest.num_trees(); ++t) {
        if ((in_bag[t][r / 64] & bit) != 0) continue;
        const float* values = forest.Leaf(t, x.row(r));
        for (size_t k = 0; k < vpl; ++k) acc[k] += values[k];
        ++count;
      }
      for (size_t k = 0; k < vpl; ++k) acc[k] = count > 0 ? acc[k] / static_cast<double>(count) : prior[k];
      float* out = oof->row(r);
      if (binary) {
        out[0] = static_cast<float>(1.0 - acc[0]);
        out[1] = static_cast<float>(acc[0]);
      } else {
        for (size_t k = 0; k < vpl; ++k) out[k] = static_cast<float>(acc[k]);
      }
    }
  });
}

class ForestLearner : public Learner {
 public:
  ForestLearner(ForestKind kind, Params params)
      : kind_(kind),
        family_(FamilyName(kind)),
        params_(std::move(params)),
        max_features_(MaxFeatures::Parse(params_.String("max_features"), family_)) {}

  const std::string& family() const override { return family_; }
  const Params& params() const override { return params_; }
  FeatureFlavor flavor() const override { return FeatureFlavor::kTree; }

  std::unique_ptr<Model> Fit(const TrainData& train, const TrainData* valid, const FitOptions& options) const override {
    CheckFitData(family_, train, valid, options);
    return Grow(train, options, nullptr);
  }

  // Only bootstrapped trees leave rows out.
  bool has_own_oof() const override { return params_.Bool("bootstrap"); }

  std::unique_ptr<Model> FitWithOwnOOF(const TrainData& train, const FitOptions& options, Matrix* oof) const override {
    if (!has_own_oof()) throw Internal(family_ + ": out-of-bag predictions need bootstrap = true");
    CheckFitData(family_, train, nullptr, options);
    return Grow(train, options, oof);
  }

  std::unique_ptr<Model> Load(std::string_view bytes, const FitOptions&) const override {
    ForestModelData data = DecodeForest(bytes);
    Json info = {{"trees", data.forest.num_trees()}, {"nodes", data.forest.num_nodes()}};
    return std::make_unique<ForestModel>(std::move(data), std::move(info));
  }

 private:
  // Fits the forest on rows that passed CheckFitData; with `oof`, also each
  // row's out-of-bag prediction.
  std::unique_ptr<Model> Grow(const TrainData& train, const FitOptions& options, Matrix* oof) const {
    const Matrix& x = *train.x;
    if (x.rows > 0xffffffffULL) throw InvalidInput(family_ + ": too many training rows");
    const bool classification = IsClassification(options.task);
    const int threads = std::max(1, options.threads);
    const Stopwatch watch;

    const BinnedMatrix binned = BinFeatures(x, static_cast<int>(params_.Int("max_bins")), threads);
    const TreeTrainingSet set = MakeTrainingSet(binned, train, options);

    TreeConfig config;
    if (!classification) {
      config.criterion = TreeConfig::Criterion::kSquaredError;
    } else {
      config.criterion =
          params_.String("criterion") == "entropy" ? TreeConfig::Criterion::kEntropy : TreeConfig::Criterion::kGini;
      config.num_classes = options.num_classes;
    }
    config.bootstrap = params_.Bool("bootstrap");
    config.random_threshold = kind_ == ForestKind::kExtraTrees;
    config.max_features = max_features_.Count(x.cols, classification);
    config.min_samples_leaf = static_cast<int>(params_.Int("min_samples_leaf"));
    config.max_depth = static_cast<int>(params_.Int("max_depth"));

    // Workers pull tree indices in order; none starts a tree after the
    // deadline except tree 0, so a model always has at least one tree.
    const auto num_trees = static_cast<size_t>(params_.Int("n_estimators"));
    std::vector<FlatTree> trees(num_trees);
    std::vector<uint8_t> built(num_trees, 0);
    std::vector<std::vector<uint64_t>> in_bag(oof != nullptr ? num_trees : 0);
    std::atomic<size_t> next{0};
    const uint64_t base_seed = Mix64(options.seed);
    const int workers = static_cast<int>(std::min<size_t>(static_cast<size_t>(threads), num_trees));
    ParallelFor(static_cast<size_t>(workers), workers, [&](size_t, size_t, int) {
      TreeBuilder builder(set, config);
      for (;;) {
        const size_t t = next.fetch_add(1);
        if (t >= num_trees || (t > 0 && options.deadline.Expired())) break;
        trees[t] = builder.Build(Mix64(base_seed + t), oof != nullptr ? &in_bag[t] : nullptr);
        built[t] = 1;
      }
    });

    const int values_per_leaf = classification && options.num_classes > 2 ? options.num_classes : 1;
    ForestModelData data;
    data.task = options.task;
    data.num_classes = classification ? options.num_classes : 1;
    data.forest = FlatForest(static_cast<int>(x.cols), values_per_leaf);
    // The model's arrays at their final size: appended tree by tree they would double as they
    // grow, holding up to three times the trees beside the trees themselves.
    size_t total_nodes = 0, total_values = 0;
    for (size_t t = 0; t < num_trees; ++t) {
      total_nodes += built[t] ? trees[t].num_nodes() : 0;
      total_values += built[t] ? trees[t].leaf_values.size() : 0;
    }
    data.forest.Reserve(total_nodes, total_values, num_trees);
    std::vector<std::vector<uint64_t>> kept_in_bag;
    for (size_t t = 0; t < num_trees; ++t) {
      if (!built[t]) continue;
      data.forest.AddTree(std::move(trees[t]));
      if (oof != nullptr) kept_in_bag.push_back(std::move(in_bag[t]));
    }
    if (data.forest.num_trees() == 0) throw Internal(family_ + ": no tree could be built");
    if (oof != nullptr) PredictOutOfBag(data, x, set, kept_in_bag, threads, oof);
    Json info = {{"trees", data.forest.num_trees()},
                 {"nodes", data.forest.num_nodes()},
                 {"stopped_by_deadline", data.forest.num_trees() < num_trees},
                 {"fit_seconds", watch.Seconds()}};
    return std::make_unique<ForestModel>(std::move(data), std::move(info));
  }

  ForestKind kind_;
  std::string family_;
  Params params_;
  MaxFeatures max_features_;
};

}  // namespace

std::vector<ParamSpec> ForestParamSpecs(ForestKind kind) {
  using K = ParamSpec::Kind;
  const bool rf = kind == ForestKind::kRandomForest;
  return {
      {"n_estimators", K::kInt, 300, 1, 100000, {}, "number of trees"},
      {"max_features",
       K::kString,
       "auto",
       0,
       0,
       {},
       "candidate features per split: auto (sqrt for classification, all for regression), sqrt, log2, all, "
       "or a fraction in (0, 1] such as \"0.5\""},
      {"min_samples_leaf", K::kInt, 1, 1, 1000000, {}, "minimum distinct training rows in a leaf"},
      {"max_depth", K::kInt, 0, 0, 1000, {}, "maximum tree depth (0 = unlimited)"},
      {"bootstrap", K::kBool, rf, 0, 0, {}, "grow each tree on a bootstrap sample of the rows"},
      {"criterion",
       K::kString,
       "gini",
       0,
       0,
       {"gini", "entropy"},
       "classification split criterion (regression always uses squared error)"},
      {"max_bins", K::kInt, 255, 2, 255, {}, "quantile bins per feature for split finding"},
  };
}

double ForestFitBytes(size_t rows, size_t cols, int outputs, const Params& params) {
  const auto n = static_cast<double>(rows);
  const bool bootstrap = params.Bool("bootstrap");
  // A leaf holds min_samples_leaf distinct rows or more; a bootstrap draws 1 - 1/e of them.
  const double distinct = bootstrap ? std::min(n, 0.64 * n + 64.0) : n;
  const auto min_leaf = static_cast<double>(std::max<long long>(1, params.Int("min_samples_leaf")));
  double nodes = std::max(1.0, 2.0 * std::ceil(distinct / min_leaf) - 1.0);
  const long long depth = params.Int("max_depth");
  if (depth > 0 && depth < 60) nodes = std::min(nodes, std::ldexp(1.0, static_cast<int>(depth) + 1) - 1.0);
  const double values_per_leaf = outputs > 2 ? outputs : 1;
  constexpr double kNodeBytes = 21;  // feature, threshold, left, right, default_left, value_offset
  const double tree_bytes = nodes * kNodeBytes + (nodes + 1) / 2 * values_per_leaf * sizeof(float);
  const auto trees = static_cast<double>(params.Int("n_estimators"));
  // The model, and beside it its bytes, their decoded copy and its compiled form (forest_learner.h).
  constexpr double kModelCopiesAtPeak = 4.5;
  double bytes = n * static_cast<double>(cols) + 12.0 * n + kModelCopiesAtPeak * trees * tree_bytes;
  if (bootstrap) bytes += trees * n / 8.0 + n * values_per_leaf * sizeof(double);
  return bytes;
}

void RegisterForestLearners(LearnerRegistry& registry) {
  for (ForestKind kind : {ForestKind::kRandomForest, ForestKind::kExtraTrees}) {
    LearnerRegistry::Entry entry;
    entry.family = FamilyName(kind);
    entry.description = kind == ForestKind::kRandomForest
                            ? "random forest: bootstrapped trees, best cut among sampled features"
                            : "extra trees: one random cut per sampled feature, no bootstrap";
    entry.params = ForestParamSpecs(kind);
    entry.create = [kind, specs = entry.params](const Json& given) -> std::unique_ptr<Learner> {
      return std::make_unique<ForestLearner>(kind, Params::Validate(specs, given, FamilyName(kind)));
    };
    entry.stack_input = false;
    entry.grows_with_rows = true;
    entry.fit_bytes = ForestFitBytes;
    entry.count_param = "n_estimators";
    registry.Register(std::move(entry));
  }
}

}  // namespace tabpilot
