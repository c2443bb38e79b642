#include <cstdlib>

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

BundleLoadOptions BundleLoading(const std::string& verify_key_path) {
  BundleLoadOptions options;
  options.limits = LimitsFromEnvironment();
  if (!verify_key_path.empty()) options.verify_key = ReadSigningKey(verify_key_path);
  return options;
}

}  // namespace tabpilot::cli
