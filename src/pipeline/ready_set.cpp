#include "pipeline/ready_set.h"

namespace tabpilot {

ReadySet NextSteps(const PipelineGraph& graph, const std::map<std::string, RunStatus>& status,
                   const std::set<std::string>& decided_skips) {
  ReadySet out;
  // Graph order puts dependencies first, so one pass sees the skips it adds.
  std::set<std::string> skipped_now;
  auto state = [&](const std::string& name) -> const RunStatus* {
    auto it = status.find(name);
    return it == status.end() ? nullptr : &it->second;
  };
  for (const auto& name : graph.order) {
    if (state(name)) continue;
    bool ready = true;
    bool skip = decided_skips.count(name) > 0;
    for (const auto& dep : graph.deps.at(name)) {
      const RunStatus* st = state(dep);
      if (skipped_now.count(dep) || (st && *st == RunStatus::kSkipped)) {
        skip = true;
      } else if (!st || *st != RunStatus::kSucceeded) {
        ready = false;
      }
    }
    if (!ready) continue;
    if (skip) {
      skipped_now.insert(name);
      out.skip.push_back(name);
    } else {
      out.start.push_back(name);
    }
  }
  return out;
}

}  // namespace tabpilot
