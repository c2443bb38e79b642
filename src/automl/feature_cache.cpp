#include "automl/feature_cache.h"

#include "automl/portfolio.h"

namespace tabpilot {

FeatureCache::FeatureCache(const Table& table, std::vector<std::string> columns, int threads)
    : table_(table), columns_(std::move(columns)), threads_(threads) {}

const EncodedFeatures& FeatureCache::Encode(const FeatureOptions& options) {
  const std::string pid = PipelineId(options);
  auto enc = encoded_.find(pid);
  if (enc == encoded_.end()) {
    FeaturePipeline pipeline = FeaturePipeline::Fit(table_, columns_, options);
    const Json transforms = pipeline.ToJson().at("transforms");
    std::shared_ptr<const Matrix> x;
    for (const auto& [other_id, other] : encoded_) {
      if (other.pipeline.ToJson().at("transforms") == transforms) x = other.matrix;
    }
    if (x == nullptr) x = std::make_shared<const Matrix>(pipeline.Transform(table_, threads_));
    enc = encoded_.emplace(pid, EncodedFeatures{std::move(pipeline), std::move(x)}).first;
  }
  return enc->second;
}

}  // namespace tabpilot
