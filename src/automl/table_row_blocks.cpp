#include "automl/table_row_blocks.h"

#include <string>

#include "core/error.h"

namespace tabpilot {

TableRowBlocks::TableRowBlocks(const Table& table, const FeaturePipeline& pipeline, const std::vector<size_t>* rows,
                               int threads)
    : table_(table), pipeline_(pipeline), rows_(rows), threads_(threads) {}

void TableRowBlocks::Read(size_t begin, size_t count, std::vector<float>* out) const {
  if (begin > rows() || count > rows() - begin) {
    throw Internal("rows " + std::to_string(begin) + "+" + std::to_string(count) + " of a " + std::to_string(rows()) +
                   "-row table");
  }
  std::vector<size_t> index(count);
  for (size_t i = 0; i < count; ++i) index[i] = rows_ != nullptr ? (*rows_)[begin + i] : begin + i;
  Matrix block = pipeline_.Transform(table_.SelectRows(index), threads_);
  *out = std::move(block.values);
}

}  // namespace tabpilot
