// A table's rows encoded by a feature pipeline a block at a time
// (learners/learner.h RowBlocks): what a booster refit on every row of a
// large table reads, so that the encoded rows never exist whole beside the
// table (on 1,000,000 Adult rows the one-hot encoding alone is 432 MB of
// floats; the quantized matrix XGBoost keeps of it, 108 MB).
#pragma once

#include <cstddef>
#include <vector>

#include "data/table.h"
#include "features/feature_pipeline.h"
#include "learners/learner.h"

namespace tabpilot {

class TableRowBlocks final : public RowBlocks {
 public:
  // The rows `rows` of `table` (ascending or not; null: every row), encoded
  // by `pipeline` with `threads` threads. Nothing is copied: `table`,
  // `pipeline` and `rows` must outlive the blocks.
  TableRowBlocks(const Table& table, const FeaturePipeline& pipeline, const std::vector<size_t>* rows, int threads);

  size_t rows() const override { return rows_ != nullptr ? rows_->size() : table_.num_rows(); }
  size_t cols() const override { return pipeline_.feature_names().size(); }
  void Read(size_t begin, size_t count, std::vector<float>* out) const override;

 private:
  const Table& table_;
  const FeaturePipeline& pipeline_;
  const std::vector<size_t>* rows_;
  int threads_;
};

}  // namespace tabpilot
