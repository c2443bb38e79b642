#include "serve/completion_request.h"

#include <cstdio>
#include <set>

#include "core/error.h"
#include "core/json_parse.h"

namespace tabpilot {
namespace {

std::string Format(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

double Number(const Json& v, const std::string& field, double low, double high) {
  if (!v.is_number()) throw InvalidInput(field + " must be a number");
  const double x = v.get<double>();
  if (!(x >= low && x <= high)) throw InvalidInput(field + " must be between " + Format(low) + " and " + Format(high));
  return x;
}

int Integer(const Json& v, const std::string& field, int low, int high) {
  const int x = JsonInteger<int>(v, field);
  if (x < low || x > high) {
    throw InvalidInput(field + " must be between " + std::to_string(low) + " and " + std::to_string(high));
  }
  return x;
}

std::string Text(const Json& v, const std::string& field) {
  if (!v.is_string()) throw InvalidInput(field + " must be a string");
  return v.get<std::string>();
}

// A string or an array of strings (OpenAI's stop; up to `most`).
std::vector<std::string> Strings(const Json& v, const std::string& field, size_t most) {
  std::vector<std::string> out;
  if (v.is_null()) return out;
  if (v.is_string()) {
    out.push_back(v.get<std::string>());
  } else if (v.is_array()) {
    for (const Json& s : v) out.push_back(Text(s, field + "[]"));
  } else {
    throw InvalidInput(field + " must be a string or an array of strings");
  }
  if (out.size() > most) throw InvalidInput(field + " has more than " + std::to_string(most) + " entries");
  for (const std::string& s : out) {
    if (s.empty()) throw InvalidInput(field + " has an empty entry");
  }
  return out;
}

// A field the engine does not implement: accepted only at its neutral value.
void Neutral(const Json& v, const std::string& field, const Json& neutral) {
  if (v.is_null() || v == neutral) return;
  throw InvalidInput(field + " is not supported by this server (leave it out or set it to " + neutral.dump() + ")");
}

void ReadOpenAi(const Json& body, CompletionApiKind kind, int limit, CompletionRequest* r) {
  GenerationRequest& g = r->generation;
  g.max_tokens = 16;
  g.sampling.temperature = 1.0;
  const std::set<std::string> known = {"model",
                                       "prompt",
                                       "messages",
                                       "max_tokens",
                                       "max_completion_tokens",
                                       "temperature",
                                       "top_p",
                                       "n",
                                       "stream",
                                       "stream_options",
                                       "stop",
                                       "seed",
                                       "user",
                                       "top_k",
                                       "min_p",
                                       "repetition_penalty",
                                       "repeat_penalty",
                                       "min_tokens",
                                       "frequency_penalty",
                                       "presence_penalty",
                                       "logit_bias",
                                       "logprobs",
                                       "top_logprobs",
                                       "echo",
                                       "best_of",
                                       "suffix",
                                       "response_format",
                                       "tools",
                                       "tool_choice",
                                       "parallel_tool_calls"};
  for (const auto& [key, value] : body.items()) {
    if (!known.count(key)) throw InvalidInput("unknown field '" + key + "'");
    const std::string& k = key;
    if (k == "model") {
      r->model = Text(value, k);
    } else if (k == "prompt" && kind == CompletionApiKind::kOpenAiCompletion) {
      const std::vector<std::string> prompts = Strings(value, k, 1);
      if (prompts.empty()) throw InvalidInput("prompt must be a string");
      r->prompt = prompts[0];
    } else if (k == "messages" && kind == CompletionApiKind::kOpenAiChat) {
      if (!value.is_array()) throw InvalidInput("messages must be an array");
      for (size_t i = 0; i < value.size(); ++i) {
        const Json& m = value[i];
        const std::string at = "messages[" + std::to_string(i) + "]";
        if (!m.is_object() || !m.contains("role") || !m.contains("content")) {
          throw InvalidInput(at + " must be an object with role and content");
        }
        r->messages.push_back({Text(m.at("role"), at + ".role"), Text(m.at("content"), at + ".content")});
      }
    } else if (k == "max_tokens" || k == "max_completion_tokens") {
      g.max_tokens = Integer(value, k, 0, limit);
    } else if (k == "min_tokens") {
      g.min_tokens = Integer(value, k, 0, limit);
    } else if (k == "temperature") {
      g.sampling.temperature = Number(value, k, 0, 2);
    } else if (k == "top_p") {
      g.sampling.top_p = Number(value, k, 1e-9, 1);
    } else if (k == "top_k") {
      g.sampling.top_k = Integer(value, k, 0, 1 << 20);
    } else if (k == "min_p") {
      g.sampling.min_p = Number(value, k, 0, 0.999);
    } else if (k == "repetition_penalty" || k == "repeat_penalty") {
      g.sampling.repetition_penalty = Number(value, k, 0.01, 10);
    } else if (k == "n") {
      g.results = Integer(value, k, 1, 16);
    } else if (k == "seed") {
      g.sampling.seed = static_cast<uint64_t>(JsonInteger<int64_t>(value, k));
    } else if (k == "stream") {
      if (!value.is_boolean()) throw InvalidInput("stream must be true or false");
      r->stream = value.get<bool>();
    } else if (k == "stream_options") {
      if (!value.is_null() && !value.is_object()) throw InvalidInput("stream_options must be an object");
      if (value.is_object() && value.contains("include_usage")) {
        if (!value.at("include_usage").is_boolean()) throw InvalidInput("stream_options.include_usage must be a bool");
        r->include_usage = value.at("include_usage").get<bool>();
      }
    } else if (k == "stop") {
      g.stop = Strings(value, k, 4);
    } else if (k == "user") {
      Text(value, k);  // the caller's end-user id: nothing to do with it here
    } else if (k == "frequency_penalty" || k == "presence_penalty") {
      Neutral(value, k, 0);
    } else if (k == "logit_bias" || k == "response_format") {
      if (!value.is_null() && !(value.is_object() && (value.empty() || value.value("type", "") == "text"))) {
        throw InvalidInput(k + " is not supported by this server");
      }
    } else if (k == "logprobs") {
      Neutral(value, k, kind == CompletionApiKind::kOpenAiChat ? Json(false) : Json(nullptr));
    } else if (k == "echo") {
      Neutral(value, k, false);
    } else if (k == "best_of") {
      Neutral(value, k, 1);
    } else if (k == "top_logprobs" || k == "suffix" || k == "tools" || k == "tool_choice" ||
               k == "parallel_tool_calls") {
      Neutral(value, k, nullptr);
    } else {
      throw InvalidInput("unknown field '" + k + "'");
    }
  }
  if (kind == CompletionApiKind::kOpenAiCompletion && !body.contains("prompt")) throw InvalidInput("prompt is missing");
  if (kind == CompletionApiKind::kOpenAiChat && r->messages.empty()) throw InvalidInput("messages is missing or empty");
  if (g.min_tokens > g.max_tokens) throw InvalidInput("min_tokens is above max_tokens");
}

// AI21's Jurassic-1 complete: prompt, maxTokens (16), minTokens (0),
// temperature (1), topP (1), topKReturn (0), numResults (1), stopSequences.
void ReadJurassic(const Json& body, int limit, CompletionRequest* r) {
  GenerationRequest& g = r->generation;
  g.max_tokens = 16;
  g.sampling.temperature = 1.0;
  for (const auto& [k, value] : body.items()) {
    if (k == "prompt") {
      r->prompt = Text(value, k);
    } else if (k == "maxTokens") {
      g.max_tokens = Integer(value, k, 0, limit);
    } else if (k == "minTokens") {
      g.min_tokens = Integer(value, k, 0, limit);
    } else if (k == "temperature") {
      g.sampling.temperature = Number(value, k, 0, 5);
    } else if (k == "topP") {
      g.sampling.top_p = Number(value, k, 1e-9, 1);
    } else if (k == "topKReturn") {
      Neutral(value, k, 0);
    } else if (k == "numResults") {
      g.results = Integer(value, k, 1, 16);
    } else if (k == "stopSequences") {
      g.stop = Strings(value, k, 16);
    } else if (k == "seed") {
      g.sampling.seed = static_cast<uint64_t>(JsonInteger<int64_t>(value, k));
    } else if (k == "frequencyPenalty" || k == "presencePenalty" || k == "countPenalty") {
      if (!value.is_null() && !(value.is_object() && value.value("scale", 0.0) == 0.0)) {
        throw InvalidInput(k + " is not supported by this server");
      }
    } else {
      throw InvalidInput("unknown field '" + k + "'");
    }
  }
  if (!body.contains("prompt")) throw InvalidInput("prompt is missing");
  if (g.min_tokens > g.max_tokens) throw InvalidInput("minTokens is above maxTokens");
}

}  // namespace

CompletionRequest ParseCompletionRequest(const std::string& body, CompletionApiKind kind, int max_tokens_limit) {
  Json j;
  try {
    j = ParseJson(body);
  } catch (const Json::parse_error&) {
    throw InvalidInput("the request body is not JSON");
  }
  if (!j.is_object()) throw InvalidInput("the request body must be a JSON object");
  CompletionRequest r;
  if (kind == CompletionApiKind::kJurassic) {
    ReadJurassic(j, max_tokens_limit, &r);
  } else {
    ReadOpenAi(j, kind, max_tokens_limit, &r);
  }
  return r;
}

}  // namespace tabpilot
