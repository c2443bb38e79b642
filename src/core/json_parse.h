// Parsing JSON text into a Json in n log n.
#pragma once

#include <string_view>

#include "core/json.h"

namespace tabpilot {

// Json::parse(text), but an object's keys are inserted through a hash index
// once it has more than a few: Json's own parser finds each key by a linear
// search, so one object of 100,000 keys (a 1 MB request body) took 20 s.
// The same value, key order and errors (a repeated key keeps its first place
// and its last value; Json::parse_error or out_of_range on bad text).
Json ParseJson(std::string_view text);

}  // namespace tabpilot
