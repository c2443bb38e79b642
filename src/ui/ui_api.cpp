#include "ui/ui_api.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iterator>
#include <optional>
#include <random>
#include <set>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/json_parse.h"
#include "core/version.h"
#include "data/csv_reader.h"
#include "hub/hub_package.h"
#include "model/bundle.h"
#include "pipeline/definition.h"
#include "pipeline/definition_check.h"
#include "serve/http_answers.h"
#include "store/postgres_database.h"
#include "ui/static_files.h"

namespace tabpilot {
namespace fs = std::filesystem;
namespace {

constexpr int64_t kDefaultPage = 50;
constexpr int64_t kMaxPage = 500;
constexpr int64_t kMaxMetricPoints = 5000;
constexpr std::streamoff kMaxLogBytes = 256 * 1024;

std::string RandomHex(size_t bytes) {
  std::random_device rd;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < bytes; ++i) {
    const auto b = static_cast<unsigned>(rd() & 0xffu);
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15u]);
  }
  return out;
}

// The query parameter `name` as a whole number in [low, high], or `fallback`
// when absent. InvalidInput naming it otherwise.
int64_t IntParam(const HttpRequest& request, const char* name, int64_t fallback, int64_t low, int64_t high) {
  const std::string_view text = request.QueryParam(name);
  if (text.empty()) return fallback;
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < low || value > high) {
    throw InvalidInput(std::string("?") + name + "= must be a whole number from " + std::to_string(low) + " to " +
                       std::to_string(high) + ", got '" + std::string(text) + "'");
  }
  return value;
}

struct Page {
  int64_t offset = 0;
  int64_t limit = kDefaultPage;
};
Page PageOf(const HttpRequest& request) {
  return {IntParam(request, "offset", 0, 0, INT64_MAX / 2), IntParam(request, "limit", kDefaultPage, 1, kMaxPage)};
}
Json PageJson(int64_t total, const Page& page, Json items) {
  return {{"total", total}, {"offset", page.offset}, {"limit", page.limit}, {"items", std::move(items)}};
}

int64_t VersionNumber(std::string_view text) {
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < 1) {
    throw NotFound("no version '" + std::string(text) + "' (versions are numbered 1, 2, ...)");
  }
  return v;
}

Json JobJson(const AutoMLJobRecord& j) {
  return {{"id", j.id},
          {"status", j.status},
          {"created_at", j.created_at},
          {"ended_at", j.ended_at},
          {"target", j.target},
          {"task", j.task},
          {"metric", j.metric},
          {"best_model", j.best_model},
          {"best_score", j.best_score ? Json(*j.best_score) : Json(nullptr)},
          {"rows", j.rows},
          {"columns", j.columns},
          {"time_limit_seconds", j.time_limit_seconds},
          {"training_seconds", j.training_seconds},
          {"predict_us_per_row", j.predict_us_per_row},
          {"data_path", j.data_path},
          {"model_dir", j.model_dir},
          {"execution_id", j.execution_id},
          {"step_name", j.step_name},
          {"failure_reason", j.failure_reason}};
}

Json VersionItem(const ModelVersion& v) {
  return {{"group", v.group},
          {"version", v.version},
          {"status", ToString(v.status)},
          {"created_at", v.created_at},
          {"updated_at", v.updated_at},
          {"description", v.description},
          {"execution_id", v.execution_id},
          {"metrics", v.metrics}};
}

Json ExecutionItem(const ExecutionRecord& e) {
  return {{"id", e.id},
          {"pipeline_name", e.pipeline_name},
          {"status", ToString(e.status)},
          {"start_time", e.start_time},
          {"end_time", e.end_time},
          {"failure_reason", e.failure_reason},
          {"parameters", e.parameters}};
}

// A stored bundle's reports (reports/<name>.json), problem and input schema
// for the version page; what cannot be read is left out (the page says so).
void AddBundleFacts(const fs::path& bundle, Json& out) {
  Json reports = Json::object();
  std::error_code ec;
  if (fs::is_directory(bundle / "reports", ec)) {
    for (const fs::directory_entry& e : fs::directory_iterator(bundle / "reports", ec)) {
      if (e.path().extension() != ".json") continue;
      try {
        reports[e.path().stem().string()] = Json::parse(ReadFile(e.path()));
      } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): a damaged report is left out
      }
    }
  }
  out["reports"] = std::move(reports);
  try {
    const Json manifest = ReadManifest(bundle);
    const Json& p = manifest.at("problem");
    out["problem"] = {{"task", p.value("task", "")},
                      {"target", p.value("target", "")},
                      {"metric", p.value("metric", "")},
                      {"class_labels", p.value("class_labels", Json::array())},
                      {"positive_label", p.value("positive_label", Json(nullptr))},
                      {"threshold", p.value("decision_threshold", Json(nullptr))}};
    out["input_schema"] = manifest.at("input_schema").at("columns");
  } catch (const std::exception&) {
    out["problem"] = nullptr;
    out["input_schema"] = Json::array();
  }
}

// The input schema with, per column, the values seen in the bundle's
// background rows (categorical) and an example (the first row's), for the
// try-it form: read from background.csv alone, without loading the model
// (a version page stays a few milliseconds on its first visit too).
Json SchemaWithExamples(const Json& schema, const fs::path& bundle) {
  const RawTable raw = ParseRawCsv(ReadFile(bundle / "background.csv"), "background.csv", CsvOptions{});
  Json out = Json::array();
  for (const Json& column : schema) {
    Json c = column;
    const std::optional<size_t> j = raw.Find(column.value("name", ""));
    if (j) {
      if (raw.num_rows() > 0) c["example"] = raw.is_missing(0, *j) ? std::string() : std::string(raw.cell(0, *j));
      if (column.value("type", "") == "categorical") {
        std::set<std::string> values;
        for (size_t r = 0; r < raw.num_rows(); ++r) {
          if (!raw.is_missing(r, *j)) values.insert(std::string(raw.cell(r, *j)));
        }
        c["values"] = values;
      }
    }
    out.push_back(std::move(c));
  }
  return out;
}

Json JsonBody(const HttpRequest& request) {
  try {
    return ParseJson(request.body);
  } catch (const Json::exception&) {
    throw InvalidInput("the request body is not JSON");
  }
}

}  // namespace

UiApi::UiApi(Options options)
    : options_(std::move(options)),
      csrf_token_(RandomHex(16)),
      store_(OpenStore(options_.store)),
      models_(options_.max_loaded_versions) {
  ModelRegistry::Options ro;
  ro.user = options_.user;
  registry_ = std::make_unique<ModelRegistry>(*store_.db, store_.artifacts, ro);
  records_ = std::make_unique<ExecutionRecords>(*store_.db);
  jobs_ = std::make_unique<AutoMLJobs>(*store_.db);
  endpoints_ = std::make_unique<EndpointStore>(*store_.db, *registry_);
  if (!options_.endpoint_url.empty() || options_.metrics_text) {
    live_ = std::make_unique<LiveEndpointStats>(options_.endpoint_url, options_.metrics_text);
  }
}

UiApi::~UiApi() = default;

HttpResponse UiApi::Handle(const HttpRequest& request) {
  HttpResponse r;
  try {
    if (!options_.auth_token.empty() && !BearerMatches(request.Header("authorization"), options_.auth_token)) {
      r = ErrorAnswer(401, "this UI needs the server's token (Authorization: Bearer ...)");
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
    } else if (request.method == "POST" && request.Header("x-csrf-token") != csrf_token_) {
      r = ErrorAnswer(403, "missing or wrong X-CSRF-Token (reload the page)");
    } else if (request.method == "POST" && request.Header("content-type").substr(0, 16) != "application/json") {
      r = ErrorAnswer(415, "send the body as application/json");
    } else {
      r = Route(request);
    }
  } catch (const Error& e) {
    r = ErrorAnswer(StatusOf(e), e.what());
  } catch (const std::exception& e) {
    r = ErrorAnswer(500, e.what());
  }
  r.headers.emplace_back("Cache-Control", "no-store");
  AddSecurityHeaders(r);
  return r;
}

HttpResponse UiApi::Route(const HttpRequest& request) {
  std::vector<std::string> s;
  for (std::string_view part : Segments(request.path)) s.push_back(PercentDecode(part));
  // s[0] == "api".
  const size_t n = s.size();
  const bool get = request.method == "GET" || request.method == "HEAD";
  const bool post = request.method == "POST";
  if (n >= 2) {
    const std::string& what = s[1];
    if (what == "session" && n == 2 && get) return Session();
    if (what == "jobs" && n == 2 && get) return Jobs(request);
    if (what == "jobs" && n == 3 && get) return Job(s[2]);
    if (what == "groups" && n == 2 && get) return Groups(request);
    if (what == "groups" && n == 4 && s[3] == "versions" && get) return Versions(s[2], request);
    if (what == "groups" && n == 4 && s[3] == "metrics" && get) return MetricSeries(s[2], request);
    if (what == "groups" && n >= 5 && s[3] == "versions") {
      const int64_t v = VersionNumber(s[4]);
      if (n == 5 && get) return Version(s[2], v);
      if (n == 6 && s[5] == "status" && post) return SetStatus(s[2], v, request);
      if (n == 6 && s[5] == "rows" && get) return BackgroundRows(s[2], v, request);
      if (n == 6 && s[5] == "explain" && get) return ExplainRow(s[2], v, request);
      if (n == 6 && s[5] == "predict" && post) return Predict(s[2], v, request);
    }
    if (what == "pipelines" && n == 2 && get) return Pipelines();
    if (what == "executions" && n == 2 && get) return Executions(request);
    if (what == "executions" && n == 3 && get) return Execution(s[2]);
    if (what == "executions" && n == 6 && s[3] == "steps" && s[5] == "log" && get) return StepLog(s[2], s[4]);
    if (what == "endpoints" && n == 2 && get) return Endpoints();
    if (what == "hub" && n == 2 && get) return HubModels();
    if (what == "endpoints" && n == 4 && s[3] == "predict" && post) return EndpointPredict(s[2], request);
  }
  if (!get && !post) return MethodNotAllowed(request, "GET, POST");
  return ErrorAnswer(404, "no API route " + request.method + " " + request.path + " (see docs/ui-api.md)");
}

HttpResponse UiApi::Session() {
  std::lock_guard<std::mutex> lock(store_mutex_);
  Database& db = *store_.db;
  auto count = [&](const char* table) { return db.Query(std::string("SELECT COUNT(*) FROM ") + table)[0].Int(0); };
  return JsonAnswer(200, {{"csrf_token", csrf_token_},
                          {"auth", !options_.auth_token.empty()},
                          {"version", TABPILOT_VERSION},
                          {"store", RedactUrl(store_.location.database)},
                          {"endpoint_url", options_.endpoint_url},
                          {"counts",
                           {{"jobs", count("automl_jobs")},
                            {"groups", count("model_package_groups")},
                            {"versions", count("model_package_versions")},
                            {"executions", count("pipeline_executions")},
                            {"endpoints", count("endpoints")}}}});
}

HttpResponse UiApi::Jobs(const HttpRequest& request) {
  const Page page = PageOf(request);
  std::lock_guard<std::mutex> lock(store_mutex_);
  Json items = Json::array();
  for (const AutoMLJobRecord& j : jobs_->List(page.offset, page.limit)) items.push_back(JobJson(j));
  return JsonAnswer(200, PageJson(jobs_->Count(), page, std::move(items)));
}

HttpResponse UiApi::Job(const std::string& id) {
  std::lock_guard<std::mutex> lock(store_mutex_);
  const AutoMLJobRecord j = jobs_->Get(id);
  Json out = JobJson(j);
  out["leaderboard"] = j.leaderboard;
  out["ensemble"] = j.ensemble;
  out["data_report"] = j.data_report;
  return JsonAnswer(200, out);
}

HttpResponse UiApi::Groups(const HttpRequest& request) {
  const Page page = PageOf(request);
  std::lock_guard<std::mutex> lock(store_mutex_);
  const std::vector<ModelPackageGroup> groups = registry_->ListGroups();
  Json items = Json::array();
  for (size_t i = static_cast<size_t>(page.offset);
       i < groups.size() && i < static_cast<size_t>(page.offset + page.limit); ++i) {
    const ModelPackageGroup& g = groups[i];
    items.push_back({{"name", g.name},
                     {"description", g.description},
                     {"created_at", g.created_at},
                     {"version_count", g.version_count},
                     {"latest_version", g.latest_version},
                     {"latest_approved", g.latest_approved}});
  }
  return JsonAnswer(200, PageJson(static_cast<int64_t>(groups.size()), page, std::move(items)));
}

HttpResponse UiApi::Versions(const std::string& group, const HttpRequest& request) {
  const Page page = PageOf(request);
  std::lock_guard<std::mutex> lock(store_mutex_);
  const ModelRegistry::VersionPage versions = registry_->ListVersionPage(group, page.offset, page.limit);
  Json items = Json::array();
  for (const ModelVersion& v : versions.versions) items.push_back(VersionItem(v));
  return JsonAnswer(200, PageJson(versions.total, page, std::move(items)));
}

HttpResponse UiApi::MetricSeries(const std::string& group, const HttpRequest& request) {
  std::string metric(request.QueryParam("metric"));
  std::vector<ModelRegistry::VersionMetrics> versions;
  {
    std::lock_guard<std::mutex> lock(store_mutex_);
    versions = registry_->ListVersionMetrics(group, kMaxMetricPoints);
  }
  // Without ?metric=: f1 when the newest version has it, else its first metric.
  if (metric.empty() && !versions.empty() && !versions.back().metrics.empty()) {
    const Json& newest = versions.back().metrics;
    metric = newest.contains("f1") ? "f1" : newest.begin().key();
  }
  std::set<std::string> available;
  Json points = Json::array();
  for (const ModelRegistry::VersionMetrics& v : versions) {
    for (const auto& [name, value] : v.metrics.items()) available.insert(name);
    const auto value = v.metrics.find(metric);
    if (value == v.metrics.end() || !value->is_number()) continue;
    points.push_back({{"version", v.version}, {"value", *value}, {"status", ToString(v.status)}});
  }
  return JsonAnswer(200, {{"metric", metric}, {"metrics", available}, {"points", std::move(points)}});
}

HttpResponse UiApi::Version(const std::string& group, int64_t version) {
  ModelVersion v;
  {
    std::lock_guard<std::mutex> lock(store_mutex_);
    v = registry_->Describe(group, version);
  }
  Json out = VersionItem(v);
  out["audit"] = AuditJson(v.audit);
  out["evaluation_report"] = v.evaluation_report;
  out["leaderboard"] = v.leaderboard;
  out["input_data_hashes"] = v.input_data_hashes;
  out["artifact_hash"] = v.artifact_hash;
  out["tags"] = v.tags;
  AddBundleFacts(v.artifact_path, out);
  if (!out["input_schema"].empty()) {
    try {
      out["input_schema"] = SchemaWithExamples(out["input_schema"], v.artifact_path);
    } catch (const Error&) {  // NOLINT(bugprone-empty-catch): the schema without examples still makes a form
    }
  }
  return JsonAnswer(200, out);
}

HttpResponse UiApi::SetStatus(const std::string& group, int64_t version, const HttpRequest& request) {
  const Json body = JsonBody(request);
  if (!body.is_object() || !body.contains("status") || !body["status"].is_string()) {
    throw InvalidInput("the body needs \"status\": \"Approved\", \"Rejected\" or \"PendingManualApproval\"");
  }
  const ApprovalStatus status = ParseApprovalStatus(body["status"].get<std::string>());
  std::string comment;
  if (body.contains("comment")) {
    if (!body["comment"].is_string()) throw InvalidInput("\"comment\" must be a string");
    comment = body["comment"].get<std::string>();
  }
  if (comment.size() > 4096) throw InvalidInput("the comment is over 4,096 characters");
  std::lock_guard<std::mutex> lock(store_mutex_);
  registry_->UpdateApprovalStatus(group, version, status, comment);
  const ModelVersion v = registry_->Describe(group, version);
  Json out = VersionItem(v);
  out["audit"] = AuditJson(v.audit);
  return JsonAnswer(200, out);
}

std::shared_ptr<const VersionModels::Loaded> UiApi::Loaded(const std::string& group, int64_t version) {
  fs::path bundle;
  {
    std::lock_guard<std::mutex> lock(store_mutex_);
    bundle = registry_->Describe(group, version).artifact_path;
  }
  return models_.Get(group, version, bundle);
}

HttpResponse UiApi::BackgroundRows(const std::string& group, int64_t version, const HttpRequest& request) {
  const Page page = PageOf(request);
  const auto loaded = Loaded(group, version);
  Json items = Json::array();
  for (size_t r = static_cast<size_t>(page.offset);
       r < loaded->rows.size() && r < static_cast<size_t>(page.offset + page.limit); ++r) {
    items.push_back(loaded->rows[r]);
  }
  Json out = PageJson(static_cast<int64_t>(loaded->rows.size()), page, std::move(items));
  out["columns"] = loaded->columns;
  return JsonAnswer(200, out);
}

HttpResponse UiApi::ExplainRow(const std::string& group, int64_t version, const HttpRequest& request) {
  const auto loaded = Loaded(group, version);
  if (loaded->rows.empty()) throw InvalidInput("this model keeps no background rows to explain");
  const int64_t r = IntParam(request, "row", -1, 0, static_cast<int64_t>(loaded->rows.size()) - 1);
  if (r < 0) throw InvalidInput("give ?row=N (0 to " + std::to_string(loaded->rows.size() - 1) + ")");
  Json row = Json::object();
  for (size_t c = 0; c < loaded->columns.size(); ++c) {
    row[loaded->columns[c]] = loaded->rows[static_cast<size_t>(r)][c];
  }
  Json out = VersionModels::PredictRow(*loaded->model, row);
  out["row"] = r;
  return JsonAnswer(200, out);
}

HttpResponse UiApi::Predict(const std::string& group, int64_t version, const HttpRequest& request) {
  const Json body = JsonBody(request);
  if (!body.is_object() || !body.contains("row")) throw InvalidInput("the body needs \"row\": {column: value, ...}");
  const auto loaded = Loaded(group, version);
  Json out = VersionModels::PredictRow(*loaded->model, body["row"]);
  out["model"] = {{"group", group}, {"version", version}};
  return JsonAnswer(200, out);
}

HttpResponse UiApi::Pipelines() {
  std::lock_guard<std::mutex> lock(store_mutex_);
  Json items = Json::array();
  for (const PipelineSummary& p : records_->ListPipelines()) {
    items.push_back({{"name", p.name},
                     {"executions", p.executions},
                     {"latest_status", p.latest_status},
                     {"latest_start", p.latest_start}});
  }
  const auto total = static_cast<int64_t>(items.size());
  return JsonAnswer(200, PageJson(total, Page{0, std::max<int64_t>(total, 1)}, std::move(items)));
}

HttpResponse UiApi::Executions(const HttpRequest& request) {
  const Page page = PageOf(request);
  const std::string pipeline = PercentDecode(request.QueryParam("pipeline"));
  std::lock_guard<std::mutex> lock(store_mutex_);
  Json items = Json::array();
  for (const ExecutionRecord& e : records_->ListExecutionPage(pipeline, page.offset, page.limit)) {
    items.push_back(ExecutionItem(e));
  }
  return JsonAnswer(200, PageJson(records_->CountExecutions(pipeline), page, std::move(items)));
}

HttpResponse UiApi::Execution(const std::string& id) {
  ExecutionRecord e;
  std::vector<StepRecord> steps;
  {
    std::lock_guard<std::mutex> lock(store_mutex_);
    e = records_->GetExecution(id);
    steps = records_->ListSteps(id);
  }
  Json out = ExecutionItem(e);
  out["definition"] = e.definition;
  std::map<std::string, const StepRecord*> ran;
  for (const StepRecord& s : steps) ran[s.step_name] = &s;
  // The DAG from the definition as run; the steps without it when it no
  // longer parses (a definition from an older version).
  Json edges = Json::array();
  std::vector<std::pair<std::string, std::string>> order;  // name, type
  try {
    const PipelineDefinition definition = ParseDefinition(e.definition, e.source_path, e.base_dir);
    const PipelineGraph graph = CheckDefinition(definition, StepTypeRegistry::Builtins());
    std::map<std::string, std::string> types;
    for (const auto& step : definition.steps) types[step.name] = step.type;
    for (const std::string& name : graph.order) {
      order.emplace_back(name, types[name]);
      const auto deps = graph.deps.find(name);
      if (deps == graph.deps.end()) continue;
      for (const std::string& from : deps->second) edges.push_back({from, name});
    }
  } catch (const Error&) {
    for (const StepRecord& s : steps) order.emplace_back(s.step_name, s.step_type);
  }
  Json items = Json::array();
  for (const auto& [name, type] : order) {
    const auto r = ran.find(name);
    if (r == ran.end()) {
      items.push_back({{"name", name}, {"type", type}, {"status", "NotStarted"}});
      continue;
    }
    const StepRecord& s = *r->second;
    Json step = ToJson(s);
    step["has_log"] = !s.log_path.empty();
    items.push_back(std::move(step));
  }
  out["steps"] = std::move(items);
  out["edges"] = std::move(edges);
  return JsonAnswer(200, out);
}

HttpResponse UiApi::StepLog(const std::string& id, const std::string& step) {
  std::string log_path;
  {
    std::lock_guard<std::mutex> lock(store_mutex_);
    records_->GetExecution(id);
    for (const StepRecord& s : records_->ListSteps(id)) {
      if (s.step_name == step) log_path = s.log_path;
    }
  }
  if (log_path.empty()) throw NotFound("execution '" + id + "' has no log for step '" + step + "'");
  std::ifstream in(log_path, std::ios::binary);
  if (!in) throw NotFound("the log of step '" + step + "' is gone (" + log_path + ")");
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  const std::streamoff start = std::max<std::streamoff>(0, size - kMaxLogBytes);
  in.seekg(start);
  std::string text(static_cast<size_t>(size - start), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (start > 0) text = "[... the first " + std::to_string(start) + " bytes left out ...]\n" + text;
  return HttpResponse{200, "text/plain; charset=utf-8", std::move(text), {}};
}

HttpResponse UiApi::Endpoints() {
  std::vector<EndpointConfig> configs;
  {
    std::lock_guard<std::mutex> lock(store_mutex_);
    configs = endpoints_->List();
  }
  const Json live = live_ ? live_->Read() : Json::object();
  Json items = Json::array();
  for (const EndpointConfig& c : configs) {
    Json item = {
        {"name", c.name}, {"generation", c.generation}, {"created_at", c.created_at}, {"updated_at", c.updated_at}};
    // The version it serves: its pinned one, or the group's latest Approved now.
    Json served = nullptr;
    if (c.source.kind == ModelSourceKind::kBundle) {
      item["source"] = {{"bundle", c.source.bundle.string()}};
    } else if (c.source.kind == ModelSourceKind::kGroupVersion) {
      item["source"] = {{"model_group", c.source.group}, {"version", c.source.version}};
      served = c.source.version;
    } else {
      item["source"] = {{"model_group", c.source.group}};
      std::lock_guard<std::mutex> lock(store_mutex_);
      const auto latest = registry_->LatestApproved(c.source.group);
      if (latest) served = latest->version;
    }
    item["version_served"] = served;
    item["status"] = c.status ? Json(ToString(c.status->state)) : Json(nullptr);
    item["status_detail"] = c.status ? ToJson(*c.status) : Json(nullptr);
    item["live"] = live.contains(c.name) ? live[c.name] : Json(nullptr);
    items.push_back(std::move(item));
  }
  const auto total = static_cast<int64_t>(items.size());
  Json out = PageJson(total, Page{0, std::max<int64_t>(total, 1)}, std::move(items));
  out["live_url"] = live_ ? Json(live_->url()) : Json(nullptr);
  out["live_reachable"] = live_ ? Json(!live.empty()) : Json(nullptr);
  return JsonAnswer(200, out);
}

// The registered text-generation models as cards show them: the latest
// version's package manifest (architecture, size, precision, license and
// usage terms, the license text), its status, and the endpoints that serve it.
HttpResponse UiApi::HubModels() {
  std::vector<ModelPackageGroup> groups;
  std::vector<EndpointConfig> configs;
  {
    std::lock_guard<std::mutex> lock(store_mutex_);
    groups = registry_->ListGroups();
    configs = endpoints_->List();
  }
  Json items = Json::array();
  for (const ModelPackageGroup& g : groups) {
    ModelRegistry::VersionPage page;
    {
      std::lock_guard<std::mutex> lock(store_mutex_);
      page = registry_->ListVersionPage(g.name, 0, 1);
    }
    if (page.versions.empty() || page.versions[0].tags.value("kind", "") != "text-generation") continue;
    const ModelVersion& v = page.versions[0];
    Json item = {{"name", g.name},
                 {"task", "text-generation"},
                 {"version", v.version},
                 {"status", ToString(v.status)},
                 {"latest_approved", g.latest_approved},
                 {"description", v.description},
                 {"created_at", v.created_at}};
    try {
      const Json manifest = ReadHubManifest(v.artifact_path);
      item["info"] = manifest.at("info");
      item["license"] = manifest.value("license", Json::object());
      if (item["license"].contains("file")) {
        std::ifstream in(v.artifact_path / "LICENSE", std::ios::binary);
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (text.size() > 65536) text = text.substr(0, 65536) + "\n[...]";
        item["license"]["text"] = text;
      }
    } catch (const std::exception& e) {
      item["error"] = e.what();
    }
    Json serving = Json::array();
    for (const EndpointConfig& c : configs) {
      if (c.source.kind != ModelSourceKind::kBundle && c.source.group == g.name) {
        serving.push_back({{"name", c.name}, {"status", c.status ? Json(ToString(c.status->state)) : Json(nullptr)}});
      }
    }
    item["endpoints"] = std::move(serving);
    items.push_back(std::move(item));
  }
  const auto total = static_cast<int64_t>(items.size());
  return JsonAnswer(200, PageJson(total, Page{0, std::max<int64_t>(total, 1)}, std::move(items)));
}

HttpResponse UiApi::EndpointPredict(const std::string& name, const HttpRequest& request) {
  EndpointSource source;
  {
    std::lock_guard<std::mutex> lock(store_mutex_);
    source = endpoints_->Get(name).source;
  }
  std::string group = source.group;
  int64_t version = source.version;
  if (source.kind == ModelSourceKind::kLatestApproved) {
    std::lock_guard<std::mutex> lock(store_mutex_);
    const auto latest = registry_->LatestApproved(source.group);
    if (!latest)
      throw NotFound("endpoint '" + name + "' follows group '" + source.group + "', which has no Approved version");
    version = latest->version;
  } else if (source.kind == ModelSourceKind::kBundle) {
    throw InvalidInput("endpoint '" + name +
                       "' serves a bundle folder, not a registry version: try it with `tabpilot endpoint invoke`");
  }
  const Json body = JsonBody(request);
  if (!body.is_object() || !body.contains("row")) throw InvalidInput("the body needs \"row\": {column: value, ...}");
  const auto loaded = Loaded(group, version);
  Json out = VersionModels::PredictRow(*loaded->model, body["row"]);
  out["model"] = {{"group", group}, {"version", version}};
  return JsonAnswer(200, out);
}

}  // namespace tabpilot
