#include "learners/xgboost_learner.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "core/error.h"
#include "core/hash.h"
#include "core/parallel.h"
#include "learners/early_stopping_loss.h"
#include "learners/train_data_check.h"
#include "learners/xgboost_api.h"
#include "learners/xgboost_model_check.h"

namespace tabpilot {
namespace {

const std::string kFamily = "xgboost";

// Serialized model layout (all integers little-endian):
//   8 bytes   magic "TPXGB\0\0\1" (the last byte is the format version)
//   u32       length of the header JSON, then the header JSON
//   u64       FNV-1a of the header JSON followed by the model bytes
//   rest      the XGBoost model in UBJSON
// The checksum rejects damaged bytes. It is no defence against forged bytes
// (anyone can recompute it), and XGBoost 1.7's UBJSON reader does not
// bounds-check (a forged length makes it read past the buffer) nor does its
// loader check tree structure, so Load first walks the model bytes itself
// (CheckXgboostModel: strict UBJSON, then the trees against the header).
constexpr char kMagic[8] = {'T', 'P', 'X', 'G', 'B', '\0', '\0', '\1'};
constexpr int kFormatVersion = 1;

// Rows per thread below which splitting a Predict call over threads costs
// more than it saves: starting a thread takes tens of microseconds, about
// what scoring a few hundred rows through a few hundred trees takes.
constexpr size_t kMinRowsPerThread = 256;

using Kind = ParamSpec::Kind;

std::vector<ParamSpec> MakeSpecs() {
  return {
      {"n_estimators",
       Kind::kInt,
       2000,
       1,
       1000000,
       {},
       "maximum boosting rounds (early stopping usually ends sooner when early-stopping rows are given)"},
      {"learning_rate", Kind::kFloat, 0.1, 0.0001, 1.0, {}, "shrinkage applied to each tree (eta)"},
      {"max_depth", Kind::kInt, 6, 0, 64, {}, "maximum tree depth; 0 = unlimited (lossguide only)"},
      {"max_leaves", Kind::kInt, 0, 0, 1 << 20, {}, "maximum leaves per tree; 0 = unlimited"},
      {"grow_policy",
       Kind::kString,
       "depthwise",
       0,
       0,
       {"depthwise", "lossguide"},
       "split nodes closest to the root first (depthwise) or with the largest loss change (lossguide)"},
      {"min_child_weight", Kind::kFloat, 1.0, 0.0, 1e6, {}, "minimum hessian sum in a leaf"},
      {"subsample", Kind::kFloat, 1.0, 0.01, 1.0, {}, "fraction of rows sampled per tree"},
      {"colsample_bytree", Kind::kFloat, 1.0, 0.01, 1.0, {}, "fraction of columns sampled per tree"},
      {"colsample_bylevel", Kind::kFloat, 1.0, 0.01, 1.0, {}, "fraction of columns sampled per depth level"},
      {"reg_lambda", Kind::kFloat, 1.0, 0.0, 1e6, {}, "L2 regularization on leaf weights"},
      {"reg_alpha", Kind::kFloat, 0.0, 0.0, 1e6, {}, "L1 regularization on leaf weights"},
      {"gamma", Kind::kFloat, 0.0, 0.0, 1e6, {}, "minimum loss reduction to make a split"},
      {"max_bin", Kind::kInt, 256, 2, 65535, {}, "histogram bins per feature"},
      {"early_stopping_rounds",
       Kind::kInt,
       50,
       0,
       1000000,
       {},
       "stop after this many rounds without improvement on the early-stopping rows (the held-out fold); 0 = off"},
      {"max_cat_to_onehot",
       Kind::kInt,
       4,
       1,
       1000000,
       {},
       "categorical features with fewer categories use one-vs-rest splits, others partition splits"},
      {"enable_categorical",
       Kind::kBool,
       false,
       0,
       0,
       {},
       "split categorical columns natively instead of treating their codes as numbers"},
  };
}

// Shortest text that parses back to the same double.
std::string Num(double v) { return Json(v).dump(); }

void PutU32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void PutU64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint64_t GetLe(std::string_view bytes, size_t pos, int width) {
  uint64_t v = 0;
  for (int i = 0; i < width; ++i) v |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[pos + i])) << (8 * i);
  return v;
}

uint64_t Checksum(std::string_view header, std::string_view model) { return Fnv1a64(model, Fnv1a64(header)); }

// What a fitted model needs besides the trees.
struct ModelMeta {
  Task task = Task::kBinary;
  int num_outputs = 2;      // values per row written by Predict
  size_t num_features = 0;  // input columns
  int best_iteration = 0;   // 0-based round with the best validation score (last round without one)
  int rounds = 0;           // rounds kept in the model
  int rounds_trained = 0;   // rounds boosted before stopping
};

Json MetaToJson(const ModelMeta& m) {
  return Json{{"format", kFormatVersion},          {"task", TaskName(m.task)},           {"num_outputs", m.num_outputs},
              {"num_features", m.num_features},    {"best_iteration", m.best_iteration}, {"rounds", m.rounds},
              {"rounds_trained", m.rounds_trained}};
}

// XGBoost's objective for a task; Load checks a model against it.
const char* ObjectiveName(Task task) {
  switch (task) {
    case Task::kBinary:
      return "binary:logistic";
    case Task::kMulticlass:
      return "multi:softprob";
    case Task::kRegression:
      break;
  }
  return "reg:squarederror";
}

// Values XGBoost writes per row for a task (binary: just p).
int RawWidth(const ModelMeta& m) { return m.task == Task::kBinary ? 1 : m.num_outputs; }

// Model::Serialize's bytes of `booster` described by `meta` (the layout above).
std::string SerializeBooster(const XgbBooster& booster, const ModelMeta& meta) {
  const std::string model = booster.SaveToBuffer("ubj");
  const std::string header = MetaToJson(meta).dump();
  std::string out(kMagic, sizeof(kMagic));
  PutU32(&out, static_cast<uint32_t>(header.size()));
  out += header;
  PutU64(&out, Checksum(header, model));
  out += model;
  return out;
}

// A fitted booster. Immutable after construction; Predict is safe to call from
// several threads at once (see XgbBooster::PredictDense: the booster is
// configured by a warm-up prediction in the constructor, before sharing).
class XgboostModel final : public Model {
 public:
  XgboostModel(XgbBooster booster, ModelMeta meta) : booster_(std::move(booster)), meta_(meta) {
    // Prediction parallelism comes from splitting rows across our own threads
    // (Predict's `threads`), so each XGBoost call runs on one thread.
    booster_.SetParam("nthread", "1");
    std::vector<float> row(meta_.num_features, std::numeric_limits<float>::quiet_NaN());
    std::vector<float> out(static_cast<size_t>(RawWidth(meta_)));
    booster_.PredictDense(row.data(), 1, meta_.num_features, 0, out.data(), out.size());
  }

  int num_outputs() const override { return meta_.num_outputs; }

  void Predict(const Matrix& x, float* out, int threads) const override {
    if (x.cols != meta_.num_features) {
      throw InvalidInput("xgboost model expects " + std::to_string(meta_.num_features) + " feature columns, got " +
                         std::to_string(x.cols));
    }
    if (x.rows == 0) return;
    const size_t raw_width = static_cast<size_t>(RawWidth(meta_));
    const size_t workers = std::clamp<size_t>(x.rows / kMinRowsPerThread, 1, static_cast<size_t>(std::max(1, threads)));
    if (meta_.task == Task::kBinary) {
      std::vector<float> p(x.rows);
      ParallelFor(x.rows, static_cast<int>(workers), [&](size_t begin, size_t end, int) {
        booster_.PredictDense(x.row(begin), end - begin, x.cols, 0, p.data() + begin, end - begin);
      });
      for (size_t r = 0; r < x.rows; ++r) {
        out[2 * r] = 1.0f - p[r];
        out[2 * r + 1] = p[r];
      }
    } else {
      ParallelFor(x.rows, static_cast<int>(workers), [&](size_t begin, size_t end, int) {
        booster_.PredictDense(x.row(begin), end - begin, x.cols, 0, out + begin * raw_width, (end - begin) * raw_width);
      });
    }
  }

  std::string Serialize() const override { return SerializeBooster(booster_, meta_); }

  Json Info() const override {
    return Json{
        {"best_iteration", meta_.best_iteration}, {"rounds", meta_.rounds}, {"rounds_trained", meta_.rounds_trained}};
  }

 private:
  XgbBooster booster_;
  ModelMeta meta_;
};

// Feature names XGBoost accepts: it rejects '[', ']' and '<' (they clash with
// its text dump format) and ',' breaks its feature-map files.
std::vector<std::string> SanitizedNames(const std::vector<std::string>& names) {
  std::vector<std::string> out;
  out.reserve(names.size());
  for (std::string n : names) {
    for (char& c : n) {
      if (c == '[' || c == ']' || c == '<' || c == ',' || c == '\n' || c == '\t') c = '_';
    }
    out.push_back(n.empty() ? "_" : n);
  }
  return out;
}

// Describes the feature columns to XGBoost: names (when given and unique after
// sanitizing) and, with native categoricals, which columns are "c".
void DescribeFeatures(XgbDMatrix* m, const std::vector<std::string>& names, const std::vector<std::string>& types) {
  if (!names.empty()) m->SetStrFeatureInfo("feature_name", names);
  if (!types.empty()) m->SetStrFeatureInfo("feature_type", types);
}

// The labels and sample weights (when given) of `data`, onto its matrix.
void SetLabels(XgbDMatrix* m, const TrainData& data) {
  m->SetFloatInfo("label", data.y->data(), data.y->size());
  if (data.weights && !data.weights->empty()) m->SetFloatInfo("weight", data.weights->data(), data.weights->size());
}

// Throws InvalidInput naming the row (first_row + i) and column of the first
// value of a categorical column ("c" in `types`) among `count` row-major rows
// that is not a category code (a non-negative integer up to 2^24, or NaN).
void CheckCategoryCodes(const float* values, size_t count, size_t cols, size_t first_row,
                        const std::vector<std::string>& types, const FitOptions& options) {
  if (types.empty()) return;
  for (size_t c = 0; c < cols; ++c) {
    if (types[c] != "c") continue;
    for (size_t i = 0; i < count; ++i) {
      const float v = values[i * cols + c];
      if (!std::isnan(v) && (v < 0 || v != std::floor(v) || v > 16777216.0f)) {
        throw InvalidInput("xgboost: training " + RowText(first_row + i) + ", categorical " + ColumnText(c, options) +
                           ": value " + Num(v) + " is not a category code");
      }
    }
  }
}

// The training rows' matrix: quantized (XgbDMatrix::Quantized) with the
// booster's `max_bin`, about a byte a cell, where a DMatrix from the dense
// rows holds eight and hist then adds its own bins; a row view (a bagging
// fold) is gathered in blocks, never copied whole. Same cut points, so the
// same model to the byte.
XgbDMatrix MakeTrainingDMatrix(const TrainData& data, const FitOptions& options, const std::vector<std::string>& types,
                               int max_bin) {
  if (data.blocks == nullptr) {
    XgbDMatrix m = XgbDMatrix::Quantized(data.x->values.data(), data.x->rows, data.x->cols, data.rows, types, max_bin,
                                         options.threads);
    SetLabels(&m, data);
    return m;
  }
  // Rows read a block at a time are checked as they come (CheckFitData cannot see them).
  const RowBlocks& blocks = *data.blocks;
  const size_t cols = blocks.cols();
  const XgbDMatrix::BlockReader read = [&](size_t begin, size_t count, std::vector<float>* out) {
    blocks.Read(begin, count, out);
    if (out->size() != count * cols) throw Internal("xgboost: a block of training rows has the wrong size");
    CheckRowValues(out->data(), count, cols, begin, kFamily + ": training", options);
    CheckCategoryCodes(out->data(), count, cols, begin, types, options);
  };
  XgbDMatrix m = XgbDMatrix::QuantizedFromBlocks(blocks.rows(), cols, read, types, max_bin, options.threads);
  SetLabels(&m, data);
  return m;
}

// The early-stopping rows' matrix, from the dense rows: XGBoost 1.7 predicts
// a quantized one several times slower, and early stopping predicts it every
// round (a fold's fit took 2.5-3x as long).
XgbDMatrix MakeValidationDMatrix(const TrainData& data, const FitOptions& options) {
  XgbDMatrix m = XgbDMatrix::FromDense(data.x->values.data(), data.x->rows, data.x->cols, options.threads);
  SetLabels(&m, data);
  return m;
}

// Weighted mean of the labels: the starting score (XGBoost 1.7 would start at 0.5).
double LabelMean(const TrainData& data) {
  const bool weighted = data.weights && !data.weights->empty();
  double sum = 0, wsum = 0;
  for (size_t r = 0; r < data.y->size(); ++r) {
    const double w = weighted ? (*data.weights)[r] : 1.0;
    sum += w * (*data.y)[r];
    wsum += w;
  }
  return wsum > 0 ? sum / wsum : 0.0;
}

// The UBJSON part of a serialized model (a view into `bytes`), after the
// checks Load makes before libxgboost sees a byte: magic, version, header,
// checksum, then the trees walked against the header (CheckXgboostModel).
// Fills `meta` from the header.
std::string_view CheckedModelBytes(std::string_view bytes, ModelMeta* meta_out) {
  auto corrupt = [](const std::string& why) { return InvalidInput("corrupt xgboost model: " + why); };
  if (bytes.size() < sizeof(kMagic) + 4 || std::memcmp(bytes.data(), kMagic, sizeof(kMagic) - 1) != 0) {
    throw corrupt("not a tabpilot xgboost model (bad magic bytes)");
  }
  if (bytes[sizeof(kMagic) - 1] != kMagic[sizeof(kMagic) - 1]) {
    throw corrupt("unsupported format version " +
                  std::to_string(static_cast<unsigned char>(bytes[sizeof(kMagic) - 1])) + " (this build reads " +
                  std::to_string(kFormatVersion) + ")");
  }
  size_t pos = sizeof(kMagic);
  const size_t header_len = static_cast<size_t>(GetLe(bytes, pos, 4));
  pos += 4;
  if (header_len > bytes.size() - pos || bytes.size() - pos - header_len < 8) throw corrupt("truncated header");
  ModelMeta meta;
  try {
    const Json h = Json::parse(bytes.substr(pos, header_len));
    if (JsonInteger<int>(h.at("format"), "format") != kFormatVersion) throw corrupt("format version mismatch");
    meta.task = ParseTask(h.at("task").get<std::string>());
    meta.num_outputs = JsonInteger<int>(h.at("num_outputs"), "num_outputs");
    meta.num_features = JsonInteger<size_t>(h.at("num_features"), "num_features");
    meta.best_iteration = JsonInteger<int>(h.at("best_iteration"), "best_iteration");
    meta.rounds = JsonInteger<int>(h.at("rounds"), "rounds");
    meta.rounds_trained = JsonInteger<int>(h.at("rounds_trained"), "rounds_trained");
  } catch (const Json::exception& e) {
    throw corrupt(std::string("bad header: ") + e.what());
  } catch (const InvalidInput& e) {
    throw corrupt(std::string("bad header: ") + e.what());
  }
  const int expected_outputs = meta.task == Task::kRegression ? 1 : (meta.task == Task::kBinary ? 2 : 0);
  if (meta.num_outputs < 1 || meta.num_outputs > kMaxXgboostOutputs ||
      (expected_outputs != 0 && meta.num_outputs != expected_outputs) ||
      (meta.task == Task::kMulticlass && meta.num_outputs < 2) || meta.num_features == 0 || meta.rounds < 1) {
    throw corrupt("inconsistent header " + MetaToJson(meta).dump());
  }
  pos += header_len;
  const uint64_t checksum = GetLe(bytes, pos, 8);
  pos += 8;
  const std::string_view model = bytes.substr(pos);
  if (Checksum(bytes.substr(sizeof(kMagic) + 4, header_len), model) != checksum) {
    throw corrupt("checksum mismatch (the bytes were damaged)");
  }
  // Before XGBoost sees a byte: its reader and predictor trust every length and index.
  XgboostModelShape shape;
  shape.num_features = meta.num_features;
  shape.num_class = meta.task == Task::kMulticlass ? meta.num_outputs : 0;
  shape.objective = ObjectiveName(meta.task);
  CheckXgboostModel(model, shape, "corrupt xgboost model");
  *meta_out = meta;
  return model;
}

class XgboostLearner final : public Learner {
 public:
  explicit XgboostLearner(Params params) : params_(std::move(params)) {
    if (params_.Int("max_depth") == 0 && params_.Int("max_leaves") == 0) {
      throw InvalidInput("xgboost: max_depth = 0 (unlimited) needs max_leaves > 0");
    }
    if (params_.Int("max_depth") == 0 && params_.String("grow_policy") != "lossguide") {
      throw InvalidInput("xgboost: max_depth = 0 (unlimited) needs grow_policy = \"lossguide\"");
    }
  }

  const std::string& family() const override { return kFamily; }
  const Params& params() const override { return params_; }
  FeatureFlavor flavor() const override { return FeatureFlavor::kTree; }
  bool early_stops() const override { return params_.Int("early_stopping_rounds") > 0; }
  bool takes_row_view() const override { return true; }
  // The refit boosts the mean number of rounds its folds kept (early stopping
  // or the deadline ended them), without early stopping: it has no held-out rows.
  std::optional<Json> RefitParams(const Json& fold_info) const override;

  std::unique_ptr<Model> Fit(const TrainData& train, const TrainData* valid, const FitOptions& options) const override {
    CheckFitData(kFamily, train, valid, options);
    const size_t cols = train.num_cols();
    const bool early_stopping = valid != nullptr && early_stops();

    const std::vector<std::string> names = FeatureNames(options, cols);
    const std::vector<std::string> types = FeatureTypes(train, options, cols);

    const int max_bin = static_cast<int>(params_.Int("max_bin"));
    XgbDMatrix dtrain = MakeTrainingDMatrix(train, options, types, max_bin);
    DescribeFeatures(&dtrain, names, types);
    std::vector<const XgbDMatrix*> cache = {&dtrain};
    std::optional<XgbDMatrix> dvalid;
    if (early_stopping) {
      dvalid.emplace(MakeValidationDMatrix(*valid, options));
      DescribeFeatures(&*dvalid, names, types);
      cache.push_back(&*dvalid);
    }

    XgbBooster booster = XgbBooster::Create(cache);
    SetBoosterParams(&booster, train, options, !types.empty());

    const int max_rounds = static_cast<int>(params_.Int("n_estimators"));
    const int patience = static_cast<int>(params_.Int("early_stopping_rounds"));
    ModelMeta meta;
    meta.task = options.task;
    meta.num_outputs = IsClassification(options.task) ? options.num_classes : 1;
    meta.num_features = cols;
    double best_loss = std::numeric_limits<double>::infinity();
    std::vector<float> valid_pred;
    for (int round = 0; round < max_rounds; ++round) {
      // The first round always runs so a late start still yields a model.
      if (round > 0 && options.deadline.Expired()) break;
      booster.UpdateOneIter(round, dtrain);
      meta.rounds_trained = round + 1;
      if (!early_stopping) {
        meta.best_iteration = round;
        continue;
      }
      booster.PredictCached(*dvalid, &valid_pred);
      const double loss = EarlyStoppingLoss(valid_pred.data(), *valid, options.task, options.num_classes);
      if (loss < best_loss) {
        best_loss = loss;
        meta.best_iteration = round;
      } else if (round - meta.best_iteration >= patience) {
        break;
      }
    }
    meta.rounds = meta.best_iteration + 1;
    if (meta.rounds < meta.rounds_trained) booster = booster.Slice(0, meta.rounds);
    return std::make_unique<XgboostModel>(std::move(booster), meta);
  }

  // See FitXgboostSharded in the header.
  std::unique_ptr<Model> FitSharded(const TrainData& train, const FitOptions& options,
                                    const ShardedBoostOptions& sharded) const {
    CheckFitData(kFamily, train, nullptr, options);
    const size_t cols = train.num_cols();
    const std::vector<std::string> names = FeatureNames(options, cols);
    const std::vector<std::string> types = FeatureTypes(train, options, cols);
    XgbDMatrix dtrain = MakeTrainingDMatrix(train, options, types, static_cast<int>(params_.Int("max_bin")));
    DescribeFeatures(&dtrain, names, types);
    XgbBooster booster = XgbBooster::Create({&dtrain});
    ModelMeta meta;
    meta.task = options.task;
    meta.num_outputs = IsClassification(options.task) ? options.num_classes : 1;
    meta.num_features = cols;
    if (!sharded.resume.empty()) {
      ModelMeta saved;
      booster.LoadModel(CheckedModelBytes(sharded.resume, &saved));
      if (saved.task != meta.task || saved.num_outputs != meta.num_outputs || saved.num_features != cols) {
        throw InvalidInput("xgboost: the checkpoint is of another problem (task, classes or features differ)");
      }
      meta.rounds_trained = saved.rounds;
    }
    SetBoosterParams(&booster, train, options, !types.empty());
    if (options.task != Task::kMulticlass) booster.SetParam("base_score", Num(sharded.base_score));
    for (int round = meta.rounds_trained; round < sharded.rounds; ++round) {
      booster.UpdateOneIter(round, dtrain);
      meta.rounds_trained = meta.rounds = round + 1;
      meta.best_iteration = round;
      if (sharded.checkpoint_every > 0 && sharded.checkpoint && (round + 1) % sharded.checkpoint_every == 0 &&
          round + 1 < sharded.rounds) {
        sharded.checkpoint(round + 1, SerializeBooster(booster, meta));
      }
      if (sharded.stop && sharded.stop(round + 1)) break;
    }
    if (meta.rounds_trained == 0) throw InvalidInput("xgboost: no boosting round to run (--rounds is already done)");
    meta.rounds = meta.rounds_trained;
    meta.best_iteration = meta.rounds - 1;
    return std::make_unique<XgboostModel>(std::move(booster), meta);
  }

  std::unique_ptr<Model> Load(std::string_view bytes, const FitOptions& options) const override {
    (void)options;  // everything needed is in the bytes; threads are chosen per Predict call
    ModelMeta meta;
    const std::string_view model = CheckedModelBytes(bytes, &meta);
    try {
      XgbBooster booster = XgbBooster::LoadFromBuffer(model);
      if (booster.BoostedRounds() != meta.rounds || booster.NumFeatures() != meta.num_features) {
        throw InvalidInput("corrupt xgboost model: the trees do not match the header");
      }
      return std::make_unique<XgboostModel>(std::move(booster), meta);
    } catch (const Internal& e) {
      throw InvalidInput(std::string("corrupt xgboost model: ") + e.what());
    }
  }

 private:
  std::vector<std::string> FeatureNames(const FitOptions& options, size_t cols) const {
    if (options.feature_names == nullptr || options.feature_names->empty()) return {};
    if (options.feature_names->size() != cols) {
      throw InvalidInput("xgboost: " + std::to_string(options.feature_names->size()) + " feature names for " +
                         std::to_string(cols) + " columns");
    }
    std::vector<std::string> names = SanitizedNames(*options.feature_names);
    // XGBoost requires unique names; without them the model simply stays unnamed.
    if (std::set<std::string>(names.begin(), names.end()).size() != names.size()) return {};
    return names;
  }

  // "q"/"c" per column when native categorical splits are on and asked for;
  // empty otherwise. Categorical codes must be non-negative integers (or NaN).
  std::vector<std::string> FeatureTypes(const TrainData& train, const FitOptions& options, size_t cols) const {
    if (!params_.Bool("enable_categorical") || options.categorical_features == nullptr ||
        options.categorical_features->empty()) {
      return {};
    }
    std::vector<std::string> types(cols, "q");
    for (size_t c : *options.categorical_features) {
      if (c >= cols) {
        throw InvalidInput("xgboost: categorical feature index " + std::to_string(c) + " is out of range (" +
                           std::to_string(cols) + " columns)");
      }
      types[c] = "c";
    }
    if (train.blocks == nullptr) {
      for (size_t r = 0; r < train.num_rows(); ++r) CheckCategoryCodes(train.row(r), 1, cols, r, types, options);
    }
    return types;
  }

  void SetBoosterParams(XgbBooster* b, const TrainData& train, const FitOptions& options, bool categorical) const {
    b->SetParam("verbosity", "0");
    b->SetParam("tree_method", "hist");
    b->SetParam("nthread", std::to_string(std::max(1, options.threads)));
    b->SetParam("seed", std::to_string(options.seed & 0x7fffffffULL));
    switch (options.task) {
      case Task::kBinary:
        b->SetParam("objective", ObjectiveName(options.task));
        b->SetParam("base_score", Num(std::clamp(LabelMean(train), 1e-6, 1 - 1e-6)));
        break;
      case Task::kMulticlass:
        b->SetParam("objective", ObjectiveName(options.task));
        b->SetParam("num_class", std::to_string(options.num_classes));
        break;
      case Task::kRegression:
        b->SetParam("objective", ObjectiveName(options.task));
        b->SetParam("base_score", Num(LabelMean(train)));
        break;
    }
    b->SetParam("eta", Num(params_.Float("learning_rate")));
    b->SetParam("max_depth", std::to_string(params_.Int("max_depth")));
    b->SetParam("max_leaves", std::to_string(params_.Int("max_leaves")));
    b->SetParam("grow_policy", params_.String("grow_policy"));
    b->SetParam("min_child_weight", Num(params_.Float("min_child_weight")));
    b->SetParam("subsample", Num(params_.Float("subsample")));
    b->SetParam("colsample_bytree", Num(params_.Float("colsample_bytree")));
    b->SetParam("colsample_bylevel", Num(params_.Float("colsample_bylevel")));
    b->SetParam("lambda", Num(params_.Float("reg_lambda")));
    b->SetParam("alpha", Num(params_.Float("reg_alpha")));
    b->SetParam("gamma", Num(params_.Float("gamma")));
    b->SetParam("max_bin", std::to_string(params_.Int("max_bin")));
    if (categorical) b->SetParam("max_cat_to_onehot", std::to_string(params_.Int("max_cat_to_onehot")));
  }

  Params params_;
};

}  // namespace

std::optional<Json> XgboostLearner::RefitParams(const Json& fold_info) const {
  return RefitWithFoldsEffort(params_, fold_info, "rounds", "n_estimators");
}

XgboostModelParts SplitXgboostModel(std::string_view bytes) {
  ModelMeta meta;
  XgboostModelParts parts;
  parts.ubjson = CheckedModelBytes(bytes, &meta);
  parts.task = meta.task;
  parts.num_outputs = meta.num_outputs;
  parts.num_features = meta.num_features;
  parts.rounds = meta.rounds;
  return parts;
}

const std::vector<ParamSpec>& XgboostParamSpecs() {
  static const std::vector<ParamSpec> specs = MakeSpecs();
  return specs;
}

std::unique_ptr<Learner> CreateXgboostLearner(const Json& params) {
  return std::make_unique<XgboostLearner>(Params::Validate(XgboostParamSpecs(), params, kFamily));
}

SearchDraw SampleXgboostConfig(std::mt19937_64& rng) {
  // Around the curated boosters' good regions: depth-wise or leaf-wise
  // growth (LightGBM's), one-hot or native categoricals.
  SearchDraw d;
  const bool lossguide = UniformDraw(rng) < 0.5;
  d.params = Json{{"learning_rate", LogUniformDraw(rng, 0.02, 0.1)},
                  {"colsample_bytree", 0.4 + 0.6 * UniformDraw(rng)},
                  {"min_child_weight", LogUniformDraw(rng, 0.01, 10.0)},
                  {"reg_lambda", LogUniformDraw(rng, 0.01, 10.0)}};
  if (lossguide) {
    d.params["grow_policy"] = "lossguide";
    d.params["max_depth"] = 0;
    d.params["max_leaves"] = static_cast<int>(LogUniformDraw(rng, 8, 256));
    d.name = "LightGBMLike_R";
  } else {
    d.params["max_depth"] = 3 + static_cast<int>(UniformDraw(rng) * 7);
    d.name = "XGBoost_R";
  }
  d.features.encoding = Encoding::kTree;
  if (UniformDraw(rng) < 0.3) {
    d.params["enable_categorical"] = true;
    d.features.native_categorical = true;
  } else {
    d.features.max_onehot_levels = kBoosterOneHotLevels;
  }
  d.relative_cost = 2.0;
  return d;
}

double XgboostFitBytes(size_t rows, size_t cols, int outputs, const Params& params) {
  const auto n = static_cast<double>(rows);
  const auto c = static_cast<double>(cols);
  const long long leaves = params.Int("max_leaves");
  const long long depth = params.Int("max_depth");
  double nodes = 2.0 * n;
  if (leaves > 0) nodes = std::min(nodes, 2.0 * static_cast<double>(leaves) - 1.0);
  if (depth > 0) nodes = std::min(nodes, std::ldexp(1.0, static_cast<int>(depth) + 1) - 1.0);
  const double trees = static_cast<double>(params.Int("n_estimators")) * (outputs > 2 ? outputs : 1);
  constexpr double kCellBytes = 10;  // kFoldBytesPerCell (automl/bagging.h)
  constexpr double kNodeBytes = 56;
  constexpr double kHistogramBinBytes = 16;  // a gradient and a hessian, doubles
  return n * c * kCellBytes + 2.0 * trees * nodes * kNodeBytes +
         nodes * static_cast<double>(params.Int("max_bin")) * c * kHistogramBinBytes;
}

void RegisterXgboostLearner(LearnerRegistry& registry) {
  LearnerRegistry::Entry entry{kFamily, "gradient-boosted trees (XGBoost, hist), early stopping on the held-out fold",
                               XgboostParamSpecs(), CreateXgboostLearner, /*repeat_bags=*/true};
  entry.sample = SampleXgboostConfig;
  entry.search_share = 0.75;  // mostly boosters: the strongest family on tabular data
  entry.native_categorical_param = "enable_categorical";
  entry.fit_bytes = XgboostFitBytes;
  registry.Register(std::move(entry));
}

std::unique_ptr<Model> FitXgboostSharded(const Learner& learner, const TrainData& train, const FitOptions& options,
                                         const ShardedBoostOptions& sharded) {
  const auto* xgb = dynamic_cast<const XgboostLearner*>(&learner);
  if (xgb == nullptr) throw Internal("FitXgboostSharded needs an xgboost learner, got " + learner.family());
  return xgb->FitSharded(train, options, sharded);
}

}  // namespace tabpilot
