// Rows that repeat another row's features exactly: a hint that rows are not
// independent. When a repeat is one record seen twice (a customer's rows, a
// table appended to itself), validation that splits the copies rewards
// memorizing them; when it is a value the world repeats (a colour, a network
// connection), the test data holds it too and nothing is wrong. Only the user
// knows which, so the trainer says how many rows repeat and names
// --group-column (row groups, folds.h) without changing anything.
#pragma once

#include <string>
#include <vector>

#include "data/table.h"

namespace tabpilot {

// From this share of repeated rows the trainer warns.
inline constexpr double kDuplicateWarnShare = 0.05;

// The share of rows of `table` whose values in `columns` (names of its
// columns) equal those of another row: rows hashed to 64 bits (NaN and
// missing values equal each other), the hashes sorted. 0 for an empty table.
double DuplicateRowShare(const Table& table, const std::vector<std::string>& columns);

// The one-line warning for `share` (of rows that repeat another row).
std::string DuplicateRowsWarning(double share);

}  // namespace tabpilot
