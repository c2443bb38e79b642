// automl -> model -> transform -> evaluate -> condition -> register | fail on
// a tiny CSV: outputs, the F1 gate, registry versions, and the cache (a
// second run reuses every ML step, the transform included).
#include <gtest/gtest.h>

#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "pipeline/definition.h"
#include "pipeline/executor.h"
#include "registry/model_registry.h"
#include "store/store_location.h"
#include "support/test_support.h"

namespace tabpilot {
namespace {
namespace fs = std::filesystem;

std::string TinyCsv(int rows, uint32_t seed) {
  std::ostringstream out;
  out << "age,color,score,label\n";
  uint32_t s = seed;
  auto next = [&] {
    s = s * 1664525u + 1013904223u;
    return (s >> 8) % 1000;
  };
  const char* colors[] = {"red", "green", "blue"};
  for (int i = 0; i < rows; ++i) {
    const int age = 20 + static_cast<int>(next() % 60);
    const double score = (static_cast<double>(next()) - 500) / 250;
    const bool yes = score + (age > 50 ? 0.5 : -0.5) > 0;
    out << age << "," << colors[next() % 3] << "," << score << "," << (yes ? "yes" : "no") << "\n";
  }
  return out.str();
}

const char* const kPipeline = R"(name: TinyAutoML
parameters:
  threshold: {type: float, default: 0.5}
  status: {type: string, default: Approved}
steps:
  - name: Train
    type: automl
    data: train.csv
    target: label
    time_limit: 3
    learners: [linear]
    cache: {enabled: true}
  - name: Model
    type: model
    model_dir: ${steps.Train.outputs.model_dir}
    cache: {enabled: true}
  - name: Transform
    type: transform
    model: ${steps.Model.outputs.model}
    data: test.csv
    cache: {enabled: true}
  - name: Evaluate
    type: evaluate
    model: ${steps.Model.outputs.model}
    data: test.csv
    depends_on: Transform
    cache: {enabled: true}
  - name: Check
    type: condition
    condition: {">=": ["${steps.Evaluate.outputs.report.binary_classification_metrics.f1.value}", "${params.threshold}"]}
    then:
      - name: Register
        type: register
        model: ${steps.Model.outputs.model}
        model_package_group_name: Tiny
        approval_status: ${params.status}
        report: ${steps.Evaluate.outputs.report}
    else:
      - name: Stop
        type: fail
        message: F1 ${steps.Evaluate.report.binary_classification_metrics.f1.value} is below ${params.threshold}
)";

const StepRecord& Step(const ExecutionResult& r, const std::string& name) {
  for (const auto& s : r.steps) {
    if (s.step_name == name) return s;
  }
  throw NotFound("no step " + name);
}

// A one-step pipeline "Train" (automl on dir/train.csv, target label, 5 s,
// `learners`) with `fields` (YAML lines) added, run with a store in `dir`.
ExecutionResult RunAutoMLStep(const testing::TempDir& dir, const std::string& learners, const std::string& fields) {
  const fs::path yaml = dir.Write("p.yaml",
                                  "name: OneStep\n"
                                  "steps:\n"
                                  "  - name: Train\n"
                                  "    type: automl\n"
                                  "    data: train.csv\n"
                                  "    target: label\n"
                                  "    time_limit: 5\n"
                                  "    learners: [" +
                                      learners + "]\n" + fields);
  ExecutorOptions options;
  options.store = (dir / "store" / "metadata.db").string();
  return RunPipeline(LoadDefinition(yaml), {}, options);
}

// The manifest of the model step "Train" of `r` wrote.
Json TrainManifest(const ExecutionResult& r) {
  const fs::path model = Step(r, "Train").outputs["model_dir"].get<std::string>();
  return Json::parse(ReadFile(model / "manifest.json"));
}

TEST(PipelineMLSteps, TrainGateRegisterAndCache) {
  testing::TempDir dir;
  dir.Write("train.csv", TinyCsv(150, 1));
  dir.Write("test.csv", TinyCsv(60, 2));
  const fs::path yaml = dir.Write("p.yaml", kPipeline);
  ExecutorOptions options;
  options.store = (dir / "store" / "metadata.db").string();

  ExecutionResult first = RunPipeline(LoadDefinition(yaml), {}, options);
  ASSERT_EQ(first.status, RunStatus::kSucceeded) << first.failure_reason;
  const double f1 = Step(first, "Evaluate").outputs["report"]["binary_classification_metrics"]["f1"]["value"];
  EXPECT_GT(f1, 0.5);
  EXPECT_EQ(Step(first, "Transform").outputs["rows"], Json(60));
  EXPECT_TRUE(fs::exists(Step(first, "Transform").outputs["predictions"].get<std::string>()));
  EXPECT_TRUE(fs::exists(fs::path(Step(first, "Model").outputs["model"].get<std::string>()) / "manifest.json"));
  EXPECT_EQ(Step(first, "Register").outputs["version"], Json(1));
  EXPECT_EQ(Step(first, "Stop").status, RunStatus::kSkipped);

  ExecutionResult second = RunPipeline(LoadDefinition(yaml), {}, options);
  ASSERT_EQ(second.status, RunStatus::kSucceeded) << second.failure_reason;
  for (const char* name : {"Train", "Model", "Transform", "Evaluate"}) {
    EXPECT_TRUE(Step(second, name).cache_hit) << name;
  }
  EXPECT_FALSE(Step(second, "Register").cache_hit);
  EXPECT_EQ(Step(second, "Register").outputs["version"], Json(2));

  Store store = OpenStore(options.store);
  ModelRegistry registry(*store.db, store.artifacts);
  auto latest = registry.LatestApproved("Tiny");
  ASSERT_TRUE(latest);
  EXPECT_EQ(latest->version, 2);
  EXPECT_EQ(latest->execution_id, second.execution_id);
  EXPECT_FALSE(latest->input_data_hashes.empty());
  EXPECT_DOUBLE_EQ(latest->evaluation_report["binary_classification_metrics"]["f1"]["value"].get<double>(), f1);

  // An F1 gate the model cannot pass ends in the fail step.
  ExecutionResult gated = RunPipeline(LoadDefinition(yaml), {"threshold=1.5"}, options);
  EXPECT_EQ(gated.status, RunStatus::kFailed);
  EXPECT_EQ(gated.failure_reason.rfind("F1 ", 0), 0u) << gated.failure_reason;
  EXPECT_NE(gated.failure_reason.find("is below 1.5"), std::string::npos);
  EXPECT_EQ(Step(gated, "Register").status, RunStatus::kSkipped);
  EXPECT_EQ(registry.ListVersions("Tiny").size(), 2u);
}

// The automl step's infer_limit field is train's --infer-limit: a limit
// below any model's cost leaves the cheapest model alone in the bundle.
TEST(PipelineMLSteps, AutoMLStepPassesTheInferLimit) {
  testing::TempDir dir;
  dir.Write("train.csv", TinyCsv(150, 1));
  const ExecutionResult r = RunAutoMLStep(dir, "linear, xgboost", "    infer_limit: 0.000001\n");
  ASSERT_EQ(r.status, RunStatus::kSucceeded) << r.failure_reason;
  const Json manifest = TrainManifest(r);
  EXPECT_DOUBLE_EQ(manifest.at("training").at("infer_limit_us_per_row").get<double>(), 1e-6);
  EXPECT_TRUE(manifest.at("training").at("infer_limit_cheapest_only").get<bool>());
  EXPECT_EQ(manifest.at("members").size(), 1u);
}

// The automl step's cost_tolerance field is train's --cost-tolerance: it
// reaches the trainer (recorded in the manifest); unset, it is automatic
// (0 on 150 rows, below kCostTradeoffMinRows).
TEST(PipelineMLSteps, AutoMLStepPassesTheCostTolerance) {
  testing::TempDir dir;
  dir.Write("train.csv", TinyCsv(150, 1));
  for (const std::string& field : {std::string(), std::string("    cost_tolerance: 2\n")}) {
    const ExecutionResult r = RunAutoMLStep(dir, "linear", field);
    ASSERT_EQ(r.status, RunStatus::kSucceeded) << r.failure_reason;
    const Json manifest = TrainManifest(r);
    EXPECT_DOUBLE_EQ(manifest.at("training").at("cost_tolerance_se").get<double>(), field.empty() ? 0.0 : 2.0);
    EXPECT_EQ(manifest.at("training").at("cost_tolerance_automatic").get<bool>(), field.empty());
  }
}

// The automl step's memory_limit field is train's --memory-limit: it reaches
// the trainer (the manifest records it), and a limit below the smallest
// search fails the step with the floor's message, before any training.
TEST(PipelineMLSteps, AutoMLStepTakesTheMemoryLimit) {
  testing::TempDir dir;
  dir.Write("train.csv", TinyCsv(150, 1));
  const ExecutionResult fits = RunAutoMLStep(dir, "linear", "    memory_limit: 5\n");
  ASSERT_EQ(fits.status, RunStatus::kSucceeded) << fits.failure_reason;
  EXPECT_DOUBLE_EQ(TrainManifest(fits).at("training").at("memory_limit_bytes").get<double>(), 5e9);
  const ExecutionResult too_small = RunAutoMLStep(dir, "linear", "    memory_limit: 0.001\n");
  EXPECT_EQ(too_small.status, RunStatus::kFailed);
  EXPECT_NE(too_small.failure_reason.find("--memory-limit"), std::string::npos) << too_small.failure_reason;
}

}  // namespace
}  // namespace tabpilot
