#include "toy_learner.h"

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "learners/byte_io.h"
#include "learners/train_data_check.h"

namespace tabpilot::testing {
namespace {

// Layout (learners/byte_io.h): model header (magic "TPTOYPRI") | u64 columns
// | outputs f32 values | u64 checksum.
constexpr char kMagic[8] = {'T', 'P', 'T', 'O', 'Y', 'P', 'R', 'I'};
constexpr uint32_t kVersion = 1;

class ToyModel final : public Model {
 public:
  ToyModel(Task task, int num_classes, size_t cols, std::vector<float> values)
      : task_(task), num_classes_(num_classes), cols_(cols), values_(std::move(values)) {}

  int num_outputs() const override { return static_cast<int>(values_.size()); }

  void Predict(const Matrix& x, float* out, int /*threads*/) const override {
    if (x.cols != cols_) throw InvalidInput("toy_prior model expects " + std::to_string(cols_) + " columns");
    for (size_t r = 0; r < x.rows; ++r) {
      for (size_t k = 0; k < values_.size(); ++k) out[r * values_.size() + k] = values_[k];
    }
  }

  std::string Serialize() const override {
    ByteWriter w;
    WriteModelHeader(w, std::string_view(kMagic, sizeof kMagic), kVersion, task_, num_classes_);
    w.U64(cols_);
    w.Floats(values_);
    return w.TakeSealed();
  }

  static std::unique_ptr<Model> Deserialize(std::string_view bytes) {
    ByteReader r(bytes, "corrupt toy_prior model");
    const ModelHeader h = ReadModelHeader(r, std::string_view(kMagic, sizeof kMagic), kVersion, "a toy_prior model");
    r.Unseal();
    const uint64_t cols = r.U64("columns");
    if (cols == 0) r.Fail("no columns");
    const size_t outputs = h.task == Task::kRegression ? 1 : h.num_classes;
    std::vector<float> values = r.Floats(outputs, "values");
    if (r.remaining() != 0) r.Fail("trailing bytes");
    for (float v : values) {
      if (!std::isfinite(v)) r.Fail("non-finite value");
    }
    return std::make_unique<ToyModel>(h.task, static_cast<int>(h.num_classes), cols, std::move(values));
  }

 private:
  Task task_;
  int num_classes_;
  size_t cols_;
  std::vector<float> values_;
};

class ToyLearner final : public Learner {
 public:
  explicit ToyLearner(Params params) : params_(std::move(params)) {}
  const std::string& family() const override { return family_; }
  const Params& params() const override { return params_; }
  FeatureFlavor flavor() const override { return FeatureFlavor::kDense; }

  std::unique_ptr<Model> Fit(const TrainData& train, const TrainData* early_stopping,
                             const FitOptions& options) const override {
    CheckFitData(family_, train, early_stopping, options);
    const bool classification = IsClassification(options.task);
    const size_t outputs = classification ? static_cast<size_t>(options.num_classes) : 1;
    std::vector<double> sums(outputs, 0.0);
    double total = 0;
    for (size_t r = 0; r < train.y->size(); ++r) {
      const double w = train.weights != nullptr && !train.weights->empty() ? (*train.weights)[r] : 1.0;
      total += w;
      if (classification) {
        sums[static_cast<size_t>((*train.y)[r])] += w;
      } else {
        sums[0] += w * (*train.y)[r];
      }
    }
    const double smoothing = params_.Float("smoothing");
    std::vector<float> values(outputs);
    for (size_t k = 0; k < outputs; ++k) {
      values[k] = classification ? static_cast<float>((sums[k] + smoothing) / (total + smoothing * outputs))
                                 : static_cast<float>(sums[0] / total);
    }
    return std::make_unique<ToyModel>(options.task, classification ? options.num_classes : 1, train.x->cols,
                                      std::move(values));
  }

  std::unique_ptr<Model> Load(std::string_view bytes, const FitOptions& /*options*/) const override {
    return ToyModel::Deserialize(bytes);
  }

 private:
  std::string family_ = kToyFamily;
  Params params_;
};

std::vector<ParamSpec> ToyParamSpecs() {
  return {{"smoothing",
           ParamSpec::Kind::kFloat,
           1.0,
           0.0,
           100.0,
           {},
           "pseudo-count added to every class (classification only)"}};
}

}  // namespace

void RegisterToyLearner(LearnerRegistry& registry) {
  LearnerRegistry::Entry entry{
      kToyFamily, "the training rows' class frequencies or mean (a test family)", ToyParamSpecs(),
      [](const Json& params) -> std::unique_ptr<Learner> {
        return std::make_unique<ToyLearner>(Params::Validate(ToyParamSpecs(), params, kToyFamily));
      }};
  // Random search draws the smoothing on a log scale.
  entry.sample = [](std::mt19937_64& rng) {
    SearchDraw d;
    d.name = "ToyPrior_R";
    d.params = Json{{"smoothing", LogUniformDraw(rng, 0.1, 10.0)}};
    d.features.encoding = Encoding::kDense;
    return d;
  };
  entry.search_share = 1.0;
  registry.Register(std::move(entry));
}

}  // namespace tabpilot::testing
