// The training table encoded once per feature configuration: candidates that
// ask for the same FeatureOptions share one fitted FeaturePipeline and matrix.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "data/matrix.h"
#include "data/table.h"
#include "features/feature_pipeline.h"

namespace tabpilot {

struct EncodedFeatures {
  FeaturePipeline pipeline;
  // Shared between pipelines that encode every column alike (options that
  // differ only where no column is affected), so the matrix is built once.
  std::shared_ptr<const Matrix> matrix;
  const Matrix& x() const { return *matrix; }
};

class FeatureCache {
 public:
  // `table` is not copied and must outlive the cache; `columns` are the
  // screened input columns, in order.
  FeatureCache(const Table& table, std::vector<std::string> columns, int threads);

  // The encoding for `options` (keyed by PipelineId), fitted on the first
  // call. Not thread-safe while it may still fit a new encoding; once every
  // encoding a caller needs exists, concurrent calls only read.
  const EncodedFeatures& Encode(const FeatureOptions& options);
  // Bytes Encode(options) would add now: the matrix it would build (a float
  // a cell), 0 when that encoding, or one encoding every column alike,
  // exists. Fits the pipeline (kept for Encode) but transforms nothing, so a
  // caller can plan the matrix against --memory-limit before it exists.
  double PendingBytes(const FeatureOptions& options);
  // The encoding Encode made for pipeline id `pid` (std::out_of_range when
  // it made none: a caller's bug, not bad input).
  const EncodedFeatures& at(const std::string& pid) const { return encoded_.at(pid); }

 private:
  const Table& table_;
  std::vector<std::string> columns_;
  int threads_ = 1;
  std::map<std::string, EncodedFeatures> encoded_;
  std::map<std::string, FeaturePipeline> fitted_;  // fitted by PendingBytes, not yet encoded

  // The pipeline for `pid`, fitted now or taken from fitted_; and the matrix
  // of an encoding that encodes every column alike, or null.
  FeaturePipeline& Fitted(const std::string& pid, const FeatureOptions& options);
  std::shared_ptr<const Matrix> SharedMatrix(const FeaturePipeline& pipeline) const;
};

}  // namespace tabpilot
