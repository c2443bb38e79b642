// Column screening before fitting: drops columns that cannot help a model
// (entirely missing, constant, or identifiers) and says why, so the CLI can
// print e.g. "note: dropped column 'PassengerId': looks like an ID (891
// distinct values in 891 rows)".
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "data/table.h"

namespace tabpilot {

struct ScreenOptions {
  // Columns neither kept nor dropped, e.g. the target and a weight column.
  std::vector<std::string> ignore;
  // A categorical/text column is ID-like when its distinct values reach this
  // fraction of the rows...
  double id_distinct_fraction = 0.95;
  // ...and the table has more rows than this (small tables are often all-distinct).
  size_t id_min_rows = 50;
};

struct ScreenResult {
  std::vector<std::string> kept;                             // in table order
  std::vector<std::pair<std::string, std::string>> dropped;  // name, reason
};

// Screens every column of `train` except options.ignore. A column is dropped if
//   - every value is missing ("all values are missing"),
//   - it has at most one distinct non-missing value ("constant: every value is 'x'"),
//   - it is categorical/text with distinct values >= id_distinct_fraction of
//     the rows and rows > id_min_rows, or it is numeric with a name containing
//     "id" (any case) and integer values that are all distinct and form a
//     consecutive run such as 1..n ("looks like an ID (891 distinct values in
//     891 rows)").
ScreenResult ScreenColumns(const Table& train, const ScreenOptions& options);

}  // namespace tabpilot
