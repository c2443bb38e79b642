// Conversions applied when a table gives a column in another type than the
// one a transform was fitted on (e.g. a one-row serving request whose type
// inference saw "3" as numeric where training saw a categorical).
//
// Each function returns a shared_ptr to the data to read. When no conversion
// is needed it is a non-owning alias of the input's own storage, so the input
// column must outlive the result; otherwise it owns the converted copy.
// All throw InvalidInput "column 'X': cannot read 'v' as a <type> (row N)".
#pragma once

#include <memory>
#include <vector>

#include "data/column.h"

namespace tabpilot {

// Numbers for a numeric transform: numeric, boolean (0/1) and datetime
// (epoch seconds) pass through; categorical and text values are parsed.
// Non-finite values become NaN (missing).
std::shared_ptr<const std::vector<double>> NumbersForNumeric(const Column& column);

// 0/1/NaN for a boolean transform: booleans pass through; numbers map to
// 1 when non-zero; strings true/false, yes/no, t/f, y/n, 1/0 (any case) are
// parsed. Datetimes are rejected.
std::shared_ptr<const std::vector<double>> NumbersForBoolean(const Column& column);

// Epoch seconds for a datetime transform: datetimes and numbers pass through;
// strings in ISO form YYYY-MM-DD[(T| )HH:MM[:SS[.fff]]][Z] are parsed (UTC).
// Booleans are rejected.
std::shared_ptr<const std::vector<double>> NumbersForDatetime(const Column& column);

// A categorical column: categorical input passes through; any other type is
// dictionary-encoded from each cell's string form (Column::CellString).
std::shared_ptr<const Column> AsCategorical(const Column& column);

// A text column: text input passes through; any other type uses each cell's
// string form.
std::shared_ptr<const Column> AsText(const Column& column);

}  // namespace tabpilot
