// Which steps may start next: a pure function of the step graph, each step's
// status and the decisions of finished deciding steps, so the scheduling rule
// is tested without running anything (tests/pipeline/test_ready_set.cpp).
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "pipeline/definition_check.h"
#include "pipeline/run_status.h"

namespace tabpilot {

struct ReadySet {
  // Steps whose dependencies all Succeeded and that no decision skips, in
  // graph order: they may start now.
  std::vector<std::string> start;
  // Steps to mark Skipped now, in graph order: every dependency finished
  // (Succeeded or Skipped) and one was Skipped, or a decider chose to skip
  // them. Includes the steps that wait only on steps skipped in this same set.
  std::vector<std::string> skip;
};

// `status` holds the steps that started (absent = not started yet; a step
// with any status is never returned). `decided_skips` are the steps a
// Succeeded decider chose to skip (StepType::SkippedAfter). A step waiting on
// a Failed, Stopped or Executing dependency is in neither list.
ReadySet NextSteps(const PipelineGraph& graph, const std::map<std::string, RunStatus>& status,
                   const std::set<std::string>& decided_skips);

}  // namespace tabpilot
