// The predictions CSV (design guide, "Formats"): a header, then per row
// `predicted_label`, one `proba_<label>` per class (classification) and, with
// --join, the input row's cells verbatim. One formatter for the whole-file and
// the streaming batch transform, so both write the same bytes.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "data/csv_reader.h"
#include "data/matrix.h"
#include "model/bundle.h"

namespace tabpilot {

// Immutable; const members are safe to call concurrently.
class PredictionFormat {
 public:
  // `join_names`: the input's column names to append (empty: no --join).
  PredictionFormat(const ProblemInfo& problem, std::vector<std::string> join_names);

  // The header line, ending in "\n".
  std::string Header() const;

  // Rows [begin, end) of one batch, each line ending in "\n": `labels` and
  // `predictions` (rows x classes) from the Predictor, `raw` the batch's input
  // cells (read only when joining; may be null otherwise). Formatted on
  // `threads` workers; the text does not depend on their number.
  std::string Rows(const std::vector<std::string>& labels, const Matrix& predictions, const RawTable* raw, size_t begin,
                   size_t end, int threads) const;

 private:
  void AppendRow(std::string& out, const std::vector<std::string>& labels, const Matrix& predictions,
                 const RawTable* raw, size_t row) const;

  bool probabilities_;
  std::vector<std::string> header_;
  size_t join_columns_;
};

}  // namespace tabpilot
