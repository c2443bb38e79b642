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

}  // namespace

CompiledForest CompileObliviousData(ObliviousModelData model) {
  const int outputs = IsClassification(model.task) ? model.num_classes : 1;
  CompiledForest out(model.input_cols, outputs);
  const size_t nn = model.numeric.size();
  uint32_t ctr_first = 0;
  if (model.ctr.num_features() > 0) {
    ctr_first = out.AddExtension(std::make_shared<TargetStatisticsFeatures>(std::move(model.ctr)));
  }
  out.AddPart(MarginLink(model.task), std::vector<double>(model.base.begin(), model.base.end()), 1.0);
  std::vector<uint32_t> features;
  for (const ObliviousTree& tree : model.trees) {
    features.clear();
    for (uint32_t f : tree.features) {
      features.push_back(f < nn ? model.numeric[f] : ctr_first + static_cast<uint32_t>(f - nn));
    }
    out.AddObliviousTree(features, tree.borders, tree.leaves, 0, model.dims, 1.0);
  }
  return out;
}

CompiledForest CompileObliviousModel(std::string_view bytes) {
  return CompileObliviousData(DecodeObliviousModel(bytes));
}

}  // namespace tabpilot
