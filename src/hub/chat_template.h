// Chat messages to a prompt, in the format the model was tuned on. GGUF
// files carry a Jinja template (tokenizer.chat_template); instead of a Jinja
// engine the hub recognises the common formats by their markers and renders
// them itself: ChatML (<|im_start|>: Qwen, SmolLM, many fine-tunes), LLaMA-3
// (<|start_header_id|>), LLaMA-2 ([INST], <<SYS>>), Zephyr/TinyLlama-chat
// (<|user|>), and a plain "User:/Assistant:" layout for base models without
// a template (GPT-2). The prompt ends where the assistant's reply begins.
#pragma once

#include <string>
#include <vector>

#include "hub/vocabulary.h"

namespace tabpilot {

struct ChatMessage {
  std::string role;  // "system", "user" or "assistant"
  std::string content;
};

enum class ChatFormat { kPlain, kChatMl, kLlama2, kLlama3, kZephyr };

// "plain", "chatml", "llama-2", "llama-3", "zephyr".
const char* ChatFormatName(ChatFormat format);
// The format a vocabulary's template (and special tokens) call for.
ChatFormat DetectChatFormat(const Vocabulary& vocab);
// The prompt for `messages` (special tokens written as text: encode it with
// parse_special). InvalidInput for no messages, an unknown role, or a last
// message that is the assistant's.
std::string RenderChat(ChatFormat format, const std::vector<ChatMessage>& messages, const Vocabulary& vocab);
// Whether the rendered prompt starts with the BOS token itself (encode it
// without adding another).
bool ChatWritesBos(ChatFormat format);
// Extra stop sequences the format ends a turn with (beyond the end-of-text
// tokens): "User:" for plain.
std::vector<std::string> ChatStops(ChatFormat format);

}  // namespace tabpilot
