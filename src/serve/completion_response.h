// Text-generation answers in each API's shape: OpenAI completions and chat
// (whole, and as server-sent-event chunks), and AI21's Jurassic complete.
// Text that is not valid UTF-8 (a model may emit stray bytes) is written
// with U+FFFD in their place, never an error.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/json.h"
#include "hub/generator.h"
#include "hub/tokenizer.h"

namespace tabpilot {

// What every answer of one request shares.
struct CompletionMeta {
  std::string id;     // "cmpl-..." / "chatcmpl-..."
  std::string model;  // the endpoint's name
  int64_t created = 0;
  bool chat = false;
};

// A fresh id with `prefix` ("cmpl-", "chatcmpl-").
std::string NewCompletionId(const std::string& prefix);
// JSON text, invalid UTF-8 replaced.
std::string DumpJson(const Json& j);

// OpenAI: the whole answer.
Json OpenAiAnswer(const CompletionMeta& meta, const Generation& g);
// OpenAI: one server-sent event ("data: {...}\n\n") with a piece of result
// `index`'s text (`first`: the chat stream's first piece also says the role).
std::string OpenAiDeltaEvent(const CompletionMeta& meta, int index, std::string_view text, bool first);
// OpenAI: the events after the last piece: each result's finish reason, the
// usage (when asked), then "data: [DONE]".
std::string OpenAiEndEvents(const CompletionMeta& meta, const Generation& g, bool include_usage);
// OpenAI's finish_reason: "length", or "stop" (end of text, stop sequence).
const char* OpenAiFinishReason(FinishReason reason);

// Jurassic: {id, prompt: {text, tokens}, completions: [{data: {text, tokens}, finishReason}]}.
Json JurassicAnswer(const std::string& id, const std::string& prompt, const std::vector<int32_t>& prompt_ids,
                    const Generation& g, const GenerationRequest& request, const Tokenizer& tokenizer);

}  // namespace tabpilot
