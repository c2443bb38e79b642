#include "automl/background_sample.h"

#include <algorithm>
#include <numeric>
#include <random>
#include <vector>

#include "data/csv_writer.h"

namespace tabpilot {

std::string BackgroundCsv(const Table& features, const Schema& schema, size_t rows, uint64_t seed) {
  std::vector<size_t> picked(features.num_rows());
  std::iota(picked.begin(), picked.end(), size_t{0});
  if (picked.size() > rows) {
    std::mt19937_64 rng(seed ^ 0x6261636b67726f75ULL);
    std::shuffle(picked.begin(), picked.end(), rng);
    picked.resize(rows);
    std::sort(picked.begin(), picked.end());
  }
  std::vector<const Column*> columns;
  std::string out;
  for (const ColumnSpec& spec : schema.columns) {
    columns.push_back(&features.Get(spec.name));
    if (columns.size() > 1) out += ',';
    AppendCsvField(out, spec.name);
  }
  out += '\n';
  for (size_t r : picked) {
    for (size_t c = 0; c < columns.size(); ++c) {
      if (c > 0) out += ',';
      if (!columns[c]->IsMissing(r)) AppendCsvField(out, columns[c]->CellString(r));
    }
    out += '\n';
  }
  return out;
}

}  // namespace tabpilot
