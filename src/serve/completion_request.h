// Text-generation requests as the APIs send them (OpenAI completions and
// chat, AI21's Jurassic complete), read into the engine's terms. Every
// field is checked (InvalidInput naming it); fields an API defines but this
// engine does not implement are refused when set to anything but their
// neutral value, and unknown fields are refused, so a request never
// silently means something else here.
#pragma once

#include <string>
#include <vector>

#include "core/json.h"
#include "hub/chat_template.h"
#include "hub/generator.h"

namespace tabpilot {

struct CompletionRequest {
  std::string model;                  // "" when the request names none
  std::string prompt;                 // completions and Jurassic
  std::vector<ChatMessage> messages;  // chat
  bool stream = false;
  bool include_usage = false;  // OpenAI stream_options.include_usage
  // Everything but the prompt's ids (set once the model is known).
  GenerationRequest generation;
};

enum class CompletionApiKind { kOpenAiCompletion, kOpenAiChat, kJurassic };

// Reads a request body. `max_tokens_limit`: the most a request may ask for.
CompletionRequest ParseCompletionRequest(const std::string& body, CompletionApiKind kind, int max_tokens_limit);

}  // namespace tabpilot
