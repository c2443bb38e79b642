#include <cstdlib>
#include <filesystem>

#include "cli/commands.h"
#include "core/error.h"
#include "core/parallel.h"

namespace tabpilot::cli {

int ResolveThreads(int requested) {
  if (requested < 0) throw InvalidInput("--threads must be 0 (all cores) or a positive number");
  return requested == 0 ? HardwareThreads() : requested;
}

InputLimits LimitsFromEnvironment() {
  return InputLimits::FromEnvironment([](const char* name) { return std::getenv(name); });
}

void CheckModelOutputPath(const std::filesystem::path& out) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(out, ec)) return;
  if (!fs::is_directory(out, ec)) throw InvalidInput("--output " + out.string() + " exists and is not a directory");
  if (fs::is_empty(out, ec) || fs::exists(out / "manifest.json", ec)) return;
  throw InvalidInput("--output " + out.string() + " exists and is not a tabpilot model; refusing to overwrite it");
}

BundleLoadOptions BundleLoading(const std::string& verify_key_path) {
  BundleLoadOptions options;
  options.limits = LimitsFromEnvironment();
  if (!verify_key_path.empty()) options.verify_key = ReadSigningKey(verify_key_path);
  return options;
}

}  // namespace tabpilot::cli
