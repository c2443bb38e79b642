#include "learners/mlp_learner.h"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <optional>
#include <random>
#include <string>
#include <utility>

#include "core/error.h"
#include "core/parallel.h"
#include "learners/byte_io.h"
#include "learners/dense_kernel.h"
#include "learners/periodic_embedding.h"
#include "learners/train_data_check.h"

namespace tabpilot {
namespace {

const std::string kFamily = "mlp";

// Serialized layout (integers little-endian, floats as IEEE-754 bits):
//   magic "TPMLPNET" | u32 version | u8 task | u32 num_classes | u64 num_features
//   | (version >= 2) u32 embedded columns E | if E > 0: u32 K | u32 D | E * u32 column
//   | u32 num_layers | num_layers * u32 layer output width
//   | f64 target mean | f64 target sd | u32 epochs_trained | u32 best_epoch
//   | u8 flags (bit0 stopped early, bit1 stopped by deadline) | f64 best validation loss (NaN = none)
//   | per layer: inputs * outputs f32 weights (row-major, inputs x outputs), outputs f32 biases
//   | (E > 0) f32 frequencies (E x K), f32 embedding weights (E*2K x D), f32 embedding biases (E x D)
//   | (version >= 3) u64 checksum (byte_io.h's seal)
// The first layer's inputs are the embedding's outputs: E * D + num_features - E.
// Versions 1 (no embedding section) and 2 (no checksum) are still read.
constexpr char kMagic[8] = {'T', 'P', 'M', 'L', 'P', 'N', 'E', 'T'};
constexpr uint32_t kVersion = 3;
constexpr uint32_t kOldestVersion = 1;
// More continuous columns than this are left unembedded (the first layer
// would grow by D inputs per column).
constexpr size_t kMaxEmbeddedColumns = 64;
constexpr int kMaxEmbeddingSize = 1024;
constexpr const char* kCorrupt = "corrupt mlp model";
constexpr uint32_t kMaxLayers = 64;
constexpr uint32_t kMaxWidth = 1u << 20;
constexpr int kMaxHiddenWidth = 65536;

// Rows per gradient chunk. A mini-batch is cut into chunks of this many rows
// whatever the thread count, so the gradient sum (in chunk order) and hence the
// fitted model do not depend on how many threads computed the chunks.
constexpr Eigen::Index kChunkRows = 128;
// Rows per block when scoring (Predict, validation loss).
constexpr size_t kBlockRows = 256;

// Adam's moment decay rates and denominator guard (Kingma & Ba's defaults).
constexpr float kBeta1 = 0.9f;
constexpr float kBeta2 = 0.999f;
constexpr float kAdamEps = 1e-8f;

struct Layer {
  RowMatrixXf w;         // inputs x outputs
  Eigen::RowVectorXf b;  // outputs
};
using Net = std::vector<Layer>;

float Finite(float v) { return std::isfinite(v) ? v : 0.0f; }

bool AllFinite(const Net& net) {
  for (const Layer& l : net) {
    if (!l.w.allFinite() || !l.b.allFinite()) return false;
  }
  return true;
}

std::string JoinWidths(const std::vector<int>& widths) {
  std::string s;
  for (size_t i = 0; i < widths.size(); ++i) s += (i ? "," : "") + std::to_string(widths[i]);
  return s;
}

// Parses "256,128" (spaces allowed around the numbers) into layer widths.
std::vector<int> ParseHidden(const std::string& text) {
  auto fail = [&]() -> std::vector<int> {
    throw InvalidInput("mlp: parameter 'hidden' must be comma-separated layer widths in 1.." +
                       std::to_string(kMaxHiddenWidth) + " such as \"256,128\", got \"" + text + "\"");
  };
  std::vector<int> widths;
  size_t pos = 0;
  while (true) {
    size_t end = text.find(',', pos);
    std::string part = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    const size_t first = part.find_first_not_of(' ');
    const size_t last = part.find_last_not_of(' ');
    if (first == std::string::npos) return fail();
    part = part.substr(first, last - first + 1);
    if (part.size() > 6 || !std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return fail();
    }
    const int w = std::stoi(part);
    if (w < 1 || w > kMaxHiddenWidth) return fail();
    widths.push_back(w);
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  if (widths.size() >= kMaxLayers) return fail();
  return widths;
}

// Drops each entry of `a` with probability ~p (in steps of 1/65536) and scales
// the kept ones by 1/(1-p) ("inverted" dropout: no rescaling at predict time).
void ApplyDropout(RowMatrixXf& a, float p, std::mt19937_64& rng) {
  const uint32_t threshold = static_cast<uint32_t>(p * 65536.0f);
  const float scale = 1.0f / (1.0f - p);
  float* v = a.data();
  const size_t n = static_cast<size_t>(a.size());
  for (size_t i = 0; i < n; i += 4) {
    const uint64_t bits = rng();
    for (size_t k = 0; k < 4 && i + k < n; ++k) {
      const uint32_t u = static_cast<uint32_t>(bits >> (16 * k)) & 0xffffu;
      v[i + k] = u < threshold ? 0.0f : v[i + k] * scale;
    }
  }
}

// Forward pass: acts[l] receives hidden layer l's output (after ReLU and, when
// `rng` is given, dropout); z receives the output layer's values.
void Forward(const Net& net, const RowMatrixXf& x, float dropout, std::mt19937_64* rng, std::vector<RowMatrixXf>& acts,
             RowMatrixXf& z) {
  const size_t hidden = net.size() - 1;
  acts.resize(hidden);
  const RowMatrixXf* in = &x;
  for (size_t l = 0; l < hidden; ++l) {
    RowMatrixXf& a = acts[l];
    a.noalias() = *in * net[l].w;
    a.rowwise() += net[l].b;
    a = a.cwiseMax(0.0f);
    if (rng != nullptr && dropout > 0) ApplyDropout(a, dropout, *rng);
    in = &a;
  }
  z.noalias() = *in * net.back().w;
  z.rowwise() += net.back().b;
}

// Copies rows [begin, end) of `x` into `out`, NaN/inf read as 0.
void GatherBlock(const Matrix& x, size_t begin, size_t end, RowMatrixXf& out) {
  out.resize(static_cast<Eigen::Index>(end - begin), static_cast<Eigen::Index>(x.cols));
  float* dst = out.data();
  const float* src = x.row(begin);
  for (size_t i = 0, n = (end - begin) * x.cols; i < n; ++i) dst[i] = Finite(src[i]);
}

double Sigmoid(double v) { return v >= 0 ? 1.0 / (1.0 + std::exp(-v)) : std::exp(v) / (1.0 + std::exp(v)); }

// What fitting learned, kept in the model for Info().
struct FitSummary {
  uint32_t epochs_trained = 0;
  uint32_t best_epoch = 0;  // 0 = no validation or no epoch scored
  bool stopped_early = false;
  bool stopped_by_deadline = false;
  double best_valid_loss = std::numeric_limits<double>::quiet_NaN();
};

class MlpModel final : public Model, public FeatureSumForm {
 public:
  MlpModel(Task task, int num_classes, size_t num_features, PeriodicEmbedding embedding, Net net, double y_mean,
           double y_sd, FitSummary summary)
      : task_(task),
        num_classes_(num_classes),
        num_features_(num_features),
        embedding_(std::move(embedding)),
        net_(std::move(net)),
        y_mean_(y_mean),
        y_sd_(y_sd),
        summary_(summary),
        packed_embedding_(embedding_.PackColumns()) {
    for (const Layer& l : net_) {
      packed_.emplace_back(l.w.data(), l.b.data(), static_cast<size_t>(l.w.rows()), static_cast<size_t>(l.w.cols()));
    }
    // Which input feature each of the first layer's inputs comes from.
    if (embedding_.empty()) {
      for (size_t f = 0; f < num_features_; ++f) first_input_feature_.push_back(static_cast<uint32_t>(f));
    } else {
      for (uint32_t c : embedding_.columns())
        first_input_feature_.insert(first_input_feature_.end(), static_cast<size_t>(embedding_.dim()), c);
      for (uint32_t c : embedding_.passthrough()) first_input_feature_.push_back(c);
    }
    if (!packed_.empty()) sum_bias_.assign(packed_[0].b.begin(), packed_[0].b.begin() + packed_[0].out);
  }

  const FeatureSumForm* AsFeatureSum() const override { return packed_.empty() ? nullptr : this; }
  size_t sum_width() const override { return packed_[0].out; }
  const std::vector<float>& sum_bias() const override { return sum_bias_; }

  void Contributions(const Matrix& x, std::vector<float>& out) const override {
    CheckColumns(x);
    const PackedDense& first = packed_[0];
    const size_t width = first.out;
    out.assign(x.rows * num_features_ * width, 0.0f);
    std::vector<float> in(x.values.size());
    for (size_t i = 0; i < in.size(); ++i) in[i] = Finite(x.values[i]);
    std::vector<float> embedded;
    const float* a = in.data();
    size_t a_width = num_features_;
    if (!embedding_.empty()) {
      a_width = embedding_.output_width();
      std::vector<float> trig(x.rows * embedding_.columns().size() * 2 * static_cast<size_t>(embedding_.frequencies()));
      embedded.resize(x.rows * a_width);
      embedding_.Infer(in.data(), num_features_, x.rows, packed_embedding_, trig.data(), embedded.data());
      a = embedded.data();
    }
    for (size_t r = 0; r < x.rows; ++r) {
      for (size_t k = 0; k < a_width; ++k) {
        const float v = a[r * a_width + k];
        if (v == 0.0f) continue;
        float* o = out.data() + (r * num_features_ + first_input_feature_[k]) * width;
        const float* w = first.w.data() + k * first.stride;
        for (size_t j = 0; j < width; ++j) o[j] += v * w[j];
      }
    }
  }

  void PredictFromSums(const float* sums, size_t n, float* out) const override {
    const auto outputs = static_cast<size_t>(num_outputs());
    std::vector<float> a;
    std::vector<float> h;
    std::vector<float> z(n * outputs);
    if (packed_.size() == 1) {
      // The first layer is the output layer: the sums are its values.
      for (size_t r = 0; r < n; ++r) WriteOutputs(sums + r * outputs, out + r * outputs);
      return;
    }
    size_t a_width = packed_[0].out;
    a.resize(n * a_width);
    for (size_t i = 0; i < a.size(); ++i) a[i] = std::max(0.0f, sums[i]);
    for (size_t l = 1; l + 1 < packed_.size(); ++l) {
      const PackedDense& layer = packed_[l];
      h.resize(n * layer.out);
      DenseForward(layer, a.data(), a_width, n, /*relu=*/true, h.data(), layer.out);
      a.swap(h);
      a_width = layer.out;
    }
    DenseForward(packed_.back(), a.data(), a_width, n, /*relu=*/false, z.data(), outputs);
    for (size_t r = 0; r < n; ++r) WriteOutputs(z.data() + r * outputs, out + r * outputs);
  }

  int num_outputs() const override { return IsClassification(task_) ? num_classes_ : 1; }

  // Blocks of kBlockRows rows are scored independently by the dense
  // kernels, whose outputs do not depend on the block: a row's prediction
  // depends neither on the thread count nor on the rows around it.
  void Predict(const Matrix& x, float* out, int threads) const override {
    CheckColumns(x);
    const size_t blocks = (x.rows + kBlockRows - 1) / kBlockRows;
    ParallelFor(blocks, threads, [&](size_t b0, size_t b1, int) {
      Buffers buffers;
      PredictBlocks(x, b0, b1, out, buffers);
    });
  }

  std::unique_ptr<PredictScratch> NewPredictScratch() const override { return std::make_unique<Buffers>(); }

  void PredictWith(const Matrix& x, float* out, PredictScratch* scratch) const override {
    auto* buffers = dynamic_cast<Buffers*>(scratch);
    if (buffers == nullptr) {
      Predict(x, out, 1);
      return;
    }
    CheckColumns(x);
    PredictBlocks(x, 0, (x.rows + kBlockRows - 1) / kBlockRows, out, *buffers);
  }

  std::string Serialize() const override {
    ByteWriter w;
    size_t floats = 0;
    for (const Layer& l : net_) floats += static_cast<size_t>(l.w.size() + l.b.size());
    const EmbeddingParams& emb = embedding_.params();
    if (!embedding_.empty()) floats += emb.size();
    w.Reserve(112 + 4 * net_.size() + 4 * embedding_.columns().size() + 4 * floats);
    WriteModelHeader(w, std::string_view(kMagic, sizeof kMagic), kVersion, task_, num_classes_);
    w.U64(num_features_);
    w.U32(static_cast<uint32_t>(embedding_.columns().size()));
    if (!embedding_.empty()) {
      w.U32(static_cast<uint32_t>(embedding_.frequencies()));
      w.U32(static_cast<uint32_t>(embedding_.dim()));
      for (uint32_t c : embedding_.columns()) w.U32(c);
    }
    w.U32(static_cast<uint32_t>(net_.size()));
    for (const Layer& l : net_) w.U32(static_cast<uint32_t>(l.w.cols()));
    w.F64(y_mean_);
    w.F64(y_sd_);
    w.U32(summary_.epochs_trained);
    w.U32(summary_.best_epoch);
    w.U8(static_cast<uint8_t>((summary_.stopped_early ? 1 : 0) | (summary_.stopped_by_deadline ? 2 : 0)));
    w.F64(summary_.best_valid_loss);
    for (const Layer& l : net_) {
      for (Eigen::Index i = 0; i < l.w.size(); ++i) w.F32(l.w.data()[i]);
      for (Eigen::Index i = 0; i < l.b.size(); ++i) w.F32(l.b[i]);
    }
    if (!embedding_.empty()) {
      for (const RowMatrixXf* m : {&emb.c, &emb.w, &emb.b}) {
        for (Eigen::Index i = 0; i < m->size(); ++i) w.F32(m->data()[i]);
      }
    }
    return w.TakeSealed();
  }

  static std::unique_ptr<Model> Deserialize(std::string_view bytes) {
    ByteReader r(bytes, kCorrupt);
    const ModelHeader header =
        ReadModelHeader(r, std::string_view(kMagic, sizeof kMagic), kVersion, "an mlp model", kOldestVersion);
    if (header.version >= 3) r.Unseal();
    const Task task = header.task;
    const uint32_t num_classes = header.num_classes;
    const uint64_t num_features = r.U64("num_features");
    if (num_features < 1 || num_features > r.remaining() / 4)
      r.Fail("bad feature count " + std::to_string(num_features));
    const uint32_t num_embedded = header.version >= 2 ? r.U32("embedded columns") : 0;
    if (num_embedded > num_features || num_embedded > kMaxEmbeddedColumns) {
      r.Fail("bad embedded column count " + std::to_string(num_embedded));
    }
    uint32_t frequencies = 0, dim = 0;
    std::vector<uint32_t> embedded(num_embedded);
    if (num_embedded > 0) {
      frequencies = r.U32("embedding frequencies");
      dim = r.U32("embedding dim");
      if (frequencies < 1 || frequencies > kMaxEmbeddingSize || dim < 1 || dim > kMaxEmbeddingSize) {
        r.Fail("bad embedding size " + std::to_string(frequencies) + " x " + std::to_string(dim));
      }
      for (uint32_t e = 0; e < num_embedded; ++e) {
        embedded[e] = r.U32("embedded column");
        if (embedded[e] >= num_features || (e > 0 && embedded[e] <= embedded[e - 1])) r.Fail("bad embedded column");
      }
    }
    const uint64_t first_inputs = num_features - num_embedded + static_cast<uint64_t>(num_embedded) * dim;
    const uint64_t embedding_floats =
        static_cast<uint64_t>(num_embedded) * (frequencies + 2ull * frequencies * dim + dim);
    const uint32_t num_layers = r.U32("num_layers");
    const uint32_t expected_out = task == Task::kMulticlass ? num_classes : 1;
    if (num_layers < 1 || num_layers > kMaxLayers) r.Fail("bad layer count " + std::to_string(num_layers));
    std::vector<uint32_t> widths(num_layers);
    for (uint32_t& width : widths) {
      width = r.U32("layer width");
      if (width < 1 || width > kMaxWidth) r.Fail("bad layer width " + std::to_string(width));
    }
    if (widths.back() != expected_out)
      r.Fail("output width " + std::to_string(widths.back()) + " does not match the task");
    const double y_mean = r.F64("target mean");
    const double y_sd = r.F64("target sd");
    if (!std::isfinite(y_mean) || !std::isfinite(y_sd) || !(y_sd > 0)) r.Fail("bad target scaling");
    FitSummary summary;
    summary.epochs_trained = r.U32("epochs_trained");
    summary.best_epoch = r.U32("best_epoch");
    const uint8_t flags = r.U8("flags");
    summary.best_valid_loss = r.F64("best validation loss");
    if (flags > 3 || summary.best_epoch > summary.epochs_trained) r.Fail("bad header");
    summary.stopped_early = (flags & 1) != 0;
    summary.stopped_by_deadline = (flags & 2) != 0;
    // Exact size check before allocating: garbage counts must not trigger huge allocations.
    const uint64_t available = r.remaining() / 4;
    if (embedding_floats > available) r.Fail("embedding weights are truncated");
    uint64_t floats = embedding_floats;
    uint64_t in = first_inputs;
    for (uint32_t width : widths) {
      // Division first: garbage counts must not overflow the product.
      if (in > available / width) r.Fail("weights are truncated");
      floats += in * width + width;
      if (floats > available) r.Fail("weights are truncated");
      in = width;
    }
    if (r.remaining() != floats * 4)
      r.Fail(std::to_string(r.remaining()) + " weight bytes, expected " + std::to_string(floats * 4));
    Net net(num_layers);
    in = first_inputs;
    for (uint32_t l = 0; l < num_layers; ++l) {
      net[l].w.resize(static_cast<Eigen::Index>(in), widths[l]);
      net[l].b.resize(widths[l]);
      for (Eigen::Index i = 0; i < net[l].w.size(); ++i) net[l].w.data()[i] = r.F32("weights");
      for (Eigen::Index i = 0; i < net[l].b.size(); ++i) net[l].b[i] = r.F32("biases");
      in = widths[l];
    }
    PeriodicEmbedding embedding;
    if (num_embedded > 0) {
      EmbeddingParams p;
      p.c.resize(num_embedded, frequencies);
      p.w.resize(static_cast<Eigen::Index>(num_embedded) * 2 * frequencies, dim);
      p.b.resize(num_embedded, dim);
      for (RowMatrixXf* m : {&p.c, &p.w, &p.b}) {
        for (Eigen::Index i = 0; i < m->size(); ++i) m->data()[i] = r.F32("embedding weights");
      }
      if (!p.AllFinite()) r.Fail("non-finite embedding weight");
      embedding = PeriodicEmbedding(static_cast<size_t>(num_features), std::move(embedded),
                                    static_cast<int>(frequencies), static_cast<int>(dim), std::move(p));
    }
    if (!AllFinite(net)) r.Fail("non-finite weight");
    return std::make_unique<MlpModel>(task, static_cast<int>(num_classes), static_cast<size_t>(num_features),
                                      std::move(embedding), std::move(net), y_mean, y_sd, summary);
  }

  Json Info() const override {
    Json info = Json::object();
    std::vector<int> hidden;
    size_t parameters = 0;
    for (size_t l = 0; l < net_.size(); ++l) {
      if (l + 1 < net_.size()) hidden.push_back(static_cast<int>(net_[l].w.cols()));
      parameters += static_cast<size_t>(net_[l].w.size() + net_[l].b.size());
    }
    info["hidden"] = JoinWidths(hidden);
    info["num_features"] = num_features_;
    info["embedded_columns"] = embedding_.columns().size();
    if (!embedding_.empty()) parameters += embedding_.params().size();
    info["parameters"] = parameters;
    info["epochs_trained"] = summary_.epochs_trained;
    info["stopped_early"] = summary_.stopped_early;
    info["stopped_by_deadline"] = summary_.stopped_by_deadline;
    if (summary_.best_epoch > 0) {
      info["best_epoch"] = summary_.best_epoch;
      info["best_valid_loss"] = summary_.best_valid_loss;
    }
    return info;
  }

 private:
  // A block's inputs and activations (rows x width, row-major), reused
  // from block to block and, through PredictWith, from call to call:
  // same-sized blocks allocate nothing.
  struct Buffers final : PredictScratch {
    std::vector<float> in, trig, embedded, z;
    std::vector<std::vector<float>> acts;
  };

  void CheckColumns(const Matrix& x) const {
    if (x.cols != num_features_) {
      throw InvalidInput("mlp model expects " + std::to_string(num_features_) + " feature columns, got " +
                         std::to_string(x.cols));
    }
  }

  // Blocks [b0, b1) of kBlockRows rows of `x` into `out`, by the dense
  // kernels (dense_kernel.h): a row's outputs do not depend on its block.
  void PredictBlocks(const Matrix& x, size_t b0, size_t b1, float* out, Buffers& buffers) const {
    const auto outputs = static_cast<size_t>(num_outputs());
    const size_t width = x.cols;
    buffers.acts.resize(packed_.size() - 1);
    for (size_t blk = b0; blk < b1; ++blk) {
      const size_t begin = blk * kBlockRows;
      const size_t rows = std::min(x.rows, begin + kBlockRows) - begin;
      buffers.in.resize(rows * width);
      const float* src = x.row(begin);
      for (size_t i = 0; i < rows * width; ++i) buffers.in[i] = Finite(src[i]);
      const float* a = buffers.in.data();
      size_t a_width = width;
      if (!embedding_.empty()) {
        a_width = embedding_.output_width();
        buffers.trig.resize(rows * embedding_.columns().size() * 2 * static_cast<size_t>(embedding_.frequencies()));
        buffers.embedded.resize(rows * a_width);
        embedding_.Infer(a, width, rows, packed_embedding_, buffers.trig.data(), buffers.embedded.data());
        a = buffers.embedded.data();
      }
      for (size_t l = 0; l + 1 < packed_.size(); ++l) {
        const PackedDense& layer = packed_[l];
        std::vector<float>& h = buffers.acts[l];
        h.resize(rows * layer.out);
        DenseForward(layer, a, a_width, rows, /*relu=*/true, h.data(), layer.out);
        a = h.data();
        a_width = layer.out;
      }
      buffers.z.resize(rows * outputs);
      DenseForward(packed_.back(), a, a_width, rows, /*relu=*/false, buffers.z.data(), outputs);
      for (size_t r = 0; r < rows; ++r) WriteOutputs(buffers.z.data() + r * outputs, out + (begin + r) * outputs);
    }
  }

  // Output-layer values of one row -> probabilities or the de-standardized value.
  void WriteOutputs(const float* z, float* o) const {
    if (task_ == Task::kRegression) {
      o[0] = static_cast<float>(z[0] * y_sd_ + y_mean_);
    } else if (task_ == Task::kBinary) {
      const double p = Sigmoid(z[0]);
      o[0] = static_cast<float>(1.0 - p);
      o[1] = static_cast<float>(p);
    } else {
      const int k = num_classes_;
      const double zmax = *std::max_element(z, z + k);
      double sum = 0;
      for (int c = 0; c < k; ++c) sum += std::exp(z[c] - zmax);
      for (int c = 0; c < k; ++c) o[c] = static_cast<float>(std::exp(z[c] - zmax) / sum);
    }
  }

  Task task_;
  int num_classes_;
  size_t num_features_;
  PeriodicEmbedding embedding_;  // empty: the net reads the features as they are
  Net net_;
  double y_mean_;  // regression target standardization (0 and 1 for classification)
  double y_sd_;
  FitSummary summary_;
  // Inference copies of the weights (dense_kernel.h), made once.
  std::vector<PackedDense> packed_embedding_;  // one per embedded column
  std::vector<PackedDense> packed_;            // one per layer
  std::vector<uint32_t> first_input_feature_;  // per input of the first layer, its feature
  std::vector<float> sum_bias_;                // the first layer's bias
};

// Sample weights scaled to mean 1 (all ones when absent).
std::vector<float> MeanOneWeights(const TrainData& data, size_t n) {
  std::vector<float> s(n, 1.0f);
  if (data.weights == nullptr || data.weights->empty() || n == 0) return s;
  double total = 0;
  for (float w : *data.weights) total += w;
  const double scale = static_cast<double>(n) / total;
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<float>((*data.weights)[i] * scale);
  return s;
}

struct TrainConfig {
  std::vector<int> hidden;
  float dropout = 0;
  float weight_decay = 0;
  float learning_rate = 0;
  size_t batch_size = 0;
  int epochs = 0;
  int patience = 0;
  bool periodic = false;  // periodic embeddings of the continuous columns
  int frequencies = 0;
  int embedding_dim = 0;
  float sigma = 0;
};

// What a training run returns.
struct Trained {
  PeriodicEmbedding embedding;
  Net net;
  FitSummary summary;
};

// One training run: owns the network, Adam state and per-chunk scratch.
// Not thread-safe as a whole; Step() spreads chunks over threads internally.
class Trainer {
 public:
  Trainer(const TrainConfig& config, const FitOptions& options, const TrainData& train, size_t n)
      : config_(config),
        options_(options),
        train_(train),
        n_(n),
        outputs_(options.task == Task::kMulticlass ? options.num_classes : 1),
        rng_(options.seed),
        weights_(MeanOneWeights(train, n)) {
    targets_.resize(n);
    if (options.task == Task::kRegression) {
      double sum = 0;
      for (size_t i = 0; i < n; ++i) sum += (*train.y)[i];
      y_mean_ = sum / static_cast<double>(n);
      double ss = 0;
      for (size_t i = 0; i < n; ++i) ss += ((*train.y)[i] - y_mean_) * ((*train.y)[i] - y_mean_);
      const double sd = std::sqrt(ss / static_cast<double>(n));
      y_sd_ = sd > 1e-12 * std::max(1.0, std::abs(y_mean_)) ? sd : 1.0;
      for (size_t i = 0; i < n; ++i) targets_[i] = static_cast<float>(((*train.y)[i] - y_mean_) / y_sd_);
    } else {
      targets_ = *train.y;
    }
    InitNet();
  }

  double y_mean() const { return y_mean_; }
  double y_sd() const { return y_sd_; }

  // Trains and returns the chosen weights and what happened.
  Trained Run(const TrainData* valid) {
    FitSummary summary;
    Net best = net_;  // with validation: best scored weights; without: last finite epoch
    EmbeddingParams best_embedding = embedding_.params();
    bool have_best = false;
    std::vector<uint32_t> order(n_);
    std::iota(order.begin(), order.end(), 0u);
    const size_t batch = std::min(config_.batch_size, n_);
    const size_t max_chunks = (batch + kChunkRows - 1) / kChunkRows;
    chunks_.resize(max_chunks);
    int bad_epochs = 0;
    for (int epoch = 0; epoch < config_.epochs; ++epoch) {
      std::shuffle(order.begin(), order.end(), rng_);
      for (size_t start = 0; start < n_; start += batch) {
        if (options_.deadline.Expired()) {
          summary.stopped_by_deadline = true;
          break;
        }
        Step(order, start, std::min(n_, start + batch));
      }
      if (summary.stopped_by_deadline) break;
      if (!WeightsFinite()) {
        // Diverged (learning rate too high for this data): fall back to the last good weights.
        net_ = best;
        embedding_.mutable_params() = best_embedding;
        break;
      }
      ++summary.epochs_trained;
      if (valid == nullptr) {
        best = net_;
        best_embedding = embedding_.params();
        have_best = true;
        continue;
      }
      const double loss = EarlyStoppingLoss(*valid);
      if (!have_best || loss < summary.best_valid_loss) {
        summary.best_valid_loss = loss;
        summary.best_epoch = summary.epochs_trained;
        best = net_;
        best_embedding = embedding_.params();
        have_best = true;
        bad_epochs = 0;
      } else if (++bad_epochs >= config_.patience) {
        summary.stopped_early = true;
        break;
      }
    }
    // With validation keep the best scored epoch. Otherwise keep the current
    // weights (a deadline may have cut the last epoch short: those weights have
    // still seen more data), unless they are not finite.
    if ((valid != nullptr && have_best) || !WeightsFinite()) {
      net_ = std::move(best);
      embedding_.mutable_params() = std::move(best_embedding);
    }
    return {std::move(embedding_), std::move(net_), summary};
  }

 private:
  struct Chunk {
    RowMatrixXf x;
    RowMatrixXf trig;      // the embedding's sines and cosines
    RowMatrixXf embedded;  // the embedding's output: the first layer's input
    std::vector<RowMatrixXf> acts;
    RowMatrixXf z;
    RowMatrixXf da;
    Net grad;
    EmbeddingParams embedding_grad;
  };

  bool WeightsFinite() const { return AllFinite(net_) && embedding_.params().AllFinite(); }

  void InitNet() {
    const size_t d = train_.x->cols;
    if (config_.periodic) {
      std::vector<uint32_t> columns = ContinuousColumns(*train_.x);
      if (!columns.empty() && columns.size() <= kMaxEmbeddedColumns) {
        embedding_ =
            PeriodicEmbedding(d, std::move(columns), config_.frequencies, config_.embedding_dim, config_.sigma, rng_);
      }
    }
    std::vector<int> widths = config_.hidden;
    widths.push_back(outputs_);
    net_.resize(widths.size());
    size_t in = embedding_.empty() ? d : embedding_.output_width();
    for (size_t l = 0; l < widths.size(); ++l) {
      const auto out = static_cast<Eigen::Index>(widths[l]);
      Layer& layer = net_[l];
      layer.w.resize(static_cast<Eigen::Index>(in), out);
      layer.b = Eigen::RowVectorXf::Zero(out);
      if (l + 1 < widths.size()) {
        // He initialization keeps the activation scale through ReLU layers.
        std::normal_distribution<float> dist(0.0f, std::sqrt(2.0f / static_cast<float>(in)));
        for (Eigen::Index i = 0; i < layer.w.size(); ++i) layer.w.data()[i] = dist(rng_);
      } else {
        const float limit = std::sqrt(6.0f / static_cast<float>(in + static_cast<size_t>(out)));
        std::uniform_real_distribution<float> dist(-limit, limit);
        for (Eigen::Index i = 0; i < layer.w.size(); ++i) layer.w.data()[i] = dist(rng_);
      }
      in = static_cast<size_t>(out);
    }
    // Output biases at the weighted class log-frequencies: the network starts
    // at the prior, which is also what it predicts if the deadline allows no step.
    if (IsClassification(options_.task)) {
      std::vector<double> freq(static_cast<size_t>(options_.num_classes), 0.0);
      for (size_t i = 0; i < n_; ++i) freq[static_cast<size_t>(targets_[i])] += weights_[i];
      constexpr double kFloor = 1e-6;
      Eigen::RowVectorXf& b = net_.back().b;
      if (options_.task == Task::kBinary) {
        const double p = std::clamp(freq[1] / static_cast<double>(n_), kFloor, 1 - kFloor);
        b[0] = static_cast<float>(std::log(p / (1 - p)));
      } else {
        for (int c = 0; c < options_.num_classes; ++c) {
          b[c] = static_cast<float>(std::log(std::max(freq[static_cast<size_t>(c)] / static_cast<double>(n_), kFloor)));
        }
      }
    }
    adam_m_ = ZerosLike(net_);
    adam_v_ = ZerosLike(net_);
    embedding_m_ = embedding_.params().ZerosLike();
    embedding_v_ = embedding_.params().ZerosLike();
  }

  static Net ZerosLike(const Net& net) {
    Net z(net.size());
    for (size_t l = 0; l < net.size(); ++l) {
      z[l].w = RowMatrixXf::Zero(net[l].w.rows(), net[l].w.cols());
      z[l].b = Eigen::RowVectorXf::Zero(net[l].b.size());
    }
    return z;
  }

  // One Adam step on the mini-batch order[begin, end).
  void Step(const std::vector<uint32_t>& order, size_t begin, size_t end) {
    const size_t rows = end - begin;
    const size_t num_chunks = (rows + kChunkRows - 1) / kChunkRows;
    const uint64_t batch_seed = rng_();
    const float inv_rows = 1.0f / static_cast<float>(rows);
    ParallelFor(num_chunks, std::max(1, options_.threads), [&](size_t c0, size_t c1, int) {
      for (size_t c = c0; c < c1; ++c) {
        const size_t cb = begin + c * kChunkRows;
        const size_t ce = std::min(end, cb + kChunkRows);
        ChunkGradient(chunks_[c], order, cb, ce, batch_seed + c, inv_rows);
      }
    });
    // Sum chunk gradients in chunk order (deterministic), add the L2 term.
    Net& g = chunks_[0].grad;
    EmbeddingParams& ge = chunks_[0].embedding_grad;
    for (size_t c = 1; c < num_chunks; ++c) {
      for (size_t l = 0; l < g.size(); ++l) {
        g[l].w += chunks_[c].grad[l].w;
        g[l].b += chunks_[c].grad[l].b;
      }
      if (!embedding_.empty()) {
        ge.c += chunks_[c].embedding_grad.c;
        ge.w += chunks_[c].embedding_grad.w;
        ge.b += chunks_[c].embedding_grad.b;
      }
    }
    ++step_;
    const double t = static_cast<double>(step_);
    const float lr_t =
        static_cast<float>(config_.learning_rate * std::sqrt(1 - std::pow(kBeta2, t)) / (1 - std::pow(kBeta1, t)));
    for (size_t l = 0; l < net_.size(); ++l) {
      if (config_.weight_decay > 0) g[l].w += config_.weight_decay * net_[l].w;
      AdamUpdate(net_[l].w.array(), g[l].w.array(), adam_m_[l].w.array(), adam_v_[l].w.array(), lr_t);
      AdamUpdate(net_[l].b.array(), g[l].b.array(), adam_m_[l].b.array(), adam_v_[l].b.array(), lr_t);
    }
    if (!embedding_.empty()) {
      EmbeddingParams& p = embedding_.mutable_params();
      if (config_.weight_decay > 0) ge.w += config_.weight_decay * p.w;
      AdamUpdate(p.c.array(), ge.c.array(), embedding_m_.c.array(), embedding_v_.c.array(), lr_t);
      AdamUpdate(p.w.array(), ge.w.array(), embedding_m_.w.array(), embedding_v_.w.array(), lr_t);
      AdamUpdate(p.b.array(), ge.b.array(), embedding_m_.b.array(), embedding_v_.b.array(), lr_t);
    }
  }

  template <typename P, typename G>
  static void AdamUpdate(P p, const G& g, P m, P v, float lr_t) {
    m = kBeta1 * m + (1 - kBeta1) * g;
    v = kBeta2 * v + (1 - kBeta2) * g.square();
    p -= lr_t * m / (v.sqrt() + kAdamEps);
  }

  // Gradient of sum_i s_i * loss_i / rows over rows order[begin, end) into chunk.grad.
  void ChunkGradient(Chunk& chunk, const std::vector<uint32_t>& order, size_t begin, size_t end, uint64_t seed,
                     float inv_rows) const {
    const auto rows = static_cast<Eigen::Index>(end - begin);
    const size_t d = train_.x->cols;
    chunk.x.resize(rows, static_cast<Eigen::Index>(d));
    for (Eigen::Index r = 0; r < rows; ++r) {
      const float* src = train_.x->row(order[begin + static_cast<size_t>(r)]);
      float* dst = chunk.x.data() + r * static_cast<Eigen::Index>(d);
      for (size_t j = 0; j < d; ++j) dst[j] = Finite(src[j]);
    }
    std::mt19937_64 rng(seed);
    const float dropout = config_.dropout;
    const RowMatrixXf* first = &chunk.x;  // the first layer's input
    if (!embedding_.empty()) {
      embedding_.Forward(chunk.x, chunk.trig, chunk.embedded);
      first = &chunk.embedded;
    }
    Forward(net_, *first, dropout, &rng, chunk.acts, chunk.z);
    // d loss / d output values, in place.
    for (Eigen::Index r = 0; r < rows; ++r) {
      const size_t i = order[begin + static_cast<size_t>(r)];
      const float s = weights_[i] * inv_rows;
      float* z = chunk.z.data() + r * outputs_;
      if (options_.task == Task::kRegression) {
        z[0] = s * (z[0] - targets_[i]);
      } else if (options_.task == Task::kBinary) {
        z[0] = s * (static_cast<float>(Sigmoid(z[0])) - targets_[i]);
      } else {
        const float zmax = *std::max_element(z, z + outputs_);
        float sum = 0;
        for (int k = 0; k < outputs_; ++k) sum += (z[k] = std::exp(z[k] - zmax));
        const float scale = s / sum;
        for (int k = 0; k < outputs_; ++k) z[k] *= scale;
        z[static_cast<size_t>(targets_[i])] -= s;
      }
    }
    Net& g = chunk.grad;
    g.resize(net_.size());
    const float keep_scale = dropout > 0 ? 1.0f / (1.0f - dropout) : 1.0f;
    RowMatrixXf* dz = &chunk.z;
    RowMatrixXf* da = &chunk.da;
    for (size_t l = net_.size(); l-- > 0;) {
      const RowMatrixXf& input = l == 0 ? *first : chunk.acts[l - 1];
      g[l].w.noalias() = input.transpose() * *dz;
      g[l].b = dz->colwise().sum();
      if (l == 0) {
        if (!embedding_.empty()) {
          da->noalias() = *dz * net_[0].w.transpose();
          chunk.embedding_grad = embedding_.params().ZerosLike();
          embedding_.Backward(chunk.x, chunk.trig, chunk.embedded, *da, chunk.embedding_grad);
        }
        break;
      }
      da->noalias() = *dz * net_[l].w.transpose();
      // a = relu(h) * mask / (1 - p): da/dh is 1/(1-p) where a > 0, else 0.
      da->array() = (input.array() > 0.0f).select(da->array() * keep_scale, 0.0f);
      std::swap(dz, da);
    }
  }

  // Weighted mean loss on `valid` (log loss; squared error on the standardized
  // target for regression), computed in fixed blocks summed in order.
  double EarlyStoppingLoss(const TrainData& valid) const {
    const Matrix& x = *valid.x;
    const std::vector<float> s = MeanOneWeights(valid, x.rows);
    const size_t blocks = (x.rows + kBlockRows - 1) / kBlockRows;
    std::vector<double> partial(blocks, 0.0);
    ParallelFor(blocks, std::max(1, options_.threads), [&](size_t b0, size_t b1, int) {
      RowMatrixXf in, trig, embedded, z;
      std::vector<RowMatrixXf> acts;
      for (size_t blk = b0; blk < b1; ++blk) {
        const size_t begin = blk * kBlockRows;
        const size_t end = std::min(x.rows, begin + kBlockRows);
        GatherBlock(x, begin, end, in);
        if (embedding_.empty()) {
          Forward(net_, in, 0.0f, nullptr, acts, z);
        } else {
          embedding_.Forward(in, trig, embedded);
          Forward(net_, embedded, 0.0f, nullptr, acts, z);
        }
        double loss = 0;
        for (size_t r = 0; r < end - begin; ++r) {
          const size_t i = begin + r;
          const float* zr = z.data() + r * static_cast<size_t>(outputs_);
          const double y = (*valid.y)[i];
          double li = 0;
          if (options_.task == Task::kRegression) {
            const double e = zr[0] - (y - y_mean_) / y_sd_;
            li = e * e;
          } else if (options_.task == Task::kBinary) {
            const double v = zr[0];
            li = std::max(v, 0.0) + std::log1p(std::exp(-std::abs(v))) - y * v;  // softplus(v) - y v
          } else {
            const double zmax = *std::max_element(zr, zr + outputs_);
            double sum = 0;
            for (int k = 0; k < outputs_; ++k) sum += std::exp(zr[k] - zmax);
            li = zmax + std::log(sum) - zr[static_cast<size_t>(y)];
          }
          loss += s[i] * li;
        }
        partial[blk] = loss;
      }
    });
    double total = 0;
    for (double p : partial) total += p;
    return total / static_cast<double>(x.rows);
  }

  const TrainConfig& config_;
  const FitOptions& options_;
  const TrainData& train_;
  size_t n_;
  int outputs_;
  std::mt19937_64 rng_;
  std::vector<float> weights_;  // mean-one sample weights
  std::vector<float> targets_;  // class index, or standardized regression target
  double y_mean_ = 0;
  double y_sd_ = 1;
  PeriodicEmbedding embedding_;  // empty unless config_.periodic found continuous columns
  Net net_;
  Net adam_m_;
  Net adam_v_;
  EmbeddingParams embedding_m_;
  EmbeddingParams embedding_v_;
  uint64_t step_ = 0;
  std::vector<Chunk> chunks_;
};

class MlpLearner final : public Learner {
 public:
  explicit MlpLearner(Params params) : params_(std::move(params)) {
    config_.hidden = ParseHidden(params_.String("hidden"));
    config_.dropout = static_cast<float>(params_.Float("dropout"));
    config_.weight_decay = static_cast<float>(params_.Float("weight_decay"));
    config_.learning_rate = static_cast<float>(params_.Float("learning_rate"));
    config_.batch_size = static_cast<size_t>(params_.Int("batch_size"));
    config_.epochs = static_cast<int>(params_.Int("epochs"));
    config_.patience = static_cast<int>(params_.Int("patience"));
    config_.periodic = params_.String("numeric_embedding") == "periodic";
    config_.frequencies = static_cast<int>(params_.Int("embedding_frequencies"));
    config_.embedding_dim = static_cast<int>(params_.Int("embedding_dim"));
    config_.sigma = static_cast<float>(params_.Float("embedding_sigma"));
  }
  const std::string& family() const override { return kFamily; }
  const Params& params() const override { return params_; }
  FeatureFlavor flavor() const override { return FeatureFlavor::kDense; }
  bool early_stops() const override { return true; }

  std::unique_ptr<Model> Fit(const TrainData& train, const TrainData* valid, const FitOptions& options) const override {
    CheckFitData(kFamily, train, valid, options);
    Trainer trainer(config_, options, train, train.x->rows);
    Trained trained = trainer.Run(valid);
    return std::make_unique<MlpModel>(options.task, IsClassification(options.task) ? options.num_classes : 1,
                                      train.x->cols, std::move(trained.embedding), std::move(trained.net),
                                      trainer.y_mean(), trainer.y_sd(), trained.summary);
  }

  std::unique_ptr<Model> Load(std::string_view bytes, const FitOptions& /*options*/) const override {
    return MlpModel::Deserialize(bytes);
  }

  // The refit trains for the mean best epoch of folds that early-stopped on
  // held-out rows; without one (no fold scored an epoch) the configured
  // epochs stay.
  std::optional<Json> RefitParams(const Json& fold_info) const override {
    Json params = params_.values();
    const std::optional<double> epochs = MeanFoldInfo(fold_info, "best_epoch");
    if (epochs && *epochs > 0) params["epochs"] = std::max(1L, std::lround(*epochs));
    return params;
  }

 private:
  Params params_;
  TrainConfig config_;
};

}  // namespace

const std::vector<ParamSpec>& MlpParamSpecs() {
  using K = ParamSpec::Kind;
  // clang-format off
  static const std::vector<ParamSpec> specs = {
      {"hidden", K::kString, "256,128", 0, 0, {}, "hidden layer widths, comma-separated (ReLU units)"},
      {"dropout", K::kFloat, 0.1, 0.0, 0.9, {}, "fraction of hidden units dropped per training row"},
      {"weight_decay", K::kFloat, 1e-5, 0.0, 1.0, {}, "L2 penalty on the weights (not biases), added to the gradient"},
      {"learning_rate", K::kFloat, 1e-3, 1e-6, 1.0, {}, "Adam step size"},
      {"batch_size", K::kInt, 256, 1, 65536, {}, "rows per mini-batch"},
      {"epochs", K::kInt, 50, 1, 100000, {}, "maximum passes over the training rows"},
      {"patience", K::kInt, 5, 1, 100000, {},
       "stop after this many epochs without a better early-stopping loss (when early-stopping rows are given)"},
      {"numeric_embedding", K::kString, "none", 0, 0, {"none", "periodic"},
       "periodic: each column with more than two distinct values (up to 64) enters as ReLU(W [sin, cos](2 pi c x) + b) "
       "with trainable frequencies c"},
      {"embedding_frequencies", K::kInt, 16, 1, kMaxEmbeddingSize, {}, "frequencies per embedded column (K)"},
      {"embedding_dim", K::kInt, 16, 1, kMaxEmbeddingSize, {}, "outputs per embedded column (D)"},
      {"embedding_sigma", K::kFloat, 3.0, 1e-4, 1e4, {},
       "standard deviation of the initial frequencies (inputs are standardized)"},
  };
  // clang-format on
  return specs;
}

std::unique_ptr<Learner> CreateMlpLearner(const Json& params) {
  return std::make_unique<MlpLearner>(Params::Validate(MlpParamSpecs(), params, kFamily));
}

SearchDraw SampleMlpConfig(std::mt19937_64& rng) {
  // Shapes and their cost relative to NeuralNet_1 (128,64): the weight
  // count for ~100 inputs (512,256: 100*512 + 512*256 = 182k against 21k).
  // The time estimate scales the family's measured cost by it, so a large
  // net is not started where only a small one fits.
  struct Shape {
    const char* hidden;
    double cost;
  };
  static constexpr Shape kShapes[] = {{"128,64", 1.0}, {"256,128", 2.8}, {"512,256", 8.7}, {"256", 1.2}};
  const Shape& shape = kShapes[static_cast<size_t>(UniformDraw(rng) * 4) % 4];
  SearchDraw d;
  d.name = "NeuralNet_R";
  d.params = Json{{"hidden", shape.hidden},
                  {"dropout", 0.3 * UniformDraw(rng)},
                  {"learning_rate", LogUniformDraw(rng, 3e-4, 3e-3)},
                  {"weight_decay", LogUniformDraw(rng, 1e-6, 1e-3)},
                  {"numeric_embedding", "periodic"},
                  {"embedding_sigma", LogUniformDraw(rng, 0.05, 10.0)}};
  d.features.encoding = Encoding::kDense;
  d.relative_cost = 2.5 * shape.cost;
  return d;
}

void RegisterMlpLearner(LearnerRegistry& registry) {
  LearnerRegistry::Entry entry{kFamily,
                               "multilayer perceptron (ReLU, dropout, Adam, early stopping on the held-out fold)",
                               MlpParamSpecs(), [](const Json& params) { return CreateMlpLearner(params); },
                               /*repeat_bags=*/true};
  entry.sample = SampleMlpConfig;
  entry.search_share = 0.25;  // sometimes a network, for the ensemble's diversity
  registry.Register(std::move(entry));
}

}  // namespace tabpilot
