// Guards for pipeline definitions (YAML from files we did not write), so a
// small hostile file cannot exhaust memory, time or the stack:
//
//  - CheckYamlText, before yaml-cpp sees the text: its size (yaml_bytes) and
//    a conservative scan of its nesting (yaml_depth): block indentation
//    levels and "- - -" entries plus [ ] { } outside quoted scalars and
//    comments. yaml-cpp's parser recurses once per level, so deep nesting
//    must be refused before it parses.
//  - CheckYamlTree, after parsing and before any other walk: the nodes a walk
//    visits (yaml_nodes), an alias counted every time it is reached, and the
//    depth (yaml_depth) it reaches. yaml-cpp shares an anchored node among
//    its aliases, so "billion laughs" (aliases of aliases) parses small but
//    expands exponentially when walked, and an anchor used inside itself
//    ("&a [*a]") is a cycle; both stop here after at most yaml_nodes visits.
//
// Both throw InvalidInput naming the file, the line where known, and the
// TABPILOT_LIMIT_* variable of the limit.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/input_limits.h"

namespace YAML {
class Node;
}

namespace tabpilot {

// Refuses `bytes` over limits.yaml_bytes (CheckYamlText calls it; a file
// loader may call it before reading).
void CheckYamlSize(uint64_t bytes, const std::string& source, const InputLimits& limits);

void CheckYamlText(std::string_view text, const std::string& source, const InputLimits& limits);

void CheckYamlTree(const YAML::Node& root, const std::string& source, const InputLimits& limits);

}  // namespace tabpilot
