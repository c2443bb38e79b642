// The web UI's JSON API (docs/ui-api.md): AutoML jobs, the model registry
// (with approve / reject), pipeline executions and endpoints, read from the
// metadata store; "try it" and per-row explanations on registry versions
// loaded on demand (version_models.h).
//
// Safety: with an auth token every route needs `Authorization: Bearer`
// (401); every POST also needs the `X-CSRF-Token` header with the value
// GET /api/session gave (403) and a JSON content type, so a page on another
// origin can neither read the token nor make a browser post a form here.
// The answers are JSON: whatever came from data (column names, categories,
// logs) is escaped by the page that shows it (it sets text, never HTML).
//
// Threads: Handle is thread-safe; store reads and writes are serialized on
// one connection (each is a few milliseconds).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "jobs/automl_jobs.h"
#include "pipeline/records.h"
#include "registry/model_registry.h"
#include "serve/endpoint_store.h"
#include "serve/http_message.h"
#include "store/store_location.h"
#include "ui/live_endpoint_stats.h"
#include "ui/version_models.h"

namespace tabpilot {

class UiApi {
 public:
  struct Options {
    std::string store;       // as --store ("" = the default location)
    std::string auth_token;  // "" = no auth
    // A running `tabpilot serve` (http://HOST:PORT) whose /metrics give the
    // endpoints' live request rate and latency; "" = none.
    std::string endpoint_url;
    // Instead of endpoint_url: the /metrics text of the server this UI runs
    // in (`tabpilot serve --ui`), read without a request to itself.
    std::function<std::string()> metrics_text;
    size_t max_loaded_versions = 4;  // registry versions kept loaded for "try it"
    std::string user;                // the audit trail's "changed_by" ("" = $USER)
  };

  // Opens the store (applying the migrations the pages read). Throws what
  // OpenStore throws.
  explicit UiApi(Options options);
  ~UiApi();

  // Answers a request whose path starts with /api/.
  HttpResponse Handle(const HttpRequest& request);

  const std::string& csrf_token() const { return csrf_token_; }

 private:
  HttpResponse Route(const HttpRequest& request);
  HttpResponse Session();
  HttpResponse Jobs(const HttpRequest& request);
  HttpResponse Job(const std::string& id);
  HttpResponse Groups(const HttpRequest& request);
  HttpResponse Versions(const std::string& group, const HttpRequest& request);
  HttpResponse MetricSeries(const std::string& group, const HttpRequest& request);
  HttpResponse Version(const std::string& group, int64_t version);
  HttpResponse SetStatus(const std::string& group, int64_t version, const HttpRequest& request);
  HttpResponse BackgroundRows(const std::string& group, int64_t version, const HttpRequest& request);
  HttpResponse ExplainRow(const std::string& group, int64_t version, const HttpRequest& request);
  HttpResponse Predict(const std::string& group, int64_t version, const HttpRequest& request);
  HttpResponse Pipelines();
  HttpResponse Executions(const HttpRequest& request);
  HttpResponse Execution(const std::string& id);
  HttpResponse StepLog(const std::string& id, const std::string& step);
  HttpResponse Endpoints();
  HttpResponse HubModels();
  HttpResponse EndpointPredict(const std::string& name, const HttpRequest& request);
  // The version's loaded model (NotFound for an unknown version).
  std::shared_ptr<const VersionModels::Loaded> Loaded(const std::string& group, int64_t version);

  Options options_;
  std::string csrf_token_;
  std::mutex store_mutex_;  // guards the store and the record objects
  Store store_;
  std::unique_ptr<ModelRegistry> registry_;
  std::unique_ptr<ExecutionRecords> records_;
  std::unique_ptr<AutoMLJobs> jobs_;
  std::unique_ptr<EndpointStore> endpoints_;
  VersionModels models_;
  std::unique_ptr<LiveEndpointStats> live_;  // null without an endpoint URL
};

}  // namespace tabpilot
