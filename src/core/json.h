// The one place nlohmann/json is included. Everything else uses tabpilot::Json.
#pragma once

#include <nlohmann/json.hpp>

namespace tabpilot {
using Json = nlohmann::ordered_json;
}  // namespace tabpilot
