#include "serve/completion_response.h"

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>

namespace tabpilot {
namespace {

Json Usage(const Generation& g) {
  return Json{{"prompt_tokens", g.timings.prompt_tokens},
              {"completion_tokens", g.timings.generated_tokens},
              {"total_tokens", g.timings.prompt_tokens + g.timings.generated_tokens}};
}

Json ChunkBase(const CompletionMeta& meta) {
  return Json{{"id", meta.id},
              {"object", meta.chat ? "chat.completion.chunk" : "text_completion"},
              {"created", meta.created},
              {"model", meta.model}};
}

std::string Event(const Json& j) { return "data: " + DumpJson(j) + "\n\n"; }

// Jurassic's token entry: the vocabulary's piece, its log-probability (null
// for a prompt token) and where its text lies.
Json JurassicToken(const std::string& piece, const Json& logprob, size_t start, size_t end) {
  return Json{{"generatedToken", {{"token", piece}, {"logprob", logprob}, {"raw_logprob", logprob}}},
              {"topTokens", nullptr},
              {"textRange", {{"start", start}, {"end", end}}}};
}

}  // namespace

std::string NewCompletionId(const std::string& prefix) {
  static std::atomic<uint64_t> counter{0};  // unique within the process, with the random part across processes
  thread_local std::mt19937_64 rng(std::random_device{}());
  char buf[40];
  std::snprintf(buf, sizeof buf, "%016llx%04llx", static_cast<unsigned long long>(rng()),
                static_cast<unsigned long long>(counter.fetch_add(1) & 0xFFFF));
  return prefix + buf;
}

std::string DumpJson(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

const char* OpenAiFinishReason(FinishReason reason) { return reason == FinishReason::kLength ? "length" : "stop"; }

Json OpenAiAnswer(const CompletionMeta& meta, const Generation& g) {
  Json choices = Json::array();
  for (size_t i = 0; i < g.completions.size(); ++i) {
    const Completion& c = g.completions[i];
    Json choice = {{"index", i}};
    if (meta.chat) {
      choice["message"] = {{"role", "assistant"}, {"content", c.text}};
    } else {
      choice["text"] = c.text;
      choice["logprobs"] = nullptr;
    }
    choice["finish_reason"] = OpenAiFinishReason(c.reason);
    choices.push_back(std::move(choice));
  }
  return Json{{"id", meta.id},
              {"object", meta.chat ? "chat.completion" : "text_completion"},
              {"created", meta.created},
              {"model", meta.model},
              {"choices", std::move(choices)},
              {"usage", Usage(g)}};
}

std::string OpenAiDeltaEvent(const CompletionMeta& meta, int index, std::string_view text, bool first) {
  Json j = ChunkBase(meta);
  Json choice = {{"index", index}};
  if (meta.chat) {
    choice["delta"] =
        first ? Json{{"role", "assistant"}, {"content", std::string(text)}} : Json{{"content", std::string(text)}};
  } else {
    choice["text"] = std::string(text);
    choice["logprobs"] = nullptr;
  }
  choice["finish_reason"] = nullptr;
  j["choices"] = Json::array({std::move(choice)});
  return Event(j);
}

std::string OpenAiEndEvents(const CompletionMeta& meta, const Generation& g, bool include_usage) {
  std::string out;
  for (size_t i = 0; i < g.completions.size(); ++i) {
    Json j = ChunkBase(meta);
    Json choice = {{"index", i}};
    if (meta.chat) {
      choice["delta"] = Json::object();
    } else {
      choice["text"] = "";
      choice["logprobs"] = nullptr;
    }
    choice["finish_reason"] = OpenAiFinishReason(g.completions[i].reason);
    j["choices"] = Json::array({std::move(choice)});
    out += Event(j);
  }
  if (include_usage) {
    Json j = ChunkBase(meta);
    j["choices"] = Json::array();
    j["usage"] = Usage(g);
    out += Event(j);
  }
  return out + "data: [DONE]\n\n";
}

Json JurassicAnswer(const std::string& id, const std::string& prompt, const std::vector<int32_t>& prompt_ids,
                    const Generation& g, const GenerationRequest& request, const Tokenizer& tokenizer) {
  // Prompt tokens: offsets into the decoded prompt, less SentencePiece's
  // leading space when it added one.
  Json prompt_tokens = Json::array();
  std::string decoded;
  for (int32_t id_ : prompt_ids) decoded += tokenizer.TokenBytes(id_);
  const size_t shift = (!decoded.empty() && decoded[0] == ' ' && (prompt.empty() || prompt[0] != ' ')) ? 1 : 0;
  size_t at = 0;
  for (size_t i = 0; i < prompt_ids.size(); ++i) {
    const int32_t token = prompt_ids[i];
    const size_t length = tokenizer.TokenBytes(token).size();
    const size_t start = at >= shift ? at - shift : 0;
    const size_t end = at + length >= shift ? at + length - shift : 0;
    // The first token (and a prompt too long to score) has no log-probability.
    Json logprob = nullptr;
    if (i < g.prompt_logprobs.size() && !std::isnan(g.prompt_logprobs[i])) logprob = g.prompt_logprobs[i];
    if (length > 0) {
      prompt_tokens.push_back(JurassicToken(tokenizer.vocabulary().tokens[static_cast<size_t>(token)], logprob, start,
                                            std::min(end, prompt.size())));
    }
    at += length;
  }
  Json completions = Json::array();
  for (const Completion& c : g.completions) {
    Json tokens = Json::array();
    for (size_t i = 0; i < c.tokens.size(); ++i) {
      const GeneratedToken& t = c.tokens[i];
      const size_t end = i + 1 < c.tokens.size() ? c.tokens[i + 1].text_begin : c.text.size();
      tokens.push_back(
          JurassicToken(tokenizer.vocabulary().tokens[static_cast<size_t>(t.id)], t.logprob, t.text_begin, end));
    }
    Json reason = {{"reason", FinishReasonName(c.reason)}};
    if (c.reason == FinishReason::kLength) reason["length"] = request.max_tokens;
    if (c.reason == FinishReason::kStop) reason["sequence"] = c.stop_sequence;
    completions.push_back({{"data", {{"text", c.text}, {"tokens", std::move(tokens)}}}, {"finishReason", reason}});
  }
  return Json{{"id", id},
              {"prompt", {{"text", prompt}, {"tokens", std::move(prompt_tokens)}}},
              {"completions", std::move(completions)}};
}

}  // namespace tabpilot
