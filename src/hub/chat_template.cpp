#include "hub/chat_template.h"

#include <algorithm>

#include "core/error.h"

namespace tabpilot {
namespace {

bool Has(const std::string& text, const char* marker) { return text.find(marker) != std::string::npos; }

bool HasToken(const Vocabulary& vocab, const std::string& token) {
  return std::find(vocab.tokens.begin(), vocab.tokens.end(), token) != vocab.tokens.end();
}

std::string TokenOr(const Vocabulary& vocab, int32_t id, const std::string& fallback) {
  return id >= 0 && static_cast<size_t>(id) < vocab.tokens.size() ? vocab.tokens[static_cast<size_t>(id)] : fallback;
}

void CheckMessages(const std::vector<ChatMessage>& messages) {
  if (messages.empty()) throw InvalidInput("messages is empty");
  for (size_t i = 0; i < messages.size(); ++i) {
    const std::string& role = messages[i].role;
    if (role != "system" && role != "user" && role != "assistant") {
      throw InvalidInput("messages[" + std::to_string(i) + "].role must be system, user or assistant, not '" + role +
                         "'");
    }
  }
  if (messages.back().role == "assistant")
    throw InvalidInput("the last message is the assistant's: nothing to reply to");
}

std::string Plain(const std::vector<ChatMessage>& messages) {
  std::string out;
  for (const ChatMessage& m : messages) {
    if (m.role == "system") {
      out += m.content + "\n\n";
    } else {
      out += (m.role == "user" ? "User: " : "Assistant: ") + m.content + "\n";
    }
  }
  return out + "Assistant:";
}

std::string ChatMl(const std::vector<ChatMessage>& messages) {
  std::string out;
  for (const ChatMessage& m : messages) out += "<|im_start|>" + m.role + "\n" + m.content + "<|im_end|>\n";
  return out + "<|im_start|>assistant\n";
}

std::string Llama3(const std::vector<ChatMessage>& messages, const Vocabulary& vocab) {
  std::string out = TokenOr(vocab, vocab.bos, "<|begin_of_text|>");
  for (const ChatMessage& m : messages) {
    out += "<|start_header_id|>" + m.role + "<|end_header_id|>\n\n" + m.content + "<|eot_id|>";
  }
  return out + "<|start_header_id|>assistant<|end_header_id|>\n\n";
}

// [INST] <<SYS>>\n{system}\n<</SYS>>\n\n{user} [/INST] {assistant} </s><s>[INST] {user} [/INST]
std::string Llama2(const std::vector<ChatMessage>& messages, const Vocabulary& vocab) {
  const std::string bos = TokenOr(vocab, vocab.bos, "<s>");
  const std::string eos = TokenOr(vocab, vocab.eos, "</s>");
  std::string system;
  std::string out;
  bool first = true;
  for (const ChatMessage& m : messages) {
    if (m.role == "system") {
      system = m.content;
    } else if (m.role == "user") {
      out += bos + "[INST] ";
      if (first && !system.empty()) out += "<<SYS>>\n" + system + "\n<</SYS>>\n\n";
      out += m.content + " [/INST]";
      first = false;
    } else {
      out += " " + m.content + " " + eos;
    }
  }
  return out;
}

std::string Zephyr(const std::vector<ChatMessage>& messages, const Vocabulary& vocab) {
  const std::string eos = TokenOr(vocab, vocab.eos, "</s>");
  std::string out;
  for (const ChatMessage& m : messages) out += "<|" + m.role + "|>\n" + m.content + eos + "\n";
  return out + "<|assistant|>\n";
}

}  // namespace

const char* ChatFormatName(ChatFormat format) {
  switch (format) {
    case ChatFormat::kPlain:
      return "plain";
    case ChatFormat::kChatMl:
      return "chatml";
    case ChatFormat::kLlama2:
      return "llama-2";
    case ChatFormat::kLlama3:
      return "llama-3";
    case ChatFormat::kZephyr:
      return "zephyr";
  }
  return "plain";
}

ChatFormat DetectChatFormat(const Vocabulary& vocab) {
  const std::string& t = vocab.chat_template;
  if (Has(t, "<|im_start|>")) return ChatFormat::kChatMl;
  if (Has(t, "<|start_header_id|>")) return ChatFormat::kLlama3;
  if (Has(t, "[INST]")) return ChatFormat::kLlama2;
  if (Has(t, "<|user|>")) return ChatFormat::kZephyr;
  if (t.empty() && HasToken(vocab, "<|im_start|>") && HasToken(vocab, "<|im_end|>")) return ChatFormat::kChatMl;
  if (t.empty() && HasToken(vocab, "<|start_header_id|>")) return ChatFormat::kLlama3;
  return ChatFormat::kPlain;
}

std::string RenderChat(ChatFormat format, const std::vector<ChatMessage>& messages, const Vocabulary& vocab) {
  CheckMessages(messages);
  switch (format) {
    case ChatFormat::kChatMl:
      return ChatMl(messages);
    case ChatFormat::kLlama3:
      return Llama3(messages, vocab);
    case ChatFormat::kLlama2:
      return Llama2(messages, vocab);
    case ChatFormat::kZephyr:
      return Zephyr(messages, vocab);
    case ChatFormat::kPlain:
      break;
  }
  return Plain(messages);
}

bool ChatWritesBos(ChatFormat format) { return format == ChatFormat::kLlama2 || format == ChatFormat::kLlama3; }

std::vector<std::string> ChatStops(ChatFormat format) {
  if (format == ChatFormat::kPlain) return {"\nUser:"};
  return {};
}

}  // namespace tabpilot
