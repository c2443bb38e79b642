#include "automl/feature_cache.h"

#include "automl/portfolio.h"

namespace tabpilot {

FeatureCache::FeatureCache(const Table& table, std::vector<std::string> columns, int threads)
    : table_(table), columns_(std::move(columns)), threads_(threads) {}

FeaturePipeline& FeatureCache::Fitted(const std::string& pid, const FeatureOptions& options) {
  auto it = fitted_.find(pid);
  if (it == fitted_.end()) it = fitted_.emplace(pid, FeaturePipeline::Fit(table_, columns_, options)).first;
  return it->second;
}

std::shared_ptr<const Matrix> FeatureCache::SharedMatrix(const FeaturePipeline& pipeline) const {
  const Json transforms = pipeline.ToJson().at("transforms");
  for (const auto& [other_id, other] : encoded_) {
    if (other.pipeline.ToJson().at("transforms") == transforms) return other.matrix;
  }
  return nullptr;
}

const EncodedFeatures& FeatureCache::Encode(const FeatureOptions& options) {
  const std::string pid = PipelineId(options);
  auto enc = encoded_.find(pid);
  if (enc == encoded_.end()) {
    FeaturePipeline pipeline = std::move(Fitted(pid, options));
    fitted_.erase(pid);
    std::shared_ptr<const Matrix> x = SharedMatrix(pipeline);
    if (x == nullptr) x = std::make_shared<const Matrix>(pipeline.Transform(table_, threads_));
    enc = encoded_.emplace(pid, EncodedFeatures{std::move(pipeline), std::move(x)}).first;
  }
  return enc->second;
}

double FeatureCache::PendingBytes(const FeatureOptions& options) {
  const std::string pid = PipelineId(options);
  if (encoded_.count(pid) != 0) return 0;
  const FeaturePipeline& pipeline = Fitted(pid, options);
  if (SharedMatrix(pipeline) != nullptr) return 0;
  return static_cast<double>(table_.num_rows()) * static_cast<double>(pipeline.feature_names().size()) * sizeof(float);
}

}  // namespace tabpilot
