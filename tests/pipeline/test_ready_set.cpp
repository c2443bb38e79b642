// The executor's scheduling rule on its own: which steps may start and which
// are skipped, given the graph, each step's status and the decisions of
// deciding steps. Nothing runs here.
#include <gtest/gtest.h>

#include <algorithm>

#include "pipeline/definition.h"
#include "pipeline/ready_set.h"
#include "pipeline/step.h"

namespace tabpilot {
namespace {

using Names = std::vector<std::string>;
using Status = std::map<std::string, RunStatus>;

// A -> B -> C, A -> C, A -> Gate -> {Yes -> After, No}, plus Lone (no deps).
PipelineGraph Graph() {
  PipelineGraph g;
  g.deps = {{"A", {}},         {"B", {"A"}},       {"C", {"A", "B"}}, {"Gate", {"A"}},
            {"Yes", {"Gate"}}, {"After", {"Yes"}}, {"No", {"Gate"}},  {"Lone", {}}};
  g.order = {"A", "B", "C", "Gate", "Yes", "After", "No", "Lone"};
  g.decided_by = {{"Yes", "Gate"}, {"No", "Gate"}};
  return g;
}

TEST(ReadySet, RootsStartFirstInGraphOrder) {
  const ReadySet r = NextSteps(Graph(), {}, {});
  EXPECT_EQ(r.start, (Names{"A", "Lone"}));
  EXPECT_TRUE(r.skip.empty());
}

TEST(ReadySet, DependentsWaitUntilEveryDependencySucceeded) {
  Status s = {{"A", RunStatus::kExecuting}, {"Lone", RunStatus::kSucceeded}};
  EXPECT_TRUE(NextSteps(Graph(), s, {}).start.empty());
  s["A"] = RunStatus::kSucceeded;
  EXPECT_EQ(NextSteps(Graph(), s, {}).start, (Names{"B", "Gate"}));  // C still waits for B
  s["B"] = RunStatus::kSucceeded;
  s["Gate"] = RunStatus::kExecuting;
  EXPECT_EQ(NextSteps(Graph(), s, {}).start, (Names{"C"}));
}

TEST(ReadySet, AFailedOrStoppedDependencyBlocksWithoutSkipping) {
  for (RunStatus bad : {RunStatus::kFailed, RunStatus::kStopped}) {
    const ReadySet r = NextSteps(Graph(), {{"A", bad}, {"Lone", RunStatus::kSucceeded}}, {});
    EXPECT_TRUE(r.start.empty()) << bad;
    EXPECT_TRUE(r.skip.empty()) << bad;
  }
}

TEST(ReadySet, DecisionsSkipOneBranchAndEverythingBelowIt) {
  const Status s = {{"A", RunStatus::kSucceeded},
                    {"B", RunStatus::kSucceeded},
                    {"C", RunStatus::kSucceeded},
                    {"Lone", RunStatus::kSucceeded},
                    {"Gate", RunStatus::kSucceeded}};
  ReadySet no = NextSteps(Graph(), s, {"Yes"});
  EXPECT_EQ(no.start, (Names{"No"}));
  EXPECT_EQ(no.skip, (Names{"Yes", "After"}));  // After waits only on the skipped Yes
  ReadySet yes = NextSteps(Graph(), s, {"No"});
  EXPECT_EQ(yes.start, (Names{"Yes"}));
  EXPECT_EQ(yes.skip, (Names{"No"}));
}

TEST(ReadySet, ASkippedDependencySkipsOnlyOnceTheOthersFinished) {
  PipelineGraph g = Graph();
  g.deps["C"] = {"B", "No"};
  Status s = {{"A", RunStatus::kSucceeded}, {"B", RunStatus::kExecuting}, {"No", RunStatus::kSkipped}};
  const ReadySet waiting = NextSteps(g, s, {});
  EXPECT_EQ(std::find(waiting.skip.begin(), waiting.skip.end(), "C"), waiting.skip.end());
  s["B"] = RunStatus::kSucceeded;
  const ReadySet r = NextSteps(g, s, {});
  EXPECT_NE(std::find(r.skip.begin(), r.skip.end(), "C"), r.skip.end());
}

TEST(ReadySet, StepsWithAStatusAreNeverReturned) {
  Status s;
  for (const auto& n : Graph().order) s[n] = RunStatus::kSkipped;
  s["Lone"] = RunStatus::kExecuting;
  const ReadySet r = NextSteps(Graph(), s, {"Yes", "No"});
  EXPECT_TRUE(r.start.empty());
  EXPECT_TRUE(r.skip.empty());
}

// The condition step type is what turns an outcome into decisions; the rule
// above stays the same for any deciding step type.
TEST(ReadySet, ConditionOutcomeDecidesThroughItsStepType) {
  const PipelineDefinition d = ParseDefinition(R"(name: X
steps:
  - {name: Score, type: processing, command: "true"}
  - name: Gate
    type: condition
    condition: {">=": [1, 2]}
    depends_on: Score
    then: [{name: Ship, type: processing, command: "true"}]
    else: Stop
  - {name: Stop, type: fail, message: low}
)",
                                               "p.yaml", "/tmp");
  const PipelineGraph g = CheckDefinition(d, StepTypeRegistry::Builtins());
  const StepType& condition = StepTypeRegistry::Builtins().Get("condition");
  const Json& config = d.FindStep("Gate")->config;
  const Status s = {{"Score", RunStatus::kSucceeded}, {"Gate", RunStatus::kSucceeded}};

  const auto low = condition.SkippedAfter(config, Json{{"outcome", false}});
  EXPECT_EQ(low, (Names{"Ship"}));
  ReadySet r = NextSteps(g, s, {low.begin(), low.end()});
  EXPECT_EQ(r.start, (Names{"Stop"}));
  EXPECT_EQ(r.skip, (Names{"Ship"}));

  const auto high = condition.SkippedAfter(config, Json{{"outcome", true}});
  EXPECT_EQ(high, (Names{"Stop"}));
  r = NextSteps(g, s, {high.begin(), high.end()});
  EXPECT_EQ(r.start, (Names{"Ship"}));
  EXPECT_EQ(r.skip, (Names{"Stop"}));
}

}  // namespace
}  // namespace tabpilot
