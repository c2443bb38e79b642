// The text-generation routes, over the models in HubEndpoints:
//
//   GET  /health                  200 {"status":"ok"}; 503 {"status":"loading"} while a model loads;
//                                 500 {"status":"error"} when one failed
//   GET  /v1/models               OpenAI's model list
//   POST /v1/completions          OpenAI completions (prompt; "stream": true for server-sent events)
//   POST /v1/chat/completions     OpenAI chat (messages through the model's chat format; streams too)
//   POST /model/{name}/complete   AI21 Jurassic-style completions (prompt, maxTokens, minTokens,
//                                 temperature, topP, numResults, stopSequences)
//   POST /tokenize, /detokenize   llama.cpp's: {"content": text} -> {"tokens": [...]}, and back
//   POST /v1/images/generations   501: no image model runs on this engine
//
// Requests are checked field by field (400 naming the field; unknown fields
// too); a model still loading is 503, an unknown one 404, a full queue 429.
// Generation runs on the model's engine, never on the server's threads: the
// answer is a ResponseStream written as tokens come (streams) or once at
// the end. A client that goes away cancels its generation.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "serve/http_message.h"
#include "serve/hub_endpoints.h"

namespace tabpilot {

class CompletionApi {
 public:
  // Borrows `hub` (it outlives the API).
  explicit CompletionApi(HubEndpoints& hub) : hub_(hub) {}

  // True for the paths above (whatever the method).
  static bool Serves(std::string_view path);
  // Answers a request for one of those paths. Thread-safe.
  HttpResponse Handle(const HttpRequest& request) const;
  // Whether any text-generation endpoint is configured (ready or not).
  bool HasModels() const { return !hub_.empty(); }
  // The models' Prometheus lines (tokens, rates, requests in flight).
  std::string MetricsText() const { return hub_.MetricsText(); }

 private:
  HttpResponse Health() const;
  HttpResponse Models() const;
  HttpResponse Completions(const HttpRequest& request, bool chat) const;
  HttpResponse Jurassic(const HttpRequest& request, const std::string& name) const;
  HttpResponse Tokenize(const HttpRequest& request, bool reverse) const;
  // The ready endpoint named (or, when `name` is empty, the only one);
  // NotFound / Conflict ("loading") otherwise.
  std::shared_ptr<HubEndpoint> Endpoint(const std::string& name) const;

  HubEndpoints& hub_;
};

}  // namespace tabpilot
