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
#include "core/json.h"

namespace tabpilot::fuzz {

inline std::string_view Bytes(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

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
