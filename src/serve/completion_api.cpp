#include "serve/completion_api.h"

#include <chrono>

#include "core/error.h"
#include "core/json.h"
#include "core/json_parse.h"
#include "serve/completion_request.h"
#include "serve/completion_response.h"
#include "serve/http_answers.h"

namespace tabpilot {
namespace {

// An endpoint that cannot take a request now (unknown, loading, failed):
// the answer to give, thrown out of the route.
struct Refused : std::runtime_error {
  explicit Refused(HttpResponse r) : std::runtime_error("refused"), answer(std::move(r)) {}
  HttpResponse answer;
};

// The message of the error a generation ended with.
std::string WhatOf(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "generation failed";
  }
}

// Records the rate of a generation that finished, for /metrics.
void RecordRate(HubEndpoint* endpoint, const Generation& g) {
  if (g.timings.generation_seconds > 0) {
    endpoint->last_tokens_per_second.store(static_cast<double>(g.timings.generated_tokens) /
                                           g.timings.generation_seconds);
  }
}

int64_t Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The JSON body of a POST, or InvalidInput.
Json Body(const HttpRequest& request) {
  try {
    Json j = ParseJson(request.body);
    if (!j.is_object()) throw InvalidInput("the request body must be a JSON object");
    return j;
  } catch (const Json::parse_error&) {
    throw InvalidInput("the request body is not JSON");
  }
}

// An answer written when generation ends, from the engine's thread.
HttpResponse Deferred(const std::string& content_type, std::shared_ptr<ResponseStream> stream) {
  HttpResponse r{200, content_type, "", {}, std::move(stream)};
  r.headers.emplace_back("Cache-Control", "no-cache");
  return r;
}

std::string EndpointList(const HubEndpoints& hub) {
  std::string names;
  for (const std::string& n : hub.Names()) names += (names.empty() ? "" : ", ") + n;
  return names;
}

}  // namespace

bool CompletionApi::Serves(std::string_view path) {
  return path == "/health" || path == "/v1/models" || path == "/v1/completions" || path == "/v1/chat/completions" ||
         path == "/tokenize" || path == "/detokenize" || path == "/v1/images/generations" ||
         (path.rfind("/model/", 0) == 0 && path.size() > 16 && path.substr(path.size() - 9) == "/complete");
}

HttpResponse CompletionApi::Handle(const HttpRequest& request) const {
  const std::string& path = request.path;
  const bool get = path == "/health" || path == "/v1/models";
  if (request.method != (get ? "GET" : "POST")) return MethodNotAllowed(request, get ? "GET" : "POST");
  try {
    if (path == "/health") return Health();
    if (path == "/v1/models") return Models();
    if (path == "/v1/completions") return Completions(request, false);
    if (path == "/v1/chat/completions") return Completions(request, true);
    if (path == "/tokenize") return Tokenize(request, false);
    if (path == "/detokenize") return Tokenize(request, true);
    if (path == "/v1/images/generations") {
      return ErrorAnswer(501,
                         "image generation is not available: no image model (Stable Diffusion) runs on this "
                         "server's CPU engine; it hosts text-generation models (GPT-2 and LLaMA families)");
    }
    const std::string name = PercentDecode(path.substr(7, path.size() - 7 - 9));
    return Jurassic(request, name);
  } catch (const Refused& refused) {  // an endpoint that cannot answer (loading, unknown)
    return refused.answer;
  } catch (const Error& e) {
    return ErrorAnswer(StatusOf(e), e.what());
  }
}

HttpResponse CompletionApi::Health() const {
  std::string failed;
  bool loading = false;
  for (const std::string& name : hub_.Names()) {
    const HubEndpoints::Status s = hub_.StatusOf(name);
    if (s.state == HubEndpoints::State::kLoading) loading = true;
    if (s.state == HubEndpoints::State::kFailed) failed += (failed.empty() ? "" : "; ") + name + ": " + s.error;
  }
  if (!failed.empty()) return JsonAnswer(500, Json{{"status", "error"}, {"error", failed}});
  if (loading) return JsonAnswer(503, Json{{"status", "loading"}});
  return JsonAnswer(200, Json{{"status", "ok"}});
}

HttpResponse CompletionApi::Models() const {
  Json data = Json::array();
  for (const std::string& name : hub_.Names()) {
    const auto e = hub_.Get(name);
    Json m = {{"id", name}, {"object", "model"}, {"owned_by", "tabpilot"}};
    if (e == nullptr) {
      m["created"] = 0;
      m["status"] = hub_.StatusOf(name).state == HubEndpoints::State::kLoading ? "loading" : "failed";
    } else {
      const LanguageModelInfo& i = e->model->info();
      m["created"] = e->created;
      m["status"] = "ready";
      m["meta"] = {{"architecture", i.architecture}, {"parameters", i.parameters},
                   {"precision", i.precision},       {"context", i.context},
                   {"vocabulary", i.vocab},          {"license", i.license},
                   {"file_bytes", i.file_bytes},     {"chat_format", ChatFormatName(e->chat)}};
    }
    data.push_back(std::move(m));
  }
  return JsonAnswer(200, Json{{"object", "list"}, {"data", std::move(data)}});
}

std::shared_ptr<HubEndpoint> CompletionApi::Endpoint(const std::string& requested) const {
  std::string name = requested;
  if (name.empty()) {
    const std::vector<std::string> names = hub_.Names();
    if (names.size() != 1) {
      throw Refused(ErrorAnswer(400, "name the model (\"model\": one of " + EndpointList(hub_) + ")"));
    }
    name = names[0];
  }
  if (!hub_.Known(name)) {
    throw Refused(ErrorAnswer(404, "no text-generation model '" + name + "' (models: " + EndpointList(hub_) + ")"));
  }
  auto e = hub_.Get(name);
  if (e != nullptr) return e;
  const HubEndpoints::Status s = hub_.StatusOf(name);
  if (s.state == HubEndpoints::State::kLoading) throw Refused(ErrorAnswer(503, "model '" + name + "' is loading"));
  throw Refused(ErrorAnswer(503, "model '" + name + "' failed to load: " + s.error));
}

HttpResponse CompletionApi::Completions(const HttpRequest& request, bool chat) const {
  CompletionRequest r =
      ParseCompletionRequest(request.body, chat ? CompletionApiKind::kOpenAiChat : CompletionApiKind::kOpenAiCompletion,
                             hub_.options().max_tokens_limit);
  const std::shared_ptr<HubEndpoint> e = Endpoint(r.model);
  const Tokenizer& tok = e->model->tokenizer();
  if (chat) {
    const std::string prompt = RenderChat(e->chat, r.messages, tok.vocabulary());
    r.generation.prompt = tok.Encode(prompt, {.add_bos = !ChatWritesBos(e->chat), .parse_special = true});
    for (const std::string& s : ChatStops(e->chat)) r.generation.stop.push_back(s);
  } else {
    r.generation.prompt = tok.Encode(r.prompt);
  }
  auto meta = std::make_shared<CompletionMeta>();
  meta->id = NewCompletionId(chat ? "chatcmpl-" : "cmpl-");
  meta->model = e->name;
  meta->created = Now();
  meta->chat = chat;
  auto stream = std::make_shared<ResponseStream>();
  HubEndpoint* endpoint = e.get();
  const bool include_usage = r.include_usage;
  GenerationEngine::DoneCallback done;
  TextSink sink;
  if (r.stream) {
    auto started = std::make_shared<std::vector<bool>>(static_cast<size_t>(r.generation.results), false);
    sink = [stream, meta, started](int result, std::string_view delta) {
      const bool first = !(*started)[static_cast<size_t>(result)];
      (*started)[static_cast<size_t>(result)] = true;
      return stream->Write(OpenAiDeltaEvent(*meta, result, delta, first));
    };
    done = [stream, meta, include_usage, endpoint](const Generation* g, const std::exception_ptr& error) {
      if (g != nullptr) {
        stream->Write(OpenAiEndEvents(*meta, *g, include_usage));
        RecordRate(endpoint, *g);
      } else {
        stream->Write("data: " + DumpJson(Json{{"error", WhatOf(error)}}) + "\n\ndata: [DONE]\n\n");
      }
      stream->Close();
    };
  } else {
    done = [stream, meta, endpoint](const Generation* g, const std::exception_ptr& error) {
      if (g != nullptr) {
        stream->Write(DumpJson(OpenAiAnswer(*meta, *g)) + "\n");
        RecordRate(endpoint, *g);
      } else {
        stream->Write(DumpJson(Json{{"error", WhatOf(error)}}) + "\n");
      }
      stream->Close();
    };
    // A client that goes away before the answer: nothing to write to, but
    // the generation should still stop; checked at each token.
    sink = [stream](int, std::string_view) { return !stream->cancelled(); };
  }
  try {
    e->engine->Submit(std::move(r.generation), std::move(sink), std::move(done));
  } catch (const Conflict& busy) {
    return ErrorAnswer(429, busy.what());
  }
  return Deferred(r.stream ? "text/event-stream" : "application/json", stream);
}

HttpResponse CompletionApi::Jurassic(const HttpRequest& request, const std::string& name) const {
  CompletionRequest r =
      ParseCompletionRequest(request.body, CompletionApiKind::kJurassic, hub_.options().max_tokens_limit);
  const std::shared_ptr<HubEndpoint> e = Endpoint(name);
  const Tokenizer& tok = e->model->tokenizer();
  r.generation.prompt = tok.Encode(r.prompt);
  r.generation.prompt_logprobs = true;  // AI21's answer scores the prompt's tokens too
  auto stream = std::make_shared<ResponseStream>();
  auto request_copy = std::make_shared<GenerationRequest>(r.generation);
  const std::string prompt = r.prompt;
  const std::shared_ptr<const LanguageModel> model = e->model;
  auto done = [stream, request_copy, prompt, model](const Generation* g, const std::exception_ptr& error) {
    if (g != nullptr) {
      stream->Write(DumpJson(JurassicAnswer(NewCompletionId(""), prompt, request_copy->prompt, *g, *request_copy,
                                            model->tokenizer())) +
                    "\n");
    } else {
      stream->Write(DumpJson(Json{{"error", WhatOf(error)}}) + "\n");
    }
    stream->Close();
  };
  try {
    e->engine->Submit(
        std::move(r.generation), [stream](int, std::string_view) { return !stream->cancelled(); }, std::move(done));
  } catch (const Conflict& busy) {
    return ErrorAnswer(429, busy.what());
  }
  return Deferred("application/json", stream);
}

HttpResponse CompletionApi::Tokenize(const HttpRequest& request, bool reverse) const {
  const Json body = Body(request);
  std::string model;
  if (body.contains("model")) {
    if (!body.at("model").is_string()) throw InvalidInput("model must be a string");
    model = body.at("model").get<std::string>();
  }
  const std::shared_ptr<HubEndpoint> e = Endpoint(model);
  const Tokenizer& tok = e->model->tokenizer();
  if (reverse) {
    if (!body.contains("tokens")) throw InvalidInput("tokens is missing");
    const std::vector<int32_t> ids = JsonIntegerArray<int32_t>(body.at("tokens"), "tokens");
    return JsonAnswer(200, Json::parse(DumpJson(Json{{"content", tok.Decode(ids)}})));
  }
  const Json& content = body.contains("content") ? body.at("content") : body.value("prompt", Json());
  if (!content.is_string()) throw InvalidInput("content must be a string");
  bool special = false;
  if (body.contains("add_special")) {
    if (!body.at("add_special").is_boolean()) throw InvalidInput("add_special must be true or false");
    special = body.at("add_special").get<bool>();
  }
  const std::vector<int32_t> ids =
      tok.Encode(content.get<std::string>(), {.add_bos = special, .parse_special = special});
  Json answer = {{"tokens", ids}};
  if (body.value("with_pieces", false)) {
    Json pieces = Json::array();
    for (int32_t id : ids) pieces.push_back({{"id", id}, {"piece", tok.TokenBytes(id)}});
    answer["tokens"] = std::move(pieces);
  }
  return HttpResponse{200, "application/json", DumpJson(answer) + "\n", {}};
}

}  // namespace tabpilot
