#include "compiled/oblivious_converter.h"

#include <memory>
#include <utility>
#include <vector>

namespace tabpilot {
namespace {

// The target statistics of an oblivious_boost model as extra features.
class TargetStatisticsFeatures final : public FeatureExtension {
 public:
  explicit TargetStatisticsFeatures(TargetStatistics ctr) : ctr_(std::move(ctr)) {}
  size_t count() const override { return ctr_.num_features(); }
  void Compute(const Matrix& x, size_t begin, size_t end, float* out) const override {
    ctr_.Transform(x, begin, end, out);
  }
  std::vector<uint32_t> Sources(size_t i) const override { return ctr_.FeatureColumns(i); }

 private:
  TargetStatistics ctr_;
};

// The one-hot indicators of an oblivious_boost model as extra features.
class OneHotFeatures final : public FeatureExtension {
 public:
  explicit OneHotFeatures(std::vector<OneHotFeature> one_hot) : one_hot_(std::move(one_hot)) {}
  size_t count() const override { return one_hot_.size(); }
  void Compute(const Matrix& x, size_t begin, size_t end, float* out) const override {
    const size_t n = one_hot_.size();
    for (size_t r = begin; r < end; ++r) {
      const float* row = x.row(r);
      float* o = out + (r - begin) * n;
      for (size_t j = 0; j < n; ++j) o[j] = OneHotValue(one_hot_[j], row[one_hot_[j].column]);
    }
  }
  std::vector<uint32_t> Sources(size_t i) const override { return {one_hot_.at(i).column}; }

 private:
  std::vector<OneHotFeature> one_hot_;
};

}  // namespace

CompiledForest CompileObliviousData(ObliviousModelData model) {
  const int outputs = IsClassification(model.task) ? model.num_classes : 1;
  CompiledForest out(model.input_cols, outputs);
  const size_t nn = model.numeric.size();
  const size_t no = model.one_hot.size();
  uint32_t one_hot_first = 0;
  uint32_t ctr_first = 0;
  if (no > 0) one_hot_first = out.AddExtension(std::make_shared<OneHotFeatures>(std::move(model.one_hot)));
  if (model.ctr.num_features() > 0) {
    ctr_first = out.AddExtension(std::make_shared<TargetStatisticsFeatures>(std::move(model.ctr)));
  }
  out.AddPart(MarginLink(model.task), std::vector<double>(model.base.begin(), model.base.end()), 1.0);
  std::vector<uint32_t> features;
  for (const ObliviousTree& tree : model.trees) {
    features.clear();
    for (uint32_t f : tree.features) {
      if (f < nn) {
        features.push_back(model.numeric[f]);
      } else if (f < nn + no) {
        features.push_back(one_hot_first + static_cast<uint32_t>(f - nn));
      } else {
        features.push_back(ctr_first + static_cast<uint32_t>(f - nn - no));
      }
    }
    out.AddObliviousTree(features, tree.borders, tree.leaves, 0, model.dims, 1.0);
  }
  return out;
}

CompiledForest CompileObliviousModel(std::string_view bytes) {
  return CompileObliviousData(DecodeObliviousModel(bytes));
}

}  // namespace tabpilot
