// The examples/adult pipeline end to end through the CLI (slow: trains on
// 32,561 rows): the model is registered when F1 clears the threshold and the
// endpoint set to follow its group, and a second run reuses every cached step
// (the batch transform included) and leaves the endpoint as it was.
#include <gtest/gtest.h>

#include "core/json.h"
#include "support/test_support.h"

namespace tabpilot {
namespace {
namespace fs = std::filesystem;

TEST(AdultPipeline, RegistersTheModelAndCachesTheRerun) {
  const fs::path data = testing::DatasetsDir() / "adult";
  TABPILOT_REQUIRE_DATASET(data / "adult.data");
  testing::TempDir dir;
  const fs::path yaml = fs::path(TABPILOT_SOURCE_DIR) / "examples" / "adult" / "pipeline.yaml";
  const std::string run = "cd " + dir.path().string() + " && " + testing::TabpilotBinary().string() + " pipeline run " +
                          yaml.string() + " --param data_dir=" + data.string() +
                          " --param max_automl_runtime=20 --threads 2 2>&1";
  auto first = testing::RunCommand(run);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_NE(first.output.find("step RegisterModel: Succeeded"), std::string::npos) << first.output;
  EXPECT_NE(first.output.find("step FailStep: Skipped"), std::string::npos) << first.output;
  EXPECT_NE(first.output.find("registered model: AutoMLModelPackageGroup version 1 (PendingManualApproval) at "),
            std::string::npos)
      << first.output;
  EXPECT_TRUE(fs::exists(dir / ".tabpilot" / "metadata.db"));
  // Deploy made the endpoint follow the group; nothing is Approved yet.
  EXPECT_NE(first.output.find("step Deploy: Succeeded"), std::string::npos) << first.output;
  const auto described = testing::RunCommand("cd " + dir.path().string() + " && " + testing::TabpilotBinary().string() +
                                             " endpoint describe adult --json");
  ASSERT_EQ(described.exit_code, 0) << described.output;
  EXPECT_NE(described.output.find("\"latest_approved\""), std::string::npos) << described.output;
  EXPECT_NE(described.output.find("has no Approved version"), std::string::npos) << described.output;

  auto second = testing::RunCommand(run);
  ASSERT_EQ(second.exit_code, 0) << second.output;
  for (const char* step : {"AddHeaders", "AutoMLTraining", "CreateModel", "BatchTransform", "Evaluate"}) {
    EXPECT_NE(second.output.find(std::string("step ") + step + ": Succeeded (cache hit"), std::string::npos)
        << step << "\n"
        << second.output;
  }
  EXPECT_NE(second.output.find("AutoMLModelPackageGroup version 2"), std::string::npos) << second.output;
  // The endpoint already followed the group: the second deploy changed
  // nothing (no new generation for servers to reload).
  const auto again = testing::RunCommand("cd " + dir.path().string() + " && " + testing::TabpilotBinary().string() +
                                         " endpoint describe adult --json");
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(Json::parse(again.output)["generation"], 1) << again.output;

  // An unreachable threshold ends in the fail step with its message.
  auto gated = testing::RunCommand(run + " --param model_registration_metric_threshold=0.99");
  EXPECT_EQ(gated.exit_code, 1) << gated.output;
  EXPECT_NE(gated.output.find("is below the threshold 0.99; the model was not registered"), std::string::npos)
      << gated.output;
}

}  // namespace
}  // namespace tabpilot
