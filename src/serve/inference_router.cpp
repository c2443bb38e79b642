#include "serve/inference_router.h"

#include <chrono>
#include <cmath>
#include <map>

#include "core/error.h"
#include "core/json.h"
#include "core/json_parse.h"
#include "core/version.h"
#include "serve/explanation_response.h"
#include "serve/http_answers.h"
#include "serve/oip_protocol.h"
#include "serve/prediction_response.h"
#include "serve/request_rows.h"
#include "store/timestamp.h"

namespace tabpilot {

struct InferenceRouter::Routed {
  std::string endpoint;  // "" when none
  std::string route = "unknown";
  size_t rows = 0;
};

InferenceRouter::InferenceRouter(ModelManager& models, ServerMetrics& metrics, Options options)
    : models_(models), metrics_(metrics), options_(std::move(options)) {}

HttpResponse InferenceRouter::Handle(HttpRequest& request) const {
  const auto start = std::chrono::steady_clock::now();
  const size_t request_bytes = request.body.size();  // the routes may take the body
  Routed routed;
  HttpResponse response;
  try {
    response = Route(request, routed);
  } catch (const Error& e) {
    response = ErrorAnswer(StatusOf(e), e.what());
  } catch (const std::exception& e) {
    response = ErrorAnswer(500, std::string("internal error: ") + e.what());
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  metrics_.Request(routed.endpoint, routed.route, response.status, seconds);
  if (routed.rows > 0 && response.status == 200) metrics_.RowsPredicted(routed.endpoint, routed.rows);
  if (options_.log) {
    Json line{{"time", UtcTimestamp()},
              {"remote", request.remote},
              {"method", request.method},
              {"path", request.path},
              {"route", routed.route},
              {"endpoint", routed.endpoint},
              {"status", response.status},
              {"rows", routed.rows},
              {"request_bytes", request_bytes},
              {"response_bytes", response.body.size()},
              {"ms", std::round(seconds * 1e6) / 1e3}};
    options_.log(line.dump());
  }
  return response;
}

HttpResponse InferenceRouter::Route(HttpRequest& request, Routed& routed) const {
  const std::vector<std::string_view> seg = Segments(request.path);
  const bool get = request.method == "GET" || request.method == "HEAD";
  const bool post = request.method == "POST";
  auto method_not_allowed = [&](const char* allowed) { return MethodNotAllowed(request, allowed); };
  // The endpoint label is set only for served endpoints: unknown names
  // must not grow the metrics' label sets.
  auto named = [&](std::string_view name) {
    std::shared_ptr<const ServedModel> model = models_.Get(name);
    if (model == nullptr) throw NotFound("endpoint '" + std::string(name) + "' is not served here");
    routed.endpoint = std::string(name);
    return model;
  };
  const bool open_route = (seg.size() == 1 && (seg[0] == "ping" || seg[0] == "health")) ||
                          (seg.size() == 3 && seg[0] == "v2" && seg[1] == "health");
  if (!options_.auth_token.empty() && !open_route &&
      !BearerMatches(request.Header("authorization"), options_.auth_token)) {
    routed.route = "unauthorized";
    HttpResponse r = ErrorAnswer(401, "this route needs the server's bearer token (Authorization: Bearer ...)");
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return r;
  }
  if (options_.completions != nullptr && CompletionApi::Serves(request.path)) {
    routed.route = "hub";
    return options_.completions->Handle(request);
  }
  if (seg.size() == 1 && seg[0] == "ping") {
    routed.route = "ping";
    if (!get) return method_not_allowed("GET");
    if (options_.completions != nullptr && options_.completions->HasModels() &&
        models_.Summaries().empty()) {  // text-generation models only
      HttpRequest health = request;
      health.path = "/health";
      health.method = "GET";
      return options_.completions->Handle(health);
    }
    std::string why;
    if (models_.Default(&why) == nullptr && models_.Summaries().empty()) return ErrorAnswer(503, why);
    for (const ModelManager::Summary& s : models_.Summaries()) {
      if (s.model == nullptr) return ErrorAnswer(503, "endpoint '" + s.endpoint + "' has no model loaded");
    }
    return HttpResponse{200, "application/json", "{\"status\":\"healthy\"}\n", {}};
  }
  if (seg.size() == 1 && seg[0] == "invocations") {
    routed.route = "invocations";
    if (!post) return method_not_allowed("POST");
    const std::string_view target = request.Header("x-amzn-sagemaker-target-model");
    if (!target.empty()) return Invocations(request, named(target), routed);
    std::string why;
    std::shared_ptr<const ServedModel> model = models_.Default(&why);
    if (model == nullptr) return ErrorAnswer(models_.Summaries().size() > 1 ? 400 : 503, why);
    routed.endpoint = model->identity().endpoint;
    return Invocations(request, model, routed);
  }
  if (seg.size() == 3 && seg[0] == "endpoints" && seg[2] == "invocations") {
    routed.route = "invocations";
    if (!post) return method_not_allowed("POST");
    return Invocations(request, named(seg[1]), routed);
  }
  if (seg.size() == 1 && seg[0] == "metrics") {
    routed.route = "metrics";
    if (!get) return method_not_allowed("GET");
    std::string text = metrics_.Scrape(models_.Summaries(), options_.connections ? options_.connections() : 0);
    if (options_.completions != nullptr) text += options_.completions->MetricsText();
    return HttpResponse{200, "text/plain; version=0.0.4", std::move(text), {}};
  }
  if (!seg.empty() && seg[0] == "v2") {
    routed.route = "oip";
    if (seg.size() == 1) {
      if (!get) return method_not_allowed("GET");
      return JsonAnswer(200, {{"name", "tabpilot"}, {"version", TABPILOT_VERSION}, {"extensions", Json::array()}});
    }
    if (seg.size() == 3 && seg[1] == "health" && (seg[2] == "live" || seg[2] == "ready")) {
      if (!get) return method_not_allowed("GET");
      if (seg[2] == "live") return JsonAnswer(200, {{"live", true}});
      bool ready = true;
      for (const ModelManager::Summary& s : models_.Summaries()) ready = ready && s.model != nullptr;
      return JsonAnswer(ready ? 200 : 503, {{"ready", ready}});
    }
    if (seg.size() >= 3 && seg[1] == "models") {
      // /v2/models/{name}[/versions/{v}][/ready|/infer]
      size_t at = 3;
      if (seg.size() >= 5 && seg[3] == "versions") at = 5;
      const std::string_view action = seg.size() > at ? seg[at] : std::string_view();
      if (seg.size() > at + 1) return ErrorAnswer(404, "no route " + request.path);
      if (action.empty()) {
        if (!get) return method_not_allowed("GET");
        return JsonAnswer(200, OipModelMetadata(*named(seg[2])));
      }
      if (action == "ready") {
        if (!get) return method_not_allowed("GET");
        const bool ready = models_.Get(seg[2]) != nullptr;
        if (ready) routed.endpoint = std::string(seg[2]);
        return JsonAnswer(ready ? 200 : 404, {{"name", std::string(seg[2])}, {"ready", ready}});
      }
      if (action == "infer") {
        if (!post) return method_not_allowed("POST");
        return OipInfer(request, named(seg[2]), routed);
      }
    }
  }
  if (!seg.empty() && seg[0] == "admin") {
    routed.route = "admin";
    if (!options_.admin) {
      return ErrorAnswer(404,
                         "no route " + request.path + " (the admin routes are off: start the server with --admin)");
    }
    return Admin(request, seg);
  }
  return ErrorAnswer(404, "no route " + request.path +
                              " (routes: /ping, /invocations, /endpoints/NAME/invocations, /metrics, /v2/...)");
}

HttpResponse InferenceRouter::Admin(HttpRequest& request, const std::vector<std::string_view>& seg) const {
  auto method_not_allowed = [&](const char* allowed) { return MethodNotAllowed(request, allowed); };
  if (seg.size() == 2 && seg[1] == "reload") {
    if (request.method != "POST") return method_not_allowed("POST");
    Json names = Json::array();
    for (const ModelManager::Summary& s : models_.Summaries()) names.push_back(s.endpoint);
    models_.RequestRefresh(true);
    return JsonAnswer(202, {{"reloading", names}});
  }
  if (seg.size() == 2 && seg[1] == "endpoints") {
    if (request.method != "GET" && request.method != "HEAD") return method_not_allowed("GET");
    std::map<std::string, Json> sources;
    if (options_.endpoint_admin != nullptr) {
      for (const EndpointConfig& c : options_.endpoint_admin->List()) {
        sources[c.name] = {{"source", ToJson(c.source)}, {"generation", c.generation}};
      }
    }
    Json out = Json::array();
    for (const ModelManager::Summary& s : models_.Summaries()) {
      Json e{{"name", s.endpoint},
             {"serving", s.model == nullptr ? Json(nullptr) : Json(s.model->identity().model)},
             {"serving_generation", s.model == nullptr ? Json(nullptr) : Json(s.model->identity().generation)},
             {"status", ToJson(s.status)},
             {"load_failures", s.load_failures}};
      auto it = sources.find(s.endpoint);
      if (it != sources.end()) {
        e["source"] = it->second["source"];
        e["generation"] = it->second["generation"];
        sources.erase(it);
      }
      out.push_back(std::move(e));
    }
    // Configured but not yet seen by the server.
    for (auto& [name, config] : sources) {
      out.push_back(
          {{"name", name}, {"serving", nullptr}, {"source", config["source"]}, {"generation", config["generation"]}});
    }
    return JsonAnswer(200, {{"endpoints", out}});
  }
  if (seg.size() == 3 && seg[1] == "endpoints") {
    const std::string name(seg[2]);
    if (request.method != "PUT" && request.method != "DELETE") return method_not_allowed("PUT, DELETE");
    if (options_.endpoint_admin == nullptr) {
      return ErrorAnswer(409,
                         "this server serves a fixed bundle (--model): endpoint changes need a server of the "
                         "store's endpoints");
    }
    CheckResourceName(name, "endpoint");
    if (request.method == "DELETE") {
      options_.endpoint_admin->Delete(name);
      models_.RequestRefresh(false);
      return JsonAnswer(200, {{"deleted", name}});
    }
    Json body;
    try {
      body = ParseJson(request.body);
    } catch (const Json::exception& e) {
      throw InvalidInput(std::string("the body is not JSON: ") + e.what());
    }
    const EndpointStore::PutResult put = options_.endpoint_admin->Put(name, AdminSourceFromJson(body));
    if (put.action != EndpointStore::PutAction::kUnchanged) models_.RequestRefresh(false);
    return JsonAnswer(put.action == EndpointStore::PutAction::kCreated ? 201 : 200, ToJson(put.config));
  }
  return ErrorAnswer(
      404, "no route " + request.path + " (admin routes: /admin/endpoints, /admin/endpoints/NAME, /admin/reload)");
}

HttpResponse InferenceRouter::Invocations(HttpRequest& request, const std::shared_ptr<const ServedModel>& model,
                                          Routed& routed) const {
  const std::string_view content_type = request.Header("content-type");
  const std::optional<RowFormat> in =
      content_type.empty() ? std::optional(RowFormat::kCsv) : ParseRowFormat(content_type);
  if (!in) {
    return ErrorAnswer(415, "unsupported Content-Type '" + std::string(content_type) +
                                "' (text/csv, application/json or application/jsonlines)");
  }
  std::optional<RowFormat> out = in;
  const std::string_view accept = request.Header("accept");
  if (!accept.empty() && accept != "*/*") {
    out.reset();
    // The first listed type we write.
    std::string_view list = accept;
    while (!out && !list.empty()) {
      const size_t comma = list.find(',');
      std::string_view type = list.substr(0, comma);
      while (!type.empty() && type.front() == ' ') type.remove_prefix(1);
      out = type.substr(0, type.find(';')) == "*/*" ? in : ParseRowFormat(type);
      list.remove_prefix(comma == std::string_view::npos ? list.size() : comma + 1);
    }
    if (!out) {
      return ErrorAnswer(
          406, "cannot answer in '" + std::string(accept) + "' (text/csv, application/json or application/jsonlines)");
    }
  }
  const Schema& schema = model->input_schema();
  std::string_view field_list = request.QueryParam("output");
  if (field_list.empty()) field_list = request.Header("x-tabpilot-output");
  const std::vector<OutputField> fields =
      field_list.empty() ? DefaultOutputFields() : ParseOutputFields(field_list, model->problem().task);
  const std::optional<ExplainScale> explain =
      ParseExplainParameter(request.QueryParam("explain"), model->problem().task);
  if (explain && *out == RowFormat::kCsv) {
    return ErrorAnswer(406,
                       "explanations are answered in JSON: ask with Accept: application/json or "
                       "application/jsonlines");
  }
  if (request.body.empty()) return ErrorAnswer(400, "the request body is empty");
  RequestRows rows = *in == RowFormat::kCsv    ? DecodeCsvRows(std::move(request.body), schema)
                     : *in == RowFormat::kJson ? DecodeJsonRows(request.body, schema)
                                               : DecodeJsonLinesRows(request.body, schema);
  CheckCellTypes(rows, schema);
  routed.rows = rows.rows();
  const Matrix predictions = model->Predict(rows);
  if (explain) {
    const Explanation explanation = model->Explain(rows, *explain);
    const std::vector<std::string> columns = model->ColumnNames();
    return HttpResponse{200,
                        std::string(MediaType(*out)),
                        FormatPredictions(model->problem(), predictions, fields, *out, &explanation, &columns),
                        {}};
  }
  return HttpResponse{
      200, std::string(MediaType(*out)), FormatPredictions(model->problem(), predictions, fields, *out), {}};
}

HttpResponse InferenceRouter::OipInfer(HttpRequest& request, const std::shared_ptr<const ServedModel>& model,
                                       Routed& routed) const {
  const std::string_view content_type = request.Header("content-type");
  if (!content_type.empty() && ParseRowFormat(content_type) != RowFormat::kJson) {
    return ErrorAnswer(415, "unsupported Content-Type '" + std::string(content_type) + "' (application/json)");
  }
  if (request.body.empty()) return ErrorAnswer(400, "the request body is empty");
  OipInferRequest infer = DecodeOipInfer(request.body, model->input_schema());
  infer.explain = ParseExplainParameter(infer.explain_parameter, model->problem().task);
  CheckCellTypes(infer.rows, model->input_schema());
  routed.rows = infer.rows.rows();
  const Matrix predictions = model->Predict(infer.rows);
  if (infer.explain) {
    const Explanation explanation = model->Explain(infer.rows, *infer.explain);
    return HttpResponse{200, "application/json", EncodeOipInferResponse(*model, infer, predictions, &explanation), {}};
  }
  return HttpResponse{200, "application/json", EncodeOipInferResponse(*model, infer, predictions), {}};
}

}  // namespace tabpilot
