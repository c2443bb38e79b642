// The web UI's JSON API (docs/ui-api.md) over a store holding a registered
// trained bundle, AutoML jobs, a pipeline execution and an endpoint: every
// route's answer, pagination, the approve flow with its audit trail, try-it
// predictions whose SHAP values add up, and the safety checks (token,
// CSRF, content type, bad paths and parameters). UiApi is one CTest test:
// its tests share the bundle.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "../predict/trained_bundles.h"
#include "core/error.h"
#include "jobs/automl_jobs.h"
#include "model/bundle.h"
#include "pipeline/records.h"
#include "registry/model_registry.h"
#include "serve/endpoint_store.h"
#include "store/store_location.h"
#include "support/test_support.h"
#include "ui/static_files.h"
#include "ui/ui_api.h"

namespace tabpilot {
namespace {
namespace fs = std::filesystem;

const char* kPipelineYaml = R"(name: Small
parameters:
  threshold: {type: float, default: 0.5}
steps:
  - name: Prepare
    type: processing
    command: "true"
    outputs: [data]
  - name: Check
    type: condition
    condition:
      ">=": [1, "${params.threshold}"]
    depends_on: [Prepare]
    then:
      - name: Done
        type: fail
        message: never
)";

class UiApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    SaveBundle(testing::TrainBundle(Task::kBinary, {"xgboost", "linear"}, 3), *dir_ / "model", SaveOptions{});
    Store store = OpenStore((*dir_ / "store.db").string());
    ModelRegistry registry(*store.db, store.artifacts, {.user = "alice"});
    RegisterRequest r;
    r.group = "G";
    r.model_dir = *dir_ / "model";
    r.evaluation_report = {{"binary_classification_metrics", {{"f1", {{"value", 0.7}}}}}};
    registry.Register(r);
    r.evaluation_report = {{"binary_classification_metrics", {{"f1", {{"value", 0.75}}}}}};
    registry.Register(r);
    EndpointStore endpoints(*store.db, registry);
    endpoints.Create("live", EndpointSource::LatestApproved("G"));
    AutoMLJobs jobs(*store.db);
    for (int i = 0; i < 3; ++i) {
      AutoMLJobRecord j;
      j.id = "automl-" + std::to_string(i);
      j.created_at = "2026-12-0" + std::to_string(i + 1) + "T00:00:00.000Z";
      j.status = kJobCompleted;
      j.target = "target";
      j.leaderboard = Json::array({{{"model", "WeightedEnsemble"}, {"score_val", 0.9}}});
      jobs.Create(j);
    }
    ExecutionRecords records(*store.db);
    ExecutionRecord e;
    e.id = "20261204-000000-abcdef";
    e.pipeline_name = "Small";
    e.definition = kPipelineYaml;
    e.source_path = (*dir_ / "pipeline.yaml").string();
    e.base_dir = dir_->path().string();
    e.status = RunStatus::kSucceeded;
    e.start_time = "2026-12-04T00:00:00.000Z";
    records.CreateExecution(e);
    StepRecord s;
    s.execution_id = e.id;
    s.step_name = "Prepare";
    s.step_type = "processing";
    s.status = RunStatus::kSucceeded;
    s.log_path = dir_->Write("prepare.log", "== attempt 1\n<script>alert(1)</script>\n").string();
    records.SaveStep(s);
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  static UiApi::Options StoreOptions() {
    UiApi::Options o;
    o.store = (*dir_ / "store.db").string();
    o.user = "bob";
    return o;
  }

  HttpResponse Get(const std::string& target, UiApi* api = nullptr) {
    HttpRequest r;
    r.method = "GET";
    r.target = target;
    const size_t q = target.find('?');
    r.path = target.substr(0, q);
    r.query = q == std::string::npos ? "" : target.substr(q + 1);
    return (api ? *api : api_).Handle(r);
  }
  HttpResponse Post(const std::string& path, const Json& body, bool csrf = true,
                    const std::string& type = "application/json") {
    HttpRequest r;
    r.method = "POST";
    r.target = r.path = path;
    r.body = body.dump();
    r.headers.emplace_back("content-type", type);
    if (csrf) r.headers.emplace_back("x-csrf-token", api_.csrf_token());
    return api_.Handle(r);
  }
  static Json Body(const HttpResponse& r) { return Json::parse(r.body); }

  static testing::TempDir* dir_;
  UiApi api_{StoreOptions()};
};
testing::TempDir* UiApiTest::dir_ = nullptr;

TEST_F(UiApiTest, SessionGivesTheCsrfTokenAndTheStoreCounts) {
  const HttpResponse r = Get("/api/session");
  ASSERT_EQ(r.status, 200) << r.body;
  const Json j = Body(r);
  EXPECT_EQ(j["csrf_token"], api_.csrf_token());
  EXPECT_EQ(j["csrf_token"].get<std::string>().size(), 32u);
  EXPECT_EQ(j["auth"], false);
  EXPECT_EQ(j["counts"]["jobs"], 3);
  EXPECT_EQ(j["counts"]["versions"], 2);
  EXPECT_EQ(j["counts"]["executions"], 1);
  EXPECT_EQ(j["counts"]["endpoints"], 1);
  bool csp = false;
  for (const auto& [name, value] : r.headers) csp |= name == "Content-Security-Policy";
  EXPECT_TRUE(csp);
}

TEST_F(UiApiTest, JobsInPagesNewestFirstAndOneWithItsLeaderboard) {
  const Json page = Body(Get("/api/jobs?limit=2"));
  EXPECT_EQ(page["total"], 3);
  ASSERT_EQ(page["items"].size(), 2u);
  EXPECT_EQ(page["items"][0]["id"], "automl-2");
  EXPECT_EQ(Body(Get("/api/jobs?offset=2&limit=2"))["items"][0]["id"], "automl-0");
  const Json job = Body(Get("/api/jobs/automl-1"));
  EXPECT_EQ(job["status"], "Completed");
  EXPECT_EQ(job["leaderboard"][0]["model"], "WeightedEnsemble");
  EXPECT_EQ(Get("/api/jobs/automl-9").status, 404);
  EXPECT_EQ(Get("/api/jobs?limit=0").status, 400);
  EXPECT_EQ(Get("/api/jobs?offset=x").status, 400);
}

TEST_F(UiApiTest, GroupsVersionsAndTheMetricAcrossVersions) {
  const Json groups = Body(Get("/api/groups"));
  ASSERT_EQ(groups["items"].size(), 1u);
  EXPECT_EQ(groups["items"][0]["latest_version"], 2);
  const Json versions = Body(Get("/api/groups/G/versions"));
  EXPECT_EQ(versions["total"], 2);
  EXPECT_EQ(versions["items"][0]["version"], 2);
  EXPECT_EQ(versions["items"][0]["metrics"]["f1"], 0.75);
  const Json series = Body(Get("/api/groups/G/metrics"));
  EXPECT_EQ(series["metric"], "f1");
  ASSERT_EQ(series["points"].size(), 2u);
  EXPECT_EQ(series["points"][0]["version"], 1);
  EXPECT_EQ(series["points"][0]["value"], 0.7);
  EXPECT_EQ(Get("/api/groups/H/versions").status, 404);
  EXPECT_EQ(Get("/api/groups/G/versions/7").status, 404);
  EXPECT_EQ(Get("/api/groups/G/versions/x").status, 404);
}

TEST_F(UiApiTest, AVersionCarriesItsReportsProblemAndAFormSchema) {
  const HttpResponse r = Get("/api/groups/G/versions/1");
  ASSERT_EQ(r.status, 200) << r.body;
  const Json v = Body(r);
  EXPECT_EQ(v["status"], "PendingManualApproval");
  ASSERT_EQ(v["audit"].size(), 1u);
  EXPECT_EQ(v["evaluation_report"]["binary_classification_metrics"]["f1"]["value"], 0.7);
  for (const char* report : {"data", "model_quality", "explainability"}) {
    EXPECT_TRUE(v["reports"].contains(report)) << report;
  }
  EXPECT_TRUE(v["reports"]["model_quality"]["binary_classification_metrics"].contains("threshold_curve"));
  EXPECT_EQ(v["problem"]["task"], "binary");
  ASSERT_EQ(v["input_schema"].size(), 4u);
  for (const Json& c : v["input_schema"]) {
    EXPECT_TRUE(c.contains("example")) << c.dump();
    if (c["type"] == "categorical") {
      EXPECT_FALSE(c["values"].empty()) << c.dump();
    }
  }
}

TEST_F(UiApiTest, ApprovingNeedsTheCsrfTokenAndAJsonBodyAndIsAudited) {
  const std::string path = "/api/groups/G/versions/1/status";
  EXPECT_EQ(Post(path, {{"status", "Approved"}}, false).status, 403);
  EXPECT_EQ(Post(path, {{"status", "Approved"}}, true, "text/plain").status, 415);
  EXPECT_EQ(Post(path, {{"status", "Maybe"}}).status, 400);
  EXPECT_EQ(Post(path, {{"comment", "no status"}}).status, 400);
  EXPECT_EQ(Body(Get("/api/groups/G/versions/1"))["status"], "PendingManualApproval");

  const HttpResponse r = Post(path, {{"status", "Approved"}, {"comment", "F1 <b>fine</b>"}});
  ASSERT_EQ(r.status, 200) << r.body;
  const Json v = Body(r);
  EXPECT_EQ(v["status"], "Approved");
  ASSERT_EQ(v["audit"].size(), 2u);
  EXPECT_EQ(v["audit"][1]["old_status"], "PendingManualApproval");
  EXPECT_TRUE(v["audit"][0]["old_status"].is_null());  // the registration
  EXPECT_EQ(v["audit"][1]["new_status"], "Approved");
  EXPECT_EQ(v["audit"][1]["comment"], "F1 <b>fine</b>");  // stored as given; the page sets it as text
  EXPECT_EQ(v["audit"][1]["changed_by"], "bob");

  // The endpoint follows the group's latest Approved version: now version 1.
  const HttpResponse p = Post("/api/endpoints/live/predict", {{"row", {{"a", 1.5}, {"colour", "c3"}}}});
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(Body(p)["model"]["version"], 1);
}

// The contributions add up to the explained value (base + sum), and the
// probabilities to 1.
void ExpectConsistent(const Json& answer) {
  double total = 0;
  for (const auto& [label, p] : answer["probabilities"].items()) total += p.get<double>();
  EXPECT_NEAR(total, 1.0, 1e-5) << answer.dump();
  const Json& e = answer["explanation"];
  double sum = e["base_value"].get<double>();
  for (const Json& c : e["contributions"]) sum += c["shap"].get<double>();
  EXPECT_NEAR(sum, e["value"].get<double>(), 1e-4) << answer.dump();
  EXPECT_EQ(e["contributions"].size(), 4u);
  // Largest |shap| first.
  for (size_t i = 1; i < e["contributions"].size(); ++i) {
    EXPECT_GE(std::fabs(e["contributions"][i - 1]["shap"].get<double>()),
              std::fabs(e["contributions"][i]["shap"].get<double>()));
  }
}

TEST_F(UiApiTest, TryItPredictsAndExplainsARowGivenOrPicked) {
  const HttpResponse r =
      Post("/api/groups/G/versions/2/predict", {{"row", {{"a", 0.3}, {"b", ""}, {"colour", "c1"}, {"size", 1}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  ExpectConsistent(Body(r));
  EXPECT_EQ(Body(r)["explanation"]["scale"], "log_odds");

  const Json rows = Body(Get("/api/groups/G/versions/2/rows?limit=3"));
  EXPECT_EQ(rows["total"], 200);
  ASSERT_EQ(rows["items"].size(), 3u);
  EXPECT_EQ(rows["columns"].size(), 4u);
  const HttpResponse e = Get("/api/groups/G/versions/2/explain?row=2");
  ASSERT_EQ(e.status, 200) << e.body;
  ExpectConsistent(Body(e));
  EXPECT_EQ(Body(e)["row"], 2);

  EXPECT_EQ(Get("/api/groups/G/versions/2/explain?row=200").status, 400);
  EXPECT_EQ(Get("/api/groups/G/versions/2/explain").status, 400);
  EXPECT_EQ(Post("/api/groups/G/versions/2/predict", {{"row", {{"a", "abc"}}}}).status, 400);
  EXPECT_EQ(Post("/api/groups/G/versions/2/predict", {{"row", {{"nope", 1}}}}).status, 400);
  EXPECT_EQ(Post("/api/groups/G/versions/2/predict", {{"rows", 1}}).status, 400);
}

TEST_F(UiApiTest, AnExecutionWithItsDagStepsNotRunAndTheLogTail) {
  const Json pipelines = Body(Get("/api/pipelines"));
  ASSERT_EQ(pipelines["items"].size(), 1u);
  EXPECT_EQ(pipelines["items"][0]["executions"], 1);
  EXPECT_EQ(pipelines["items"][0]["latest_status"], "Succeeded");
  EXPECT_EQ(Body(Get("/api/executions?pipeline=Small"))["total"], 1);
  EXPECT_EQ(Body(Get("/api/executions?pipeline=Other"))["total"], 0);
  const HttpResponse r = Get("/api/executions/20261204-000000-abcdef");
  ASSERT_EQ(r.status, 200) << r.body;
  const Json e = Body(r);
  ASSERT_EQ(e["steps"].size(), 3u);
  EXPECT_EQ(e["steps"][0]["name"], "Prepare");
  EXPECT_EQ(e["steps"][0]["status"], "Succeeded");
  EXPECT_EQ(e["steps"][1]["status"], "NotStarted");
  bool prepare_to_check = false;
  for (const Json& edge : e["edges"]) prepare_to_check |= edge[0] == "Prepare" && edge[1] == "Check";
  EXPECT_TRUE(prepare_to_check) << e["edges"].dump();
  const HttpResponse log = Get("/api/executions/20261204-000000-abcdef/steps/Prepare/log");
  ASSERT_EQ(log.status, 200);
  EXPECT_EQ(log.content_type.rfind("text/plain", 0), 0u);
  EXPECT_NE(log.body.find("<script>"), std::string::npos);  // as text: the page never renders it as HTML
  EXPECT_EQ(Get("/api/executions/20261204-000000-abcdef/steps/Check/log").status, 404);
  EXPECT_EQ(Get("/api/executions/nope").status, 404);
}

TEST_F(UiApiTest, EndpointsListedWithoutALiveServer) {
  const Json j = Body(Get("/api/endpoints"));
  ASSERT_EQ(j["items"].size(), 1u);
  EXPECT_EQ(j["items"][0]["name"], "live");
  EXPECT_TRUE(j["items"][0]["live"].is_null());
  EXPECT_TRUE(j["live_url"].is_null());
  EXPECT_EQ(Post("/api/endpoints/none/predict", {{"row", Json::object()}}).status, 404);
}

TEST_F(UiApiTest, UnknownRoutesBadEncodingAndMethods) {
  EXPECT_EQ(Get("/api/nothing").status, 404);
  EXPECT_EQ(Get("/api/groups/%zz/versions").status, 400);
  EXPECT_EQ(Get("/api/groups/%2e%2e/versions").status, 404);
  EXPECT_EQ(Get("/api/jobs/a%00b").status, 400);
  HttpRequest del;
  del.method = "DELETE";
  del.target = del.path = "/api/jobs";
  EXPECT_EQ(api_.Handle(del).status, 405);
}

TEST_F(UiApiTest, WithATokenEveryRouteNeedsIt) {
  UiApi::Options o = StoreOptions();
  o.auth_token = "s3cret";
  UiApi api(o);
  EXPECT_EQ(Get("/api/session", &api).status, 401);
  HttpRequest r;
  r.method = "GET";
  r.target = r.path = "/api/session";
  r.headers.emplace_back("authorization", "Bearer s3cret");
  const HttpResponse ok = api.Handle(r);
  ASSERT_EQ(ok.status, 200);
  EXPECT_EQ(Body(ok)["auth"], true);
  r.headers.back().second = "Bearer s3cre";
  EXPECT_EQ(api.Handle(r).status, 401);
}

TEST(StaticFiles, AnswersTheBuiltFilesAndIndexForAnythingElse) {
  testing::TempDir dir;
  dir.Write("index.html", "<!doctype html><title>t</title>");
  dir.Write("app-D6O3X3SE.js", "console.log(1)");
  dir.Write("app.css", "body{}");
  const StaticFiles files(dir.path());
  const HttpResponse js = files.Answer("/app-D6O3X3SE.js");
  EXPECT_EQ(js.body, "console.log(1)");
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  auto cache = [](const HttpResponse& r) {
    for (const auto& [name, value] : r.headers) {
      if (name == "Cache-Control") return value;
    }
    return std::string();
  };
  // Hashed scripts are kept; what names them, and the style sheet, revalidated.
  EXPECT_EQ(cache(js), "max-age=31536000, immutable");
  EXPECT_EQ(cache(files.Answer("/")), "no-cache");
  EXPECT_EQ(cache(files.Answer("/app.css")), "no-cache");
  EXPECT_EQ(files.Answer("/").body, "<!doctype html><title>t</title>");
  // Never a file outside the folder: anything unknown is the index.
  EXPECT_EQ(files.Answer("/../../etc/passwd").body, "<!doctype html><title>t</title>");
  EXPECT_EQ(files.Answer("/%2e%2e/secret").content_type, "text/html; charset=utf-8");

  testing::TempDir empty;
  try {
    const StaticFiles none(empty.path());
    FAIL() << "no error for a folder without index.html";
  } catch (const NotFound& e) {
    EXPECT_NE(std::string(e.what()).find("scripts/setup.sh"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tabpilot
