// Checks on a cached step's outputs before a cache hit reuses them. The row
// comes from the shared store, which anyone with write access to it can
// forge: a recorded output pointing at ~/.ssh or /etc would make the steps
// after it read (and a register step copy) a file of the user running the
// pipeline. So a hit is reused only when every absolute path in its outputs
// resolves, symlinks followed, inside the store's own folders, and each
// output whose content hash was recorded still has that content.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/json.h"

namespace tabpilot {

// Why `outputs` (with `output_hashes`, path -> SHA-256) may not be reused;
// empty when they may. Refused: an absolute path (any string starting with
// '/', at any depth of `outputs`) that does not exist or resolves outside
// every folder of `roots`; a relative path with a ".." component; a path
// whose recorded hash differs from its content now. Hash entries for paths
// the outputs do not name are ignored (never read).
std::string CachedOutputsProblem(const Json& outputs, const Json& output_hashes,
                                 const std::vector<std::filesystem::path>& roots);

// Path -> SHA-256 of each absolute path in `outputs` that lies inside
// `folder` (the step's published outputs), for CachedOutputsProblem.
Json HashOutputs(const Json& outputs, const std::filesystem::path& folder);

}  // namespace tabpilot
