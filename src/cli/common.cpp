#include "cli/commands.h"
#include "core/error.h"
#include "core/parallel.h"

namespace tabpilot::cli {

int ResolveThreads(int requested) {
  if (requested < 0) throw InvalidInput("--threads must be 0 (all cores) or a positive number");
  return requested == 0 ? HardwareThreads() : requested;
}

}  // namespace tabpilot::cli
