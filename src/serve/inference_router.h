// The server's routes: what each HTTP request gets.
//
//   GET  /ping                          200 when every endpoint has a model loaded, else 503
//   POST /invocations                   the default endpoint, or the one named by the
//                                       X-Amzn-SageMaker-Target-Model header
//   POST /endpoints/{name}/invocations  a named endpoint
//   GET  /metrics                       Prometheus text
//   /health, /v1/..., /model/{name}/complete, /tokenize, /detokenize: the
//                                       text-generation models (completion_api.h)
//   GET  /v2, /v2/health/live, /v2/health/ready
//   GET  /v2/models/{name}, /v2/models/{name}/ready
//   POST /v2/models/{name}/infer        (also under /versions/{v}/)
//
// Admin routes, only when Options::admin is set (`tabpilot serve --admin`):
//   GET    /admin/endpoints             what each endpoint serves, its status
//                                       and (store-backed servers) its source
//   POST   /admin/reload                every endpoint's model loaded again in
//                                       the background (202; failed loads retried)
//   PUT    /admin/endpoints/{name}      create or update an endpoint (store-
//                                       backed servers): {"model_group": G} or
//                                       {"model_group": G, "version": N}
//   DELETE /admin/endpoints/{name}      delete an endpoint (store-backed servers)
// Endpoint changes are written to the store and picked up at once.
//
// /invocations takes text/csv, application/json or application/jsonlines
// (request_rows.h) and answers in the Accept header's format (default: the
// request's), with the fields of the `output` query parameter or the
// X-Tabpilot-Output header (prediction_response.h). Errors are JSON
// {"error": "..."} with 400 (bad rows, naming row and column), 404
// (unknown endpoint or route), 405, 406 (Accept), 415 (Content-Type) or 503
// (no model loaded), 401 (a bearer token is required and missing or
// wrong), 409 (an endpoint change on a server of fixed bundles). One access-log line (JSON) per request goes to the log
// sink.
#pragma once

#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "serve/completion_api.h"
#include "serve/endpoint_admin.h"
#include "serve/http_message.h"
#include "serve/model_manager.h"
#include "serve/server_metrics.h"

namespace tabpilot {

class InferenceRouter {
 public:
  // Where access-log lines go (one call a line, without the newline); null: nowhere.
  using LogSink = std::function<void(const std::string& line)>;

  struct Options {
    LogSink log;                          // null: no access log
    std::function<size_t()> connections;  // the open connection count for /metrics (may be null)
    // Non-empty: every route but /ping and /v2/health/* needs
    // `Authorization: Bearer <token>` (compared in constant time), else 401.
    std::string auth_token;
    // The admin routes are served (else 404).
    bool admin = false;
    // With admin: the store the endpoint changes go to; null for a server of
    // fixed bundles (changes: 409). Borrowed.
    EndpointAdmin* endpoint_admin = nullptr;
    // The text-generation routes (completion_api.h: /v1/..., /model/{name}/complete,
    // /tokenize, /health), when the server hosts such models. Borrowed.
    CompletionApi* completions = nullptr;
  };

  // Borrows both (they outlive the router).
  InferenceRouter(ModelManager& models, ServerMetrics& metrics, Options options);

  // Thread-safe.
  HttpResponse Handle(HttpRequest& request) const;

 private:
  struct Routed;  // what a route did, for the metrics and the log
  HttpResponse Route(HttpRequest& request, Routed& routed) const;
  HttpResponse Invocations(HttpRequest& request, const std::shared_ptr<const ServedModel>& model, Routed& routed) const;
  HttpResponse OipInfer(HttpRequest& request, const std::shared_ptr<const ServedModel>& model, Routed& routed) const;
  HttpResponse Admin(HttpRequest& request, const std::vector<std::string_view>& seg) const;

  ModelManager& models_;
  ServerMetrics& metrics_;
  Options options_;
};

}  // namespace tabpilot
