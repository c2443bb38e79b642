// From raw cells to a typed Table: infer a Schema (training), then build the
// Table against a Schema (training and prediction).
//
// Inference rules, applied to a column's non-missing cells:
//   - no non-missing cell                         -> numeric (all NaN)
//   - every cell a number (value_parse.h)         -> numeric
//   - every cell "true"/"false" (any case)        -> boolean
//   - every cell a date/time in ONE format        -> datetime (datetime_parse.h)
//   - mean of >= 3 space-separated words per cell
//     AND at least half the cells distinct        -> text (free text: tweets,
//                                                    reviews, titanic's Name)
//   - otherwise                                   -> categorical
// The text rule separates sentences from labels: multi-word labels repeat
// ("Eastern Time (US & Canada)", "critical/other existing credit"), prose does not.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "data/csv_reader.h"
#include "data/schema.h"
#include "data/table.h"

namespace tabpilot {

struct InferenceOptions {
  // Force a column's type (by name). A name that is not a column is an
  // InvalidInput error; forcing datetime on values matching no format too.
  std::map<std::string, ColumnType> overrides;
  // Worker threads (columns are inferred in parallel). 0 = all hardware threads.
  int threads = 0;
};

// A cell as an error message quotes it: at most 40 bytes, not cutting a
// UTF-8 sequence, "..." when cut.
std::string CellExcerpt(std::string_view s);

// The text rule's parts (shared with the streaming column builder,
// data/column_builder.h): words are runs of non-space characters; a column
// is free text when its non-missing cells average at least 3 words and at
// least half of them are distinct.
size_t CountWords(std::string_view s);
bool IsFreeText(size_t words, size_t distinct, size_t non_missing);

// Infers one ColumnSpec per raw column, in raw order.
Schema InferSchema(const RawTable& raw, const InferenceOptions& options);

struct BuildOptions {
  // false (training): a cell that does not parse as its column's type is an
  // InvalidInput error "file:LINE: column 'X': cannot parse 'abc' as numeric".
  // true (prediction): such a cell becomes missing and is counted in
  // BuildReport::coerced.
  bool lenient = false;
  // Worker threads (columns are built in parallel). 0 = all hardware threads.
  int threads = 0;
};

struct BuildReport {
  // Column name -> number of cells made missing by lenient parsing (only
  // columns with at least one such cell).
  std::map<std::string, size_t> coerced;
};

// Builds a Table with the schema's columns in schema order, read from `raw` by
// name (raw columns not in the schema are ignored). A schema column absent
// from `raw` -> InvalidInput "file: missing required column 'X'". Categorical
// columns get their own dictionary, codes in first-seen order. The table's
// source() is raw.source(). Results do not depend on the thread count; when
// several cells are bad, the error is the one on the earliest line.
Table BuildTable(const RawTable& raw, const Schema& schema, const BuildOptions& options, BuildReport* report = nullptr);

// InferSchema + BuildTable (strict) in one faster pass: columns are first
// parsed as numbers in row blocks across all columns, and only the columns
// that turn out not to be numeric are typed column by column. The result is
// identical to the two-step path. If `schema` is given, the inferred schema is
// stored there (keep it: it carries the datetime formats, which the Table does not).
Table InferAndBuildTable(const RawTable& raw, const InferenceOptions& options, Schema* schema = nullptr);

// Read + infer + build (the training path); table.source() is the path.
// ARFF files' declared types act as overrides (the caller's win).
// `csv.threads` also sets the threads for inference and building when
// `inference.threads` is 0. The inferred schema goes to `schema` if given.
Table ReadTable(const std::filesystem::path& path, const CsvOptions& csv, const InferenceOptions& inference,
                Schema* schema = nullptr);

}  // namespace tabpilot
