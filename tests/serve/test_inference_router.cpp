// The routes (serve/inference_router.h) over a model manager serving a
// trained bundle, called without a network: every format gives the batch
// predictor's answers, every bad request its status and a message naming
// the row and column, and a hot swap or a failed load never leaves a
// request without a model.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "core/json.h"
#include "data/csv_reader.h"
#include "model/bundle.h"
#include "predict/trained_bundles.h"
#include "serve/inference_router.h"
#include "serve/model_manager.h"
#include "support/test_support.h"

namespace tabpilot {
namespace {

// A watch the test changes between refreshes.
class MutableWatch : public EndpointWatch {
 public:
  explicit MutableWatch(std::vector<EndpointTarget>* targets) : targets_(targets) {}
  std::vector<EndpointTarget> Current() override { return *targets_; }
  void Report(const std::string& endpoint, const EndpointStatus& status) override {
    reports.push_back(endpoint + ":" + ToString(status.state));
  }
  std::vector<std::string> reports;

 private:
  std::vector<EndpointTarget>* targets_;
};

EndpointTarget Target(const std::string& name, const std::filesystem::path& bundle, int64_t generation) {
  EndpointTarget t;
  t.identity.endpoint = name;
  t.identity.model = bundle.filename().string();
  t.identity.generation = generation;
  t.identity.bundle = bundle;
  return t;
}

HttpRequest Request(const std::string& method, const std::string& target, const std::string& body = "",
                    const std::string& content_type = "", const std::string& accept = "") {
  HttpRequest r;
  r.method = method;
  r.target = target;
  const size_t q = target.find('?');
  r.path = target.substr(0, q);
  if (q != std::string::npos) r.query = target.substr(q + 1);
  if (!content_type.empty()) r.headers.emplace_back("content-type", content_type);
  if (!accept.empty()) r.headers.emplace_back("accept", accept);
  r.body = body;
  return r;
}

class Router : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    SaveBundle(testing::TrainBundle(Task::kBinary, {"xgboost", "linear"}, 3), *dir_ / "a", SaveOptions{});
    SaveBundle(testing::TrainBundle(Task::kMulticlass, {"xgboost"}, 1), *dir_ / "b", SaveOptions{});
    // A bundle that keeps no background rows (as bundles from before explanations).
    Bundle plain = testing::TrainBundle(Task::kBinary, {"linear"}, 1);
    plain.background_csv.clear();
    SaveBundle(plain, *dir_ / "plain", SaveOptions{});
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    targets_ = {Target("adult", *dir_ / "a", 1)};
    auto watch = std::make_unique<MutableWatch>(&targets_);
    watch_ = watch.get();
    manager_ = std::make_unique<ModelManager>(std::move(watch), ModelManager::Options{}, Logger(Logger::Level::kQuiet));
    manager_->Refresh();
    router_ = std::make_unique<InferenceRouter>(*manager_, metrics_,
                                                Options([this](const std::string& l) { log_.push_back(l); }));
  }
  static InferenceRouter::Options Options(InferenceRouter::LogSink log, std::string token = "") {
    InferenceRouter::Options o;
    o.log = std::move(log);
    o.auth_token = std::move(token);
    return o;
  }
  HttpResponse Call(HttpRequest r) { return router_->Handle(r); }
  // `csv` without its header, and its row count.
  static std::string QueryBody(const std::string& csv, size_t* rows) {
    const std::string body = csv.substr(csv.find('\n') + 1);
    *rows = static_cast<size_t>(std::count(body.begin(), body.end(), '\n'));
    return body;
  }

  static testing::TempDir* dir_;
  std::vector<EndpointTarget> targets_;
  MutableWatch* watch_ = nullptr;
  std::unique_ptr<ModelManager> manager_;
  ServerMetrics metrics_;
  std::vector<std::string> log_;
  std::unique_ptr<InferenceRouter> router_;
};
testing::TempDir* Router::dir_ = nullptr;

TEST_F(Router, InvocationsGiveTheBatchPredictorsAnswersInEveryFormat) {
  // Rows of the training distribution, some cells missing (a request with
  // "inf" or another non-number in a numeric column is a 400: below).
  const std::string csv = testing::PredictCsv(Task::kBinary, 40, 7);
  Predictor::Options options;
  const auto predictor = Predictor::Load(*dir_ / "a", options);
  const RawTable raw = ParseRawCsv(csv, "query", CsvOptions{});
  const Table table = BuildPredictionInput(raw, predictor->input_schema(), Logger(Logger::Level::kQuiet));
  const Matrix want = predictor->Predict(table);
  const std::vector<std::string> labels = predictor->Labels(want);
  // CSV with its header (the target column is not in the query; extra columns are ignored).
  HttpResponse r =
      Call(Request("POST", "/invocations?output=predicted_label,probabilities", csv, "text/csv", "application/json"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "application/json");
  const Json got = Json::parse(r.body)["predictions"];
  ASSERT_EQ(got.size(), want.rows);
  for (size_t i = 0; i < want.rows; ++i) {
    EXPECT_EQ(got[i]["predicted_label"], labels[i]) << "row " << i;
    EXPECT_FLOAT_EQ(got[i]["probabilities"][1].get<float>(), want.at(i, 1)) << "row " << i;
  }
  // The same rows as JSON arrays (more than the one-row path takes: a table
  // built from the cells).
  Json instances = Json::array();
  for (size_t i = 0; i < raw.num_rows(); ++i) {
    Json row = Json::array();
    for (size_t c = 0; c < 4; ++c) row.push_back(raw.is_missing(i, c) ? Json() : Json(std::string(raw.cell(i, c))));
    instances.push_back(row);
  }
  HttpResponse js = Call(
      Request("POST", "/invocations?output=probability", Json{{"instances", instances}}.dump(), "application/json"));
  ASSERT_EQ(js.status, 200) << js.body;
  const Json js_rows = Json::parse(js.body)["predictions"];
  ASSERT_EQ(js_rows.size(), want.rows);
  for (size_t i = 0; i < want.rows; ++i) EXPECT_FLOAT_EQ(js_rows[i]["probability"].get<float>(), want.at(i, 1));
  // The same rows one at a time (the one-row path), each with the header.
  size_t n = 0;
  const std::string body = QueryBody(csv, &n);
  const std::string header = csv.substr(0, csv.find('\n') + 1);
  size_t start = 0;
  for (size_t i = 0; i < n; ++i) {
    const size_t eol = body.find('\n', start);
    HttpResponse one = Call(Request("POST", "/invocations", header + body.substr(start, eol + 1 - start), "text/csv"));
    start = eol + 1;
    ASSERT_EQ(one.status, 200) << one.body;
    EXPECT_EQ(one.content_type, "text/csv");
    std::string label = labels[i];
    if (label.find(',') != std::string::npos) label = "\"" + label + "\"";
    EXPECT_EQ(one.body, label + "\n") << "row " << i;
  }
  // JSON lines in, JSON lines out, by endpoint path: the first two rows.
  HttpResponse lines = Call(Request("POST", "/endpoints/adult/invocations?output=probability",
                                    Json{{"a", std::string(raw.cell(0, 0))},
                                         {"b", std::string(raw.cell(0, 1))},
                                         {"colour", std::string(raw.cell(0, 2))},
                                         {"size", std::string(raw.cell(0, 3))}}
                                            .dump() +
                                        "\n" +
                                        Json::array({std::string(raw.cell(1, 0)), std::string(raw.cell(1, 1)),
                                                     std::string(raw.cell(1, 2)), std::string(raw.cell(1, 3))})
                                            .dump() +
                                        "\n",
                                    "application/jsonlines"));
  ASSERT_EQ(lines.status, 200) << lines.body;
  EXPECT_EQ(lines.content_type, "application/jsonlines");
  const size_t nl = lines.body.find('\n');
  EXPECT_FLOAT_EQ(Json::parse(lines.body.substr(0, nl))["probability"].get<float>(), want.at(0, 1));
  EXPECT_FLOAT_EQ(Json::parse(lines.body.substr(nl + 1))["probability"].get<float>(), want.at(1, 1));
  EXPECT_EQ(log_.size(), n + 3);
  EXPECT_NE(log_.back().find("\"route\":\"invocations\""), std::string::npos);
}

TEST_F(Router, BadRequestsGetTheirStatusAndAMessage) {
  const auto status_and_error = [&](HttpRequest r) {
    HttpResponse a = Call(std::move(r));
    std::string error;
    if (a.content_type == "application/json") error = Json::parse(a.body).value("error", "");
    return std::make_pair(a.status, error);
  };
  auto [s1, e1] = status_and_error(Request("POST", "/invocations", "1,2,red,1\nabc,2,red,1\n", "text/csv"));
  EXPECT_EQ(s1, 400);
  EXPECT_NE(e1.find("row 2, column 'a': 'abc' is not a number"), std::string::npos) << e1;
  auto [s2, e2] = status_and_error(Request("POST", "/invocations", "1,2\n", "text/csv"));
  EXPECT_EQ(s2, 400);
  EXPECT_NE(e2.find("expected 4 fields, found 2"), std::string::npos) << e2;
  EXPECT_EQ(status_and_error(Request("POST", "/invocations", "<x/>", "application/xml")).first, 415);
  EXPECT_EQ(status_and_error(Request("POST", "/invocations", "1,2,red,1\n", "text/csv", "image/png")).first, 406);
  EXPECT_EQ(status_and_error(Request("POST", "/invocations", "", "text/csv")).first, 400);
  EXPECT_EQ(status_and_error(Request("GET", "/invocations")).first, 405);
  EXPECT_EQ(status_and_error(Request("POST", "/endpoints/nope/invocations", "1,2,red,1\n", "text/csv")).first, 404);
  EXPECT_EQ(status_and_error(Request("GET", "/nothing/here")).first, 404);
  auto [s3, e3] = status_and_error(Request("POST", "/invocations", R"({"instances": [{"a": 1}]})", "application/json"));
  EXPECT_EQ(s3, 400);
  EXPECT_NE(e3.find("row 1: missing column"), std::string::npos) << e3;
  EXPECT_EQ(status_and_error(Request("POST", "/invocations?output=colour", "1,2,red,1\n", "text/csv")).first, 400);
  // Errors are counted by status.
  const std::string metrics = Call(Request("GET", "/metrics")).body;
  EXPECT_NE(metrics.find("tabpilot_requests_total{endpoint=\"adult\",route=\"invocations\",status=\"400\"}"),
            std::string::npos)
      << metrics;
  // An unknown endpoint's name is not a label (a scanner must not grow the label sets).
  EXPECT_EQ(metrics.find("nope"), std::string::npos) << metrics;
}

TEST_F(Router, HealthMetricsAndTheOpenInferenceProtocol) {
  EXPECT_EQ(Call(Request("GET", "/ping")).status, 200);
  EXPECT_EQ(Call(Request("GET", "/v2/health/live")).status, 200);
  EXPECT_EQ(Call(Request("GET", "/v2/health/ready")).status, 200);
  EXPECT_EQ(Call(Request("GET", "/v2/models/adult/ready")).status, 200);
  EXPECT_EQ(Call(Request("GET", "/v2/models/other/ready")).status, 404);
  const Json meta = Json::parse(Call(Request("GET", "/v2/models/adult")).body);
  EXPECT_EQ(meta["name"], "adult");
  ASSERT_EQ(meta["inputs"].size(), 4u);
  EXPECT_EQ(meta["inputs"][0]["name"], "a");
  EXPECT_EQ(meta["inputs"][0]["datatype"], "FP64");
  const HttpResponse infer = Call(Request("POST", "/v2/models/adult/infer", R"({"id": "q", "inputs": [
      {"name": "a", "shape": [2], "datatype": "FP64", "data": [1.5, null]},
      {"name": "b", "shape": [2], "datatype": "FP64", "data": [0.5, 2]},
      {"name": "colour", "shape": [2], "datatype": "BYTES", "data": ["red", "never seen"]},
      {"name": "size", "shape": [2], "datatype": "FP64", "data": [1, 2]}]})",
                                          "application/json"));
  ASSERT_EQ(infer.status, 200) << infer.body;
  const Json answer = Json::parse(infer.body);
  EXPECT_EQ(answer["id"], "q");
  ASSERT_EQ(answer["outputs"].size(), 2u);
  EXPECT_EQ(answer["outputs"][1]["shape"], Json::parse("[2, 2]"));
  // The same rows through /invocations: the same probabilities.
  const Json inv =
      Json::parse(Call(Request("POST", "/invocations?output=probabilities",
                               R"([[1.5, 0.5, "red", 1], [null, 2, "never seen", 2]])", "application/json"))
                      .body);
  EXPECT_EQ(inv["predictions"][1]["probabilities"][0], answer["outputs"][1]["data"][2]);
  const std::string metrics = Call(Request("GET", "/metrics")).body;
  EXPECT_NE(metrics.find("tabpilot_model_loaded{endpoint=\"adult\""), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("tabpilot_rows_predicted_total{endpoint=\"adult\"} 4"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("tabpilot_request_duration_seconds_bucket"), std::string::npos);
}

// ?explain= on /invocations and the OIP "explain" parameter: per row the
// SHAP values of the reported outputs (binary: the positive class; multiclass:
// every class), summing to the prediction minus the base, the prediction
// being the model's own answer in the scale asked for; CSV answers and bad
// values refused.
TEST_F(Router, ExplanationsOnRequest) {
  const std::string csv = testing::PredictCsv(Task::kBinary, 12, 3);
  HttpResponse r =
      Call(Request("POST", "/invocations?explain=probability&output=probability", csv, "text/csv", "application/json"));
  ASSERT_EQ(r.status, 200) << r.body;
  const Json rows = Json::parse(r.body)["predictions"];
  ASSERT_EQ(rows.size(), 12u);
  for (const Json& row : rows) {
    const Json& e = row["explanation"];
    EXPECT_EQ(e["scale"], "probability");
    ASSERT_EQ(e["outputs"].size(), 1u);
    const Json& out = e["outputs"][0];
    EXPECT_TRUE(out["label"] == "yes" || out["label"] == "no") << out["label"];  // the positive class
    ASSERT_EQ(out["values"].size(), 4u);
    double sum = out["base_value"].get<double>();
    for (const auto& [column, value] : out["values"].items()) sum += value.get<double>();
    EXPECT_NEAR(sum, out["prediction"].get<double>(), 1e-9);
    EXPECT_NEAR(out["prediction"].get<double>(), row["probability"].get<double>(), 1e-4);
  }
  // Log-odds by default, in JSON lines too.
  r = Call(Request("POST", "/invocations?explain=true&output=probability", csv, "text/csv", "application/jsonlines"));
  ASSERT_EQ(r.status, 200) << r.body;
  const Json first = Json::parse(r.body.substr(0, r.body.find('\n')));
  const double p = first["probability"].get<double>();
  EXPECT_EQ(first["explanation"]["scale"], "log_odds");
  EXPECT_NEAR(first["explanation"]["outputs"][0]["prediction"].get<double>(), std::log(p / (1 - p)), 1e-3);
  // CSV cannot carry them; a bad value is a 400; explain=false is a plain answer.
  EXPECT_EQ(Call(Request("POST", "/invocations?explain=true", csv, "text/csv", "text/csv")).status, 406);
  EXPECT_EQ(Call(Request("POST", "/invocations?explain=yes", csv, "text/csv", "application/json")).status, 400);
  r = Call(Request("POST", "/invocations?explain=false", csv, "text/csv", "application/json"));
  ASSERT_EQ(r.status, 200);
  EXPECT_FALSE(Json::parse(r.body)["predictions"][0].contains("explanation"));
  // The OIP parameter: an "explanation" tensor [rows, outputs, columns].
  const HttpResponse infer = Call(Request("POST", "/v2/models/adult/infer", R"({"parameters": {"explain": true},
      "inputs": [{"name": "a", "shape": [2], "datatype": "FP64", "data": [1.5, null]},
      {"name": "b", "shape": [2], "datatype": "FP64", "data": [0.5, 2]},
      {"name": "colour", "shape": [2], "datatype": "BYTES", "data": ["red", "never seen"]},
      {"name": "size", "shape": [2], "datatype": "FP64", "data": [1, 2]}]})",
                                          "application/json"));
  ASSERT_EQ(infer.status, 200) << infer.body;
  const Json outputs = Json::parse(infer.body)["outputs"];
  ASSERT_EQ(outputs.size(), 3u);
  EXPECT_EQ(outputs[2]["name"], "explanation");
  EXPECT_EQ(outputs[2]["shape"], Json::parse("[2, 1, 4]"));
  EXPECT_EQ(outputs[2]["parameters"]["columns"], Json::parse(R"(["a", "b", "colour", "size"])"));
  EXPECT_EQ(outputs[2]["data"].size(), 8u);
  EXPECT_EQ(Call(Request("POST", "/v2/models/adult/infer", R"({"parameters": {"explain": 3}, "inputs": []})",
                         "application/json"))
                .status,
            400);
  // A multiclass model: every class.
  targets_.push_back(Target("colours", *dir_ / "b", 1));
  manager_->Refresh();
  r = Call(Request("POST", "/endpoints/colours/invocations?explain=true", testing::PredictCsv(Task::kMulticlass, 3, 4),
                   "text/csv", "application/json"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json::parse(r.body)["predictions"][0]["explanation"]["outputs"].size(), 3u);
  // A model without background rows: a 400 that says so; its predictions still served.
  targets_.push_back(Target("plain", *dir_ / "plain", 1));
  manager_->Refresh();
  r = Call(Request("POST", "/endpoints/plain/invocations?explain=true", csv, "text/csv", "application/json"));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("no background rows"), std::string::npos) << r.body;
  EXPECT_EQ(Call(Request("POST", "/endpoints/plain/invocations", csv, "text/csv", "application/json")).status, 200);
}

TEST_F(Router, HotSwapAndFailedLoadsKeepAModelServing) {
  const auto first = manager_->Get("adult");
  ASSERT_NE(first, nullptr);
  // A new generation pointing at another bundle: swapped in; the old model
  // object stays valid for whoever holds it.
  targets_ = {Target("adult", *dir_ / "b", 2)};
  manager_->Refresh();
  const auto second = manager_->Get("adult");
  ASSERT_NE(second, nullptr);
  EXPECT_NE(second, first);
  EXPECT_EQ(second->identity().generation, 2);
  EXPECT_EQ(second->problem().task, Task::kMulticlass);
  EXPECT_EQ(first->problem().task, Task::kBinary);
  // A broken bundle: the old one keeps serving; the failure is reported and counted.
  targets_ = {Target("adult", *dir_ / "missing", 3)};
  manager_->Refresh();
  EXPECT_EQ(manager_->Get("adult"), second);
  EXPECT_EQ(watch_->reports.back(), "adult:failed");
  EXPECT_EQ(Call(Request("GET", "/ping")).status, 200);
  EXPECT_NE(Call(Request("GET", "/metrics")).body.find("tabpilot_model_load_failures_total{endpoint=\"adult\"} 1"),
            std::string::npos);
  // Two endpoints: /invocations needs a target.
  targets_ = {Target("adult", *dir_ / "a", 4), Target("iris", *dir_ / "b", 1)};
  manager_->Refresh();
  EXPECT_EQ(Call(Request("POST", "/invocations", "1,2,red,1\n", "text/csv")).status, 400);
  HttpRequest targeted = Request("POST", "/invocations", "1,2,red,1\n", "text/csv");
  targeted.headers.emplace_back("x-amzn-sagemaker-target-model", "adult");
  EXPECT_EQ(Call(targeted).status, 200);
  // An endpoint removed from the watch is unloaded.
  targets_ = {Target("iris", *dir_ / "b", 1)};
  manager_->Refresh();
  EXPECT_EQ(manager_->Get("adult"), nullptr);
  EXPECT_NE(manager_->Get("iris"), nullptr);
}

TEST_F(Router, ABearerTokenGuardsEveryRouteButTheHealthChecks) {
  const InferenceRouter guarded(*manager_, metrics_, Options(nullptr, "s3cret-token"));
  auto call = [&](HttpRequest r, const std::string& authorization) {
    if (!authorization.empty()) r.headers.emplace_back("authorization", authorization);
    return guarded.Handle(r);
  };
  EXPECT_EQ(call(Request("GET", "/ping"), "").status, 200);
  EXPECT_EQ(call(Request("GET", "/v2/health/ready"), "").status, 200);
  for (const std::string& bad : {std::string(), std::string("Bearer s3cret-toke"), std::string("Bearer s3cret-token2"),
                                 std::string("Basic s3cret-token"), std::string("Bearer S3cret-token")}) {
    SCOPED_TRACE(bad);
    const HttpResponse r = call(Request("POST", "/invocations", "1,2,red,1\n", "text/csv"), bad);
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.headers.at(0), (std::pair<std::string, std::string>("WWW-Authenticate", "Bearer")));
    EXPECT_EQ(call(Request("GET", "/metrics"), bad).status, 401);
    EXPECT_EQ(call(Request("GET", "/v2/models/adult"), bad).status, 401);
  }
  EXPECT_EQ(call(Request("POST", "/invocations", "1,2,red,1\n", "text/csv"), "Bearer s3cret-token").status, 200);
  EXPECT_EQ(call(Request("GET", "/metrics"), "Bearer s3cret-token").status, 200);
  // The admin routes are guarded too.
  InferenceRouter::Options admin = Options(nullptr, "s3cret-token");
  admin.admin = true;
  const InferenceRouter guarded_admin(*manager_, metrics_, admin);
  HttpRequest reload = Request("POST", "/admin/reload");
  EXPECT_EQ(guarded_admin.Handle(reload).status, 401);
  reload.headers.emplace_back("authorization", "Bearer s3cret-token");
  EXPECT_EQ(guarded_admin.Handle(reload).status, 202);
}

TEST_F(Router, AdminRoutesAreOffUnlessEnabledAndReloadEveryModel) {
  // Off (the default): not found, and nothing reloads.
  const HttpResponse off = Call(Request("POST", "/admin/reload"));
  EXPECT_EQ(off.status, 404);
  EXPECT_NE(off.body.find("--admin"), std::string::npos) << off.body;
  const std::shared_ptr<const ServedModel> before = manager_->Get("adult");
  manager_->Refresh();
  EXPECT_EQ(manager_->Get("adult"), before);

  InferenceRouter::Options options = Options(nullptr);
  options.admin = true;
  const InferenceRouter admin(*manager_, metrics_, options);
  auto call = [&](HttpRequest r) { return admin.Handle(r); };
  const Json listed = Json::parse(call(Request("GET", "/admin/endpoints")).body);
  ASSERT_EQ(listed["endpoints"].size(), 1u);
  EXPECT_EQ(listed["endpoints"][0]["name"], "adult");
  EXPECT_EQ(listed["endpoints"][0]["serving"], "a");
  EXPECT_EQ(listed["endpoints"][0]["status"]["state"], "serving");
  EXPECT_EQ(listed["endpoints"][0]["status"]["reported_at"].get<std::string>().size(), 24u);  // ISO 8601, ms, Z

  // Reload: the same target loaded again (the poller would do this Refresh).
  const HttpResponse reloading = call(Request("POST", "/admin/reload"));
  EXPECT_EQ(reloading.status, 202);
  EXPECT_EQ(Json::parse(reloading.body)["reloading"], Json::array({"adult"}));
  manager_->Refresh();
  const std::shared_ptr<const ServedModel> after = manager_->Get("adult");
  ASSERT_NE(after, nullptr);
  EXPECT_NE(after, before);
  manager_->Refresh();  // the request is used up: no second reload
  EXPECT_EQ(manager_->Get("adult"), after);
  EXPECT_EQ(call(Request("POST", "/invocations", "1,2,red,1\n", "text/csv")).status, 200);

  // Wrong methods, unknown admin routes; endpoint changes need a store.
  EXPECT_EQ(call(Request("GET", "/admin/reload")).status, 405);
  EXPECT_EQ(call(Request("POST", "/admin/endpoints")).status, 405);
  EXPECT_EQ(call(Request("GET", "/admin/nothing")).status, 404);
  EXPECT_EQ(call(Request("PUT", "/admin/endpoints/other", R"({"model_group": "G"})")).status, 409);
  EXPECT_EQ(call(Request("DELETE", "/admin/endpoints/adult")).status, 409);
  EXPECT_NE(manager_->Get("adult"), nullptr);
}

TEST(AdminSource, RegistrySourcesOnly) {
  EXPECT_EQ(AdminSourceFromJson(Json::parse(R"({"model_group": "G"})")), EndpointSource::LatestApproved("G"));
  EXPECT_EQ(AdminSourceFromJson(Json::parse(R"({"model_group": "G", "version": 3})")),
            EndpointSource::GroupVersion("G", 3));
  for (const char* bad :
       {R"({"model": "/etc"})", R"({"model_group": "G", "bundle": "/tmp/m"})", R"({"path": "x"})", R"({})",
        R"({"model_group": ""})", R"({"model_group": 3})", R"({"model_group": "G", "version": 0})",
        R"({"model_group": "G", "version": "3"})", R"({"model_group": "G", "extra": 1})", R"([1])"}) {
    SCOPED_TRACE(bad);
    EXPECT_THROW(AdminSourceFromJson(Json::parse(bad)), Error);
  }
  try {
    AdminSourceFromJson(Json::parse(R"({"model": "/etc"})"));
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no request names a file"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tabpilot
