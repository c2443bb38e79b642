#include "pipeline/cached_outputs.h"

#include <algorithm>

#include "core/error.h"
#include "pipeline/content_hash.h"

namespace tabpilot {
namespace fs = std::filesystem;
namespace {

// Every string in `value`, at any depth.
void CollectStrings(const Json& value, std::vector<std::string>* out) {
  if (value.is_string()) {
    out->push_back(value.get<std::string>());
  } else if (value.is_array() || value.is_object()) {
    for (const auto& item : value) CollectStrings(item, out);
  }
}

// Component-wise: "/a/bc" is not inside "/a/b".
bool IsInside(const fs::path& path, const fs::path& root) {
  return std::mismatch(root.begin(), root.end(), path.begin(), path.end()).first == root.end();
}

bool HasDotDot(const fs::path& p) {
  return std::any_of(p.begin(), p.end(), [](const fs::path& part) { return part == ".."; });
}

}  // namespace

std::string CachedOutputsProblem(const Json& outputs, const Json& output_hashes, const std::vector<fs::path>& roots) {
  std::vector<fs::path> real_roots;
  for (const auto& root : roots) {
    std::error_code ec;
    const fs::path r = fs::weakly_canonical(fs::absolute(root), ec);
    if (!ec) real_roots.push_back(r);
  }
  std::vector<std::string> strings;
  CollectStrings(outputs, &strings);
  for (const std::string& s : strings) {
    const fs::path p(s);
    if (!p.is_absolute()) {
      if (s.find('/') != std::string::npos && HasDotDot(p))
        return "output '" + s + "' is a relative path out of its folder";
      continue;
    }
    std::error_code ec;
    // weakly_canonical follows every symlink of the part that exists, and
    // "..": what is checked is where a reader would really end up.
    const fs::path real = fs::weakly_canonical(p, ec);
    if (ec || !fs::exists(real, ec)) return "output " + s + " does not exist";
    const bool inside =
        std::any_of(real_roots.begin(), real_roots.end(), [&](const fs::path& root) { return IsInside(real, root); });
    if (!inside) return "output " + s + " is outside the store's folders";
  }
  if (!output_hashes.is_object()) return "its output hashes are not an object";
  for (const std::string& s : strings) {
    if (!output_hashes.contains(s)) continue;
    const Json& expected = output_hashes[s];
    try {
      if (!expected.is_string() || HashPath(s) != expected.get<std::string>()) {
        return "output " + s + " changed since it was recorded";
      }
    } catch (const Error& e) {
      return "output " + s + " cannot be hashed: " + e.what();
    }
  }
  return "";
}

Json HashOutputs(const Json& outputs, const fs::path& folder) {
  Json hashes = Json::object();
  std::vector<std::string> strings;
  CollectStrings(outputs, &strings);
  const fs::path root = folder.lexically_normal();
  for (const std::string& s : strings) {
    const fs::path p = fs::path(s).lexically_normal();
    std::error_code ec;
    if (!p.is_absolute() || !IsInside(p, root) || hashes.contains(s) || !fs::exists(p, ec)) continue;
    hashes[s] = HashPath(p);
  }
  return hashes;
}

}  // namespace tabpilot
