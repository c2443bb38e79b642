// Endpoint configurations on SQLite and PostgreSQL: create/update/delete with
// generations and history, server status, errors, and resolving each kind of
// model source to a bundle folder.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/error.h"
#include "registry/model_registry.h"
#include "serve/endpoint_store.h"
#include "store/artifact_store.h"
#include "store_test_support.h"

namespace tabpilot {
namespace {
namespace fs = std::filesystem;

template <typename Fn>
std::string MessageOf(Fn&& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

class EndpointStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  EndpointStoreTest()
      : artifacts_(store_.dir() / "artifacts"),
        db_(store_.Open()),
        registry_(*db_, artifacts_, {.user = "alice"}),
        endpoints_(*db_, registry_, {.user = "alice"}) {
    fs::create_directories(store_.dir() / "model");
    store_.dir().Write("model/manifest.json", "{\"format\": \"tabpilot-model\"}\n");
    fs::create_directories(store_.dir() / "other");
    store_.dir().Write("other/manifest.json", "{\"format\": \"tabpilot-model\", \"other\": true}\n");
  }
  fs::path Bundle() const { return store_.dir() / "model"; }
  // Registers the test bundle as the group's next version.
  ModelVersion Register(const std::string& group = "G") {
    RegisterRequest r;
    r.group = group;
    r.model_dir = Bundle();
    return registry_.Register(r);
  }

  testing::TestStore store_{GetParam()};
  ArtifactStore artifacts_;
  std::unique_ptr<Database> db_;
  ModelRegistry registry_;
  EndpointStore endpoints_;
};

TEST_P(EndpointStoreTest, CreatesListsAndUpdatesWithGenerations) {
  Register();
  const EndpointConfig a = endpoints_.Create("fraud-v2", EndpointSource::Bundle(Bundle()));
  EXPECT_EQ(a.name, "fraud-v2");
  EXPECT_EQ(a.source, EndpointSource::Bundle(Bundle()));
  EXPECT_EQ(a.generation, 1);
  EXPECT_FALSE(a.created_at.empty());
  EXPECT_EQ(a.created_at, a.updated_at);
  EXPECT_FALSE(a.status.has_value());
  const EndpointConfig b = endpoints_.Create("churn", EndpointSource::GroupVersion("G", 1));
  EXPECT_EQ(b.source, EndpointSource::GroupVersion("G", 1));
  const EndpointConfig c = endpoints_.Create("approved.G_1", EndpointSource::LatestApproved("G"));
  EXPECT_EQ(c.source.kind, ModelSourceKind::kLatestApproved);
  EXPECT_EQ(c.source.group, "G");

  // By name, from a fresh connection (the migrations run again: a no-op).
  auto db2 = store_.Open();
  ModelRegistry registry2(*db2, artifacts_);
  EndpointStore reader(*db2, registry2);
  const std::vector<EndpointConfig> list = reader.List();
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].name, "approved.G_1");
  EXPECT_EQ(list[1].name, "churn");
  EXPECT_EQ(list[2].name, "fraud-v2");
  EXPECT_EQ(list[2].source.bundle, Bundle());

  // Every update bumps the generation, the same source again too (a reload).
  EndpointConfig u = endpoints_.Update("fraud-v2", EndpointSource::GroupVersion("G", 1));
  EXPECT_EQ(u.generation, 2);
  EXPECT_EQ(u.source, EndpointSource::GroupVersion("G", 1));
  EXPECT_EQ(u.created_at, a.created_at);
  EXPECT_GE(u.updated_at, a.updated_at);
  u = endpoints_.Update("fraud-v2", EndpointSource::GroupVersion("G", 1));
  EXPECT_EQ(u.generation, 3);
  EXPECT_EQ(reader.Get("fraud-v2").generation, 3);
  EXPECT_EQ(reader.Get("churn").generation, 1);  // others untouched

  const std::vector<EndpointEvent> history = endpoints_.History("fraud-v2");
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[0].action, "create");
  EXPECT_EQ(history[0].generation, 1);
  EXPECT_EQ(history[0].source, EndpointSource::Bundle(Bundle()));
  EXPECT_EQ(history[0].changed_by, "alice");
  EXPECT_EQ(history[1].action, "update");
  EXPECT_EQ(history[1].generation, 2);
  EXPECT_EQ(history[1].source, EndpointSource::GroupVersion("G", 1));
  EXPECT_EQ(history[2].generation, 3);
  EXPECT_LE(history[0].changed_at, history[2].changed_at);
  EXPECT_EQ(ToJson(history[1]), (Json{{"action", "update"},
                                      {"generation", 2},
                                      {"source", {{"kind", "group_version"}, {"group", "G"}, {"version", 1}}},
                                      {"changed_by", "alice"},
                                      {"changed_at", history[1].changed_at}}));
}

// A bundle is stored as an absolute, normalized path, whatever the caller's
// working directory was, so a server started elsewhere finds it.
TEST_P(EndpointStoreTest, BundlePathsAreStoredAbsolute) {
  const fs::path before = fs::current_path();
  fs::current_path(store_.dir().path());
  EndpointConfig c;
  try {
    c = endpoints_.Create("e", EndpointSource::Bundle("./model/"));
  } catch (...) {
    fs::current_path(before);
    throw;
  }
  fs::current_path(before);
  EXPECT_TRUE(c.source.bundle.is_absolute());
  EXPECT_EQ(c.source.bundle, Bundle());
  EXPECT_EQ(endpoints_.Update("e", EndpointSource::Bundle(store_.dir() / "other" / ".." / "other")).source.bundle,
            store_.dir() / "other");
}

TEST_P(EndpointStoreTest, PutCreatesUpdatesOrLeavesAlone) {
  using Action = EndpointStore::PutAction;
  EndpointStore::PutResult put = endpoints_.Put("e", EndpointSource::Bundle(Bundle()));
  EXPECT_EQ(put.action, Action::kCreated);
  EXPECT_EQ(put.config.generation, 1);
  // The same folder spelled differently is the same source: no new generation.
  put = endpoints_.Put("e", EndpointSource::Bundle(Bundle() / "." / ""));
  EXPECT_EQ(put.action, Action::kUnchanged);
  EXPECT_EQ(put.config.generation, 1);
  put = endpoints_.Put("e", EndpointSource::Bundle(store_.dir() / "other"));
  EXPECT_EQ(put.action, Action::kUpdated);
  EXPECT_EQ(put.config.generation, 2);
  EXPECT_EQ(put.config.source, EndpointSource::Bundle(store_.dir() / "other"));
  EXPECT_EQ(endpoints_.History("e").size(), 2u);
  EXPECT_THROW(endpoints_.Put("e", EndpointSource::Bundle(store_.dir() / "missing")), NotFound);
  EXPECT_THROW(endpoints_.Put("bad name", EndpointSource::Bundle(Bundle())), InvalidInput);
  EXPECT_EQ(endpoints_.Get("e").generation, 2);
}

TEST_P(EndpointStoreTest, HistorySurvivesDeleteAndGenerationsNeverRepeat) {
  endpoints_.Create("e", EndpointSource::Bundle(Bundle()));
  endpoints_.Update("e", EndpointSource::Bundle(store_.dir() / "other"));
  endpoints_.ReportStatus("e", {EndpointState::kServing, "m", 2, "", ""});
  endpoints_.Delete("e");
  EXPECT_THROW(endpoints_.Get("e"), NotFound);
  EXPECT_TRUE(endpoints_.List().empty());
  std::vector<EndpointEvent> history = endpoints_.History("e");
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[2].action, "delete");
  EXPECT_EQ(history[2].generation, 2);
  EXPECT_EQ(history[2].source, EndpointSource::Bundle(store_.dir() / "other"));  // what was removed

  // Re-created: above every earlier generation, without the old status, and
  // its history continues the old one.
  const EndpointConfig again = endpoints_.Create("e", EndpointSource::Bundle(Bundle()));
  EXPECT_EQ(again.generation, 3);
  EXPECT_FALSE(again.status.has_value());
  history = endpoints_.History("e");
  ASSERT_EQ(history.size(), 4u);
  EXPECT_EQ(history[0].action, "create");
  EXPECT_EQ(history[1].action, "update");
  EXPECT_EQ(history[2].action, "delete");
  EXPECT_EQ(history[3].action, "create");
  EXPECT_EQ(history[3].generation, 3);
  EXPECT_EQ(endpoints_.Update("e", EndpointSource::Bundle(Bundle())).generation, 4);
}

TEST_P(EndpointStoreTest, StatusIsOneRowPerEndpointReplacedByEachReport) {
  Register();
  endpoints_.Create("e", EndpointSource::GroupVersion("G", 1));
  endpoints_.Create("f", EndpointSource::Bundle(Bundle()));
  const EndpointStatus loading = endpoints_.ReportStatus("e", {EndpointState::kLoading, "G v1", 1, "", ""});
  EXPECT_EQ(loading.state, EndpointState::kLoading);
  EXPECT_FALSE(loading.reported_at.empty());
  EXPECT_EQ(endpoints_.Get("e").status->state, EndpointState::kLoading);

  endpoints_.ReportStatus("e", {EndpointState::kServing, "G v1", 1, "", "ignored"});
  EndpointConfig e = endpoints_.Get("e");
  ASSERT_TRUE(e.status.has_value());
  EXPECT_EQ(e.status->state, EndpointState::kServing);
  EXPECT_EQ(e.status->model, "G v1");
  EXPECT_EQ(e.status->generation, 1);
  EXPECT_EQ(e.status->message, "");
  EXPECT_NE(e.status->reported_at, "ignored");  // the store's clock, not the caller's
  EXPECT_GE(e.status->reported_at, loading.reported_at);
  EXPECT_FALSE(endpoints_.Get("f").status.has_value());

  // The status stays with its generation while the server catches up.
  endpoints_.Update("e", EndpointSource::Bundle(Bundle()));
  e = endpoints_.Get("e");
  EXPECT_EQ(e.generation, 2);
  EXPECT_EQ(e.status->generation, 1);
  endpoints_.ReportStatus("e", {EndpointState::kFailed, Bundle().string(), 2, "corrupt model bundle: x", ""});
  const std::vector<EndpointConfig> list = endpoints_.List();
  ASSERT_EQ(list.size(), 2u);
  ASSERT_TRUE(list[0].status.has_value());
  EXPECT_EQ(list[0].status->state, EndpointState::kFailed);
  EXPECT_EQ(list[0].status->generation, 2);
  EXPECT_EQ(list[0].status->message, "corrupt model bundle: x");
  EXPECT_EQ(ToJson(list[0])["status"]["state"], "failed");
  EXPECT_TRUE(ToJson(list[1])["status"].is_null());

  // A generation the endpoint has not reached, or an unknown endpoint.
  EXPECT_EQ(MessageOf([&] {
              endpoints_.ReportStatus("e", {EndpointState::kServing, "", 3, "", ""});
            }),
            "status for generation 3 of endpoint 'e', which is at generation 2");
  EXPECT_THROW(endpoints_.ReportStatus("e", {EndpointState::kServing, "", 0, "", ""}), InvalidInput);
  EXPECT_EQ(endpoints_.Get("e").status->state, EndpointState::kFailed);
  EXPECT_EQ(MessageOf([&] {
              endpoints_.ReportStatus("nope", {EndpointState::kServing, "", 1, "", ""});
            }),
            "endpoint 'nope' does not exist");
  EXPECT_THROW(endpoints_.ReportStatus("nope", {EndpointState::kServing, "", 1, "", ""}), NotFound);
}

TEST_P(EndpointStoreTest, ClearErrorsAndNothingHalfDone) {
  Register();
  for (const std::string& bad :
       std::vector<std::string>{"", "-lead", "has space", "semi;colon", std::string(64, 'a')}) {
    EXPECT_EQ(MessageOf([&] { endpoints_.Create(bad, EndpointSource::Bundle(Bundle())); }),
              "invalid endpoint name '" + bad +
                  "': use 1-63 letters, digits, '-', '_' or '.', starting with a letter or digit");
  }
  EXPECT_NO_THROW(endpoints_.Create(std::string(63, 'a'), EndpointSource::Bundle(Bundle())));
  endpoints_.Delete(std::string(63, 'a'));

  endpoints_.Create("e", EndpointSource::Bundle(Bundle()));
  EXPECT_EQ(MessageOf([&] { endpoints_.Create("e", EndpointSource::LatestApproved("G")); }),
            "endpoint 'e' already exists");
  EXPECT_THROW(endpoints_.Create("e", EndpointSource::LatestApproved("G")), Conflict);

  const fs::path missing = store_.dir() / "missing";
  EXPECT_EQ(MessageOf([&] { endpoints_.Create("x", EndpointSource::Bundle(missing)); }),
            "model folder not found: " + missing.string());
  EXPECT_THROW(endpoints_.Create("x", EndpointSource::Bundle(missing)), NotFound);
  EXPECT_EQ(MessageOf([&] { endpoints_.Create("x", EndpointSource::Bundle(store_.dir().path())); }),
            store_.dir().path().string() + " is not a model bundle (no manifest.json)");
  EXPECT_THROW(endpoints_.Create("x", EndpointSource::Bundle(store_.dir().path())), InvalidInput);
  EXPECT_THROW(endpoints_.Create("x", EndpointSource::Bundle("")), InvalidInput);
  EXPECT_EQ(MessageOf([&] { endpoints_.Create("x", EndpointSource::LatestApproved("Nope")); }),
            "model package group 'Nope' does not exist");
  EXPECT_THROW(endpoints_.Create("x", EndpointSource::GroupVersion("Nope", 1)), NotFound);
  EXPECT_EQ(MessageOf([&] { endpoints_.Create("x", EndpointSource::GroupVersion("G", 7)); }),
            "model package group 'G' has no version 7");
  EXPECT_EQ(MessageOf([&] { endpoints_.Create("x", EndpointSource::GroupVersion("G", 0)); }),
            "invalid model version 0: versions start at 1");
  EXPECT_THROW(endpoints_.Create("x", EndpointSource::LatestApproved("bad group!")), InvalidInput);

  EXPECT_EQ(MessageOf([&] { endpoints_.Get("nope"); }), "endpoint 'nope' does not exist");
  EXPECT_THROW(endpoints_.Get("nope"), NotFound);
  EXPECT_THROW(endpoints_.Update("nope", EndpointSource::Bundle(Bundle())), NotFound);
  // An unknown endpoint is named before a bad source.
  EXPECT_EQ(MessageOf([&] { endpoints_.Update("nope", EndpointSource::Bundle(missing)); }),
            "endpoint 'nope' does not exist");
  EXPECT_THROW(endpoints_.Delete("nope"), NotFound);
  EXPECT_THROW(endpoints_.History("nope"), NotFound);
  EXPECT_THROW(endpoints_.Update("e", EndpointSource::GroupVersion("G", 9)), NotFound);

  // The failed calls changed nothing.
  const std::vector<EndpointConfig> list = endpoints_.List();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].name, "e");
  EXPECT_EQ(list[0].generation, 1);
  EXPECT_EQ(list[0].source, EndpointSource::Bundle(Bundle()));
  EXPECT_EQ(endpoints_.History("e").size(), 1u);
  EXPECT_THROW(endpoints_.History("x"), NotFound);  // the failed creations left no history
}

TEST_P(EndpointStoreTest, ResolvesEachKindOfSource) {
  // A bundle: the folder itself.
  ResolvedModel m = ResolveEndpointModel(EndpointSource::Bundle(Bundle()), registry_);
  EXPECT_EQ(m.bundle, Bundle());
  EXPECT_EQ(m.description, Bundle().string());
  EXPECT_EQ(m.group, "");
  EXPECT_EQ(m.version, 0);
  EXPECT_EQ(m.artifact_hash, "");

  // A group version: the registry's stored copy, not the source folder.
  const ModelVersion v1 = Register();
  m = ResolveEndpointModel(EndpointSource::GroupVersion("G", 1), registry_);
  EXPECT_EQ(m.bundle, v1.artifact_path);
  EXPECT_EQ(m.bundle, artifacts_.VerifiedPath(v1.artifact_hash));
  EXPECT_EQ(m.description, "G v1");
  EXPECT_EQ(m.group, "G");
  EXPECT_EQ(m.version, 1);
  EXPECT_EQ(m.artifact_hash, v1.artifact_hash);
  EXPECT_TRUE(fs::exists(m.bundle / "manifest.json"));
  EXPECT_THROW(ResolveEndpointModel(EndpointSource::GroupVersion("G", 2), registry_), NotFound);

  // The latest Approved version: none yet (the endpoint may exist meanwhile),
  // then whichever is the highest Approved at the time of asking.
  const EndpointConfig follow = endpoints_.Create("follow", EndpointSource::LatestApproved("G"));
  EXPECT_EQ(MessageOf([&] { ResolveEndpointModel(follow.source, registry_); }),
            "model package group 'G' has no Approved version");
  EXPECT_THROW(ResolveEndpointModel(follow.source, registry_), NotFound);
  store_.dir().Write("model/manifest.json", "{\"format\": \"tabpilot-model\", \"v\": 2}\n");
  const ModelVersion v2 = Register();
  registry_.UpdateApprovalStatus("G", 1, ApprovalStatus::kApproved, "");
  m = ResolveEndpointModel(follow.source, registry_);
  EXPECT_EQ(m.description, "G v1");
  EXPECT_EQ(m.version, 1);
  registry_.UpdateApprovalStatus("G", 2, ApprovalStatus::kApproved, "");
  m = ResolveEndpointModel(follow.source, registry_);
  EXPECT_EQ(m.description, "G v2");
  EXPECT_EQ(m.bundle, v2.artifact_path);
  EXPECT_EQ(m.artifact_hash, v2.artifact_hash);
  EXPECT_NE(v2.artifact_hash, v1.artifact_hash);
  EXPECT_EQ(endpoints_.Get("follow").generation, 1);  // approvals do not touch the configuration
  EXPECT_THROW(ResolveEndpointModel(EndpointSource::LatestApproved("Nope"), registry_), NotFound);

  // A bundle folder that lost its manifest, or went away, after the endpoint was made.
  endpoints_.Create("b", EndpointSource::Bundle(store_.dir() / "other"));
  fs::remove(store_.dir() / "other" / "manifest.json");
  EXPECT_EQ(MessageOf([&] { ResolveEndpointModel(endpoints_.Get("b").source, registry_); }),
            (store_.dir() / "other").string() + " is not a model bundle (no manifest.json)");
  EXPECT_THROW(ResolveEndpointModel(endpoints_.Get("b").source, registry_), InvalidInput);
  fs::remove_all(store_.dir() / "other");
  EXPECT_THROW(ResolveEndpointModel(endpoints_.Get("b").source, registry_), NotFound);
}

// Several processes' servers and CLIs share one store: of concurrent creations
// of one name exactly one wins, the others get Conflict.
TEST_P(EndpointStoreTest, ConcurrentCreatesOfOneNameHaveOneWinner) {
  constexpr int kThreads = 4;
  std::atomic<int> created{0}, conflicts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      try {
        auto db = store_.Open();
        ArtifactStore artifacts(store_.dir() / "artifacts");
        ModelRegistry registry(*db, artifacts);
        EndpointStore endpoints(*db, registry);
        endpoints.Create("e", EndpointSource::Bundle(Bundle()));
        ++created;
      } catch (const Conflict&) {
        ++conflicts;
      } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(conflicts.load(), kThreads - 1);
  EXPECT_EQ(endpoints_.History("e").size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, EndpointStoreTest, ::testing::ValuesIn(testing::StoreBackends()),
                         [](const auto& param_info) { return param_info.param; });

TEST(EndpointSource, JsonRoundTripsAndRejectsUnknownKeys) {
  for (const EndpointSource& s : {EndpointSource::Bundle("/models/m"), EndpointSource::GroupVersion("G", 3),
                                  EndpointSource::LatestApproved("G")}) {
    EXPECT_EQ(EndpointSourceFromJson(ToJson(s)), s) << ToJson(s).dump();
  }
  EXPECT_EQ(ToJson(EndpointSource::Bundle("/models/m")), (Json{{"kind", "bundle"}, {"path", "/models/m"}}));
  EXPECT_EQ(ToJson(EndpointSource::LatestApproved("G")), (Json{{"kind", "latest_approved"}, {"group", "G"}}));
  EXPECT_EQ(DescribeSource(EndpointSource::Bundle("/models/m")), "bundle /models/m");
  EXPECT_EQ(DescribeSource(EndpointSource::GroupVersion("G", 3)), "group G version 3");
  EXPECT_EQ(DescribeSource(EndpointSource::LatestApproved("G")), "group G latest Approved version");

  EXPECT_EQ(MessageOf([] {
              EndpointSourceFromJson(Json{{"kind", "latest_approved"}, {"group", "G"}, {"version", 2}});
            }),
            "endpoint model source: unknown key 'version' for kind latest_approved");
  EXPECT_EQ(MessageOf([] {
              EndpointSourceFromJson(Json{{"kind", "s3"}});
            }),
            "invalid model source kind 's3' (valid: bundle, group_version, latest_approved)");
  EXPECT_THROW(EndpointSourceFromJson(Json{{"kind", "group_version"}, {"group", "G"}}), InvalidInput);
  EXPECT_THROW(EndpointSourceFromJson(Json{{"kind", "group_version"}, {"group", "G"}, {"version", "3"}}), InvalidInput);
  EXPECT_THROW(EndpointSourceFromJson(Json{{"kind", "bundle"}}), InvalidInput);
  EXPECT_THROW(EndpointSourceFromJson(Json::array()), InvalidInput);
}

TEST(EndpointState, NamesRoundTrip) {
  for (EndpointState s : {EndpointState::kLoading, EndpointState::kServing, EndpointState::kFailed}) {
    EXPECT_EQ(ParseEndpointState(ToString(s)), s);
  }
  EXPECT_EQ(ToString(EndpointState::kServing), "serving");
  EXPECT_EQ(MessageOf([] { ParseEndpointState("Serving"); }),
            "invalid endpoint state 'Serving' (valid: loading, serving, failed)");
}

}  // namespace
}  // namespace tabpilot
