// Caps on what tabpilot reads from files it did not write itself (bundles
// from a shared registry, uploaded tables, pipeline definitions), named in
// one place. Each is overridable with an environment variable
// TABPILOT_LIMIT_<NAME> (NAME as the field, upper case), read once by the
// CLI and passed down as a value.
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

  // The defaults, overridden by the TABPILOT_LIMIT_* variables `getenv`
  // returns (null: not set). A value that is not a positive integer is an
  // InvalidInput naming the variable.
  static InputLimits FromEnvironment(const std::function<const char*(const char*)>& getenv);
};

}  // namespace tabpilot
