// The one place nlohmann/json is included. Everything else uses tabpilot::Json.
#pragma once

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <type_traits>
#include <vector>

#include "core/error.h"

namespace tabpilot {
using Json = nlohmann::ordered_json;
// For large documents whose key order does not matter (a tokenizer.json's
// vocabulary of 128,256 keys): keys in a std::map, so parsing is n log n.
// Json keeps insertion order by a linear search per key: parsing that
// vocabulary took 24 s, this 0.1 s (bench/tokenizer_load_bench.cpp).
using SortedJson = nlohmann::json;

// An integer read from JSON that may be hostile (a bundle, a record):
// `v` must be a JSON integer within T's range. nlohmann's get<int>() on
// 1e300 is undefined behaviour and on 3.7 or 2^40 silently wrong. Throws
// InvalidInput naming `what` otherwise.
template <class T, class J = Json>
T JsonInteger(const J& v, const std::string& what) {
  static_assert(std::is_integral_v<T> && !std::is_same_v<T, bool>);
  bool ok = false;
  if (v.is_number_unsigned()) {
    ok = v.template get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<T>::max());
  } else if (v.is_number_integer()) {
    const int64_t x = v.template get<int64_t>();
    ok = std::is_signed_v<T>
             ? x >= static_cast<int64_t>(std::numeric_limits<T>::min()) &&
                   (sizeof(T) >= sizeof(int64_t) || x <= static_cast<int64_t>(std::numeric_limits<T>::max()))
             : x >= 0 && static_cast<uint64_t>(x) <= static_cast<uint64_t>(std::numeric_limits<T>::max());
  }
  if (!ok) throw InvalidInput(what + " is not an integer in range (" + v.dump() + ")");
  return v.is_number_unsigned() ? static_cast<T>(v.template get<uint64_t>())
                                : static_cast<T>(v.template get<int64_t>());
}

// An array of such integers (JsonInteger for each element).
template <class T, class J = Json>
std::vector<T> JsonIntegerArray(const J& v, const std::string& what) {
  if (!v.is_array()) throw InvalidInput(what + " is not an array");
  std::vector<T> out;
  out.reserve(v.size());
  for (const J& e : v) out.push_back(JsonInteger<T>(e, what + " element"));
  return out;
}

}  // namespace tabpilot
