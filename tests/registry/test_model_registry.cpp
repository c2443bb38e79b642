// The model registry on SQLite and PostgreSQL: versions, approval + audit,
// lineage, errors, and concurrent registration from threads and processes.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "core/error.h"
#include "registry/model_registry.h"
#include "store/artifact_store.h"
#include "store_test_support.h"

namespace tabpilot {
namespace {
namespace fs = std::filesystem;

std::string MessageOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

Json Report(double f1) {
  return Json{{"binary_classification_metrics",
               {{"f1", {{"value", f1}, {"standard_deviation", 0.01}}},
                {"accuracy", {{"value", 0.85}, {"standard_deviation", 0.01}}},
                {"confusion_matrix", {{"0", {{"0", 10}}}}}}}};
}

class ModelRegistryTest : public ::testing::TestWithParam<std::string> {
 protected:
  ModelRegistryTest() : artifacts_(store_.dir() / "artifacts") {
    fs::create_directories(store_.dir() / "model");
    store_.dir().Write("model/manifest.json", "{\"format\": \"tabpilot-model\"}\n");
    store_.dir().Write("model/leaderboard.json", "[{\"model\": \"xgboost\", \"score\": 0.7}]");
  }
  RegisterRequest Request(double f1 = 0.7) const {
    RegisterRequest r;
    r.group = "AutoMLModelPackageGroup";
    r.model_dir = store_.dir() / "model";
    r.evaluation_report = Report(f1);
    return r;
  }

  testing::TestStore store_{GetParam()};
  ArtifactStore artifacts_;
};

TEST_P(ModelRegistryTest, RegistersNumberedVersionsWithLineage) {
  auto db = store_.Open();
  ModelRegistry registry(*db, artifacts_, {.user = "alice"});
  RegisterRequest req = Request(0.71);
  req.execution_id = "exec-1";
  req.input_data_hashes = Json{{"train", std::string(64, 'a')}};
  req.tags = Json{{"team", "risk"}};
  req.comment = "first";
  ModelVersion v1 = registry.Register(req);
  EXPECT_EQ(v1.group, "AutoMLModelPackageGroup");
  EXPECT_EQ(v1.version, 1);
  EXPECT_EQ(v1.status, ApprovalStatus::kPendingManualApproval);
  EXPECT_EQ(v1.execution_id, "exec-1");
  EXPECT_EQ(v1.input_data_hashes["train"], std::string(64, 'a'));
  EXPECT_EQ(v1.tags["team"], "risk");
  EXPECT_DOUBLE_EQ(v1.metrics["f1"].get<double>(), 0.71);
  EXPECT_DOUBLE_EQ(v1.metrics["accuracy"].get<double>(), 0.85);
  EXPECT_FALSE(v1.metrics.contains("confusion_matrix"));
  EXPECT_EQ(v1.leaderboard.at(0)["model"], "xgboost");
  EXPECT_DOUBLE_EQ(v1.evaluation_report["binary_classification_metrics"]["f1"]["value"].get<double>(), 0.71);
  // The bundle is an immutable copy: editing the source later changes nothing.
  EXPECT_EQ(v1.artifact_hash, ArtifactStore::HashDirectory(store_.dir() / "model"));
  EXPECT_TRUE(artifacts_.Verify(v1.artifact_hash));
  EXPECT_EQ(v1.artifact_path, artifacts_.Path(v1.artifact_hash));
  store_.dir().Write("model/manifest.json", "{\"format\": \"tabpilot-model\", \"changed\": true}\n");
  ModelVersion v2 = registry.Register(Request(0.65));
  EXPECT_EQ(v2.version, 2);
  EXPECT_NE(v2.artifact_hash, v1.artifact_hash);
  EXPECT_TRUE(artifacts_.Verify(v1.artifact_hash));
  // The registration is the first audit row.
  ASSERT_EQ(v1.audit.size(), 1u);
  EXPECT_EQ(v1.audit[0].changed_by, "alice");
  EXPECT_EQ(v1.audit[0].old_status, "");
  EXPECT_EQ(v1.audit[0].new_status, "PendingManualApproval");
  EXPECT_EQ(v1.audit[0].comment, "first");

  // Groups and versions list what was stored, from a fresh connection.
  auto db2 = store_.Open();
  ModelRegistry reader(*db2, artifacts_);
  auto groups = reader.ListGroups();
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].name, "AutoMLModelPackageGroup");
  EXPECT_EQ(groups[0].version_count, 2);
  EXPECT_EQ(groups[0].latest_version, 2);
  EXPECT_EQ(groups[0].latest_approved, 0);
  auto versions = reader.ListVersions("AutoMLModelPackageGroup");
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_EQ(versions[0].version, 2);
  EXPECT_EQ(versions[1].version, 1);
  EXPECT_DOUBLE_EQ(versions[0].metrics["f1"].get<double>(), 0.65);
}

TEST_P(ModelRegistryTest, ApprovalChangesAreAuditedAndLatestApprovedFollows) {
  auto db = store_.Open();
  ModelRegistry registry(*db, artifacts_, {.user = "bob"});
  const std::string g = "AutoMLModelPackageGroup";
  registry.Register(Request());
  registry.Register(Request());
  registry.Register(Request());
  EXPECT_FALSE(registry.LatestApproved(g).has_value());

  ModelVersion v = registry.UpdateApprovalStatus(g, 1, ApprovalStatus::kApproved, "reviewed");
  EXPECT_EQ(v.status, ApprovalStatus::kApproved);
  ASSERT_EQ(v.audit.size(), 2u);
  EXPECT_EQ(v.audit[1].changed_by, "bob");
  EXPECT_EQ(v.audit[1].old_status, "PendingManualApproval");
  EXPECT_EQ(v.audit[1].new_status, "Approved");
  EXPECT_EQ(v.audit[1].comment, "reviewed");
  EXPECT_FALSE(v.audit[1].changed_at.empty());
  EXPECT_EQ(registry.LatestApproved(g)->version, 1);

  registry.UpdateApprovalStatus(g, 3, ApprovalStatus::kApproved, "better");
  EXPECT_EQ(registry.LatestApproved(g)->version, 3);
  v = registry.UpdateApprovalStatus(g, 3, ApprovalStatus::kRejected, "worse on holdout");
  ASSERT_EQ(v.audit.size(), 3u);
  EXPECT_EQ(v.audit[2].old_status, "Approved");
  EXPECT_EQ(v.audit[2].new_status, "Rejected");
  EXPECT_EQ(registry.LatestApproved(g)->version, 1);
  EXPECT_EQ(registry.GetGroup(g).latest_approved, 1);
  EXPECT_EQ(registry.Describe(g, 2).status, ApprovalStatus::kPendingManualApproval);
}

// Approving makes a version deployable: a copy changed in a shared store
// (here the manifest under the old hash) must not be approved.
TEST_P(ModelRegistryTest, ATamperedArtifactIsNotApproved) {
  auto db = store_.Open();
  ModelRegistry registry(*db, artifacts_);
  const std::string g = "AutoMLModelPackageGroup";
  const ModelVersion v = registry.Register(Request());
  const fs::path manifest = v.artifact_path / "manifest.json";
  fs::permissions(manifest, fs::perms::owner_write, fs::perm_options::add);
  std::ofstream(manifest) << "{\"format\": \"tabpilot-model\", \"task\": \"regression\"}\n";
  EXPECT_THROW(registry.UpdateApprovalStatus(g, v.version, ApprovalStatus::kApproved, "looks fine"), InvalidInput);
  EXPECT_EQ(registry.Describe(g, v.version).status, ApprovalStatus::kPendingManualApproval);
  EXPECT_EQ(registry.Describe(g, v.version).audit.size(), 1u);
  EXPECT_FALSE(registry.LatestApproved(g).has_value());
  // Rejecting needs no intact artifact.
  EXPECT_EQ(registry.UpdateApprovalStatus(g, v.version, ApprovalStatus::kRejected, "tampered").status,
            ApprovalStatus::kRejected);
}

TEST_P(ModelRegistryTest, ClearErrors) {
  auto db = store_.Open();
  ModelRegistry registry(*db, artifacts_);
  const std::string g = "AutoMLModelPackageGroup";
  registry.Register(Request());
  EXPECT_EQ(MessageOf([&] { registry.Describe(g, 7); }), "model package group '" + g + "' has no version 7");
  EXPECT_THROW(registry.Describe(g, 7), NotFound);
  EXPECT_THROW(registry.UpdateApprovalStatus(g, 7, ApprovalStatus::kApproved, ""), NotFound);
  EXPECT_EQ(MessageOf([&] { registry.ListVersions("Nope"); }), "model package group 'Nope' does not exist");
  EXPECT_THROW(registry.LatestApproved("Nope"), NotFound);
  EXPECT_THROW(registry.Describe("Nope", 1), NotFound);
  EXPECT_EQ(MessageOf([] { ParseApprovalStatus("approved"); }),
            "invalid approval status 'approved' (valid: PendingManualApproval, Approved, Rejected)");
  RegisterRequest bad = Request();
  bad.group = "bad name!";
  EXPECT_THROW(registry.Register(bad), InvalidInput);
  bad = Request();
  bad.model_dir = store_.dir() / "missing";
  EXPECT_THROW(registry.Register(bad), NotFound);
  bad = Request();
  bad.model_dir = store_.dir().path();  // a folder without manifest.json
  EXPECT_THROW(registry.Register(bad), InvalidInput);
  bad = Request();
  bad.tags = Json{{"k", 1}};
  EXPECT_THROW(registry.Register(bad), InvalidInput);
  // Failed registrations left no version behind.
  EXPECT_EQ(registry.ListVersions(g).size(), 1u);
}

TEST_P(ModelRegistryTest, ConcurrentThreadsGetDistinctVersions) {
  constexpr int kThreads = 4, kEach = 4;
  { ModelRegistry init(*store_.Open(), artifacts_); }
  std::vector<std::vector<int64_t>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      try {
        auto db = store_.Open();
        ArtifactStore artifacts(store_.dir() / "artifacts");
        ModelRegistry registry(*db, artifacts);
        for (int i = 0; i < kEach; ++i) got[t].push_back(registry.Register(Request()).version);
      } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<int64_t> all;
  for (const auto& g : got) all.insert(g.begin(), g.end());
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kEach));
  EXPECT_EQ(*all.begin(), 1);
  EXPECT_EQ(*all.rbegin(), kThreads * kEach);
}

TEST_P(ModelRegistryTest, ConcurrentProcessesGetDistinctVersions) {
  constexpr int kProcesses = 3, kEach = 4;
  { ModelRegistry init(*store_.Open(), artifacts_); }
  std::vector<pid_t> children;
  for (int p = 0; p < kProcesses; ++p) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      int code = 0;
      try {
        auto db = store_.Open();
        ArtifactStore artifacts(store_.dir() / "artifacts");
        ModelRegistry registry(*db, artifacts);
        for (int i = 0; i < kEach; ++i) registry.Register(Request());
      } catch (...) {
        code = 1;
      }
      ::_exit(code);  // skip the parent's destructors (its connections, temp folders)
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  auto db = store_.Open();
  ModelRegistry registry(*db, artifacts_);
  auto versions = registry.ListVersions("AutoMLModelPackageGroup");
  ASSERT_EQ(versions.size(), static_cast<size_t>(kProcesses * kEach));
  for (size_t i = 0; i < versions.size(); ++i)
    EXPECT_EQ(versions[i].version, static_cast<int64_t>(versions.size() - i));
}

INSTANTIATE_TEST_SUITE_P(Backends, ModelRegistryTest, ::testing::ValuesIn(testing::StoreBackends()),
                         [](const auto& param_info) { return param_info.param; });

TEST(MetricsSummary, TakesEveryMetricValue) {
  Json report = Report(0.5);
  report["regression_metrics"] = Json{{"rmse", {{"value", 2.0}}}};
  report["other"] = Json{{"x", {{"value", 1.0}}}};
  Json m = MetricsSummary(report);
  EXPECT_EQ(m.size(), 3u);
  EXPECT_DOUBLE_EQ(m["rmse"].get<double>(), 2.0);
  EXPECT_TRUE(MetricsSummary(Json::array()).empty());
}

}  // namespace
}  // namespace tabpilot
