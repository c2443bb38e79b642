// Weka ARFF files: "@attribute" lines give the column names and declared
// types; the "@data" section is comma-separated with single-quoted values.
//
// Supported: % comments (header and data), quoted attribute names, numeric /
// real / integer (numeric), {a,b,...} nominal (categorical), string (text),
// date (left to type inference), '?' missing. Not supported (InvalidInput):
// sparse data rows "{...}", relational attributes. Backslash escapes inside
// quoted values are kept literally.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "data/column.h"
#include "data/csv_reader.h"

namespace tabpilot {

struct ArffData {
  RawTable raw;  // column names from @attribute; source() is the path
  // Types the file declares, by column name (date attributes are absent:
  // their format is detected from the values).
  std::map<std::string, ColumnType> declared_types;
};

// True for paths ending in ".arff" or ".arff.gz" (case-insensitive).
bool IsArffPath(const std::filesystem::path& path);

// Reads an ARFF file (".gz" decompressed). `options.threads` is honoured;
// `options.header` is ignored (the names come from @attribute); a non-zero
// `options.delimiter` replaces ','.
ArffData ReadArff(const std::filesystem::path& path, const CsvOptions& options);

// Parses ARFF text held in memory; `source_name` is used in error messages.
ArffData ParseArff(std::string text, const std::string& source_name, const CsvOptions& options);

}  // namespace tabpilot
