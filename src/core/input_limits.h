// Caps on what tabpilot reads from files it did not write itself (bundles
// from a shared registry, uploaded tables, pipeline definitions), named in
// one place. Each is overridable with an environment variable
// TABPILOT_LIMIT_<NAME> (NAME as the field, upper case), read once by the
// CLI and passed down as a value; library code called without one uses
// these defaults (InputLimits{}). docs/security.md lists them in one table.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace tabpilot {

struct InputLimits {
  // Model bundles.
  uint64_t bundle_bytes = uint64_t{64} << 30;       // all files of one bundle together
  uint64_t bundle_file_bytes = uint64_t{16} << 30;  // any one file of a bundle
  uint64_t bundle_manifest_bytes = 64 << 20;        // manifest.json
  uint64_t bundle_files = 100000;                   // files one manifest may list

  // Data files (CSV, ARFF, gzipped or not).
  uint64_t file_bytes = uint64_t{16} << 30;          // a data file as stored (before gunzip)
  uint64_t decompressed_bytes = uint64_t{16} << 30;  // what a ".gz" data file may inflate to
  uint64_t csv_columns = 100000;                     // columns of a table (CSV fields, ARFF attributes)
  uint64_t csv_cells = uint64_t{1} << 31;            // rows x columns (8 bytes of index per cell)
  uint64_t csv_line_bytes = 64 << 20;                // one record (a quoted field may span lines)

  // Pipeline definitions (YAML).
  uint64_t yaml_bytes = 1 << 20;  // the definition file
  uint64_t yaml_depth = 100;      // nesting of blocks and [ ] { } collections
  uint64_t yaml_nodes = 1000000;  // nodes visited, an alias counted each time it is used

  // The defaults, overridden by the TABPILOT_LIMIT_* variables `getenv`
  // returns (null: not set). A value that is not a positive integer is an
  // InvalidInput naming the variable.
  static InputLimits FromEnvironment(const std::function<const char*(const char*)>& getenv);
};

}  // namespace tabpilot
