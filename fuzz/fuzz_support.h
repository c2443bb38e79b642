// Shared by the libFuzzer targets: what counts as a finding. Input that is
// rejected with one of our typed errors is the expected outcome; anything
// else escaping (an Internal error, a std:: exception, a crash, a sanitizer
// report, a timeout or an allocation past the fuzzer's limit) is a bug.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/input_limits.h"
#include "core/json.h"

namespace tabpilot::fuzz {

// Limits lowered so that small fuzz inputs (and the corpus's bombs) reach
// the limit checks, well inside the fuzzer's 2 GB RSS limit.
inline InputLimits SmallLimits() {
  InputLimits limits;
  limits.decompressed_bytes = 1 << 20;
  limits.csv_cells = 1 << 20;
  limits.csv_columns = 10000;
  limits.csv_line_bytes = 1 << 20;
  limits.yaml_nodes = 100000;
  return limits;
}

inline std::string_view Bytes(const uint8_t* data, size_t size) { return {reinterpret_cast<const char*>(data), size}; }

// Runs `body`; swallows the typed errors bad input must give, except
// Internal (a broken invariant of ours), which is rethrown. JSON type errors
// count as typed: every caller of the JSON readers (bundle, records) turns
// them into InvalidInput naming the file.
template <class Body>
int Run(Body&& body) {
  try {
    body();
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kInternal) throw;
  } catch (const Json::exception&) {
  }
  return 0;
}

}  // namespace tabpilot::fuzz
