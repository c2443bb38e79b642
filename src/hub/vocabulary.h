// A model's vocabulary as its file states it: the tokens (by id), their
// scores and types, the BPE merges, the special ids and the tokenizer's
// kind. Read from GGUF (the tokenizer.ggml.* keys llama.cpp writes) or built
// by a caller (a safetensors folder's tokenizer.json, tests).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tabpilot {

class GgufFile;

// GGUF's token types (tokenizer.ggml.token_type).
enum class TokenType : int32_t {
  kUndefined = 0,
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,      // <s>, </s>, <|endoftext|>, <|im_start|>: never produced by plain text
  kUserDefined = 4,  // added tokens matched as written
  kUnused = 5,
  kByte = 6,  // <0x0A>: SentencePiece's byte fallback
};

struct Vocabulary {
  // "gpt2": byte-level BPE (GPT-2, LLaMA-3, SmolLM, ...); "llama": SentencePiece
  // with byte fallback (LLaMA-1/2, TinyLlama, Mistral).
  std::string model;
  // The byte-level BPE's pre-tokenizer ("default"/"gpt2", "llama-bpe", ...).
  std::string pre = "default";
  std::vector<std::string> tokens;
  std::vector<float> scores;        // empty or one per token
  std::vector<TokenType> types;     // empty or one per token (empty: all normal)
  std::vector<std::string> merges;  // "left right", best first (byte-level BPE)
  int32_t bos = -1;
  int32_t eos = -1;
  int32_t unknown = -1;
  int32_t padding = -1;
  bool add_bos = false;
  // SentencePiece: a space before the text (its "dummy prefix").
  bool add_space_prefix = true;
  std::string chat_template;  // tokenizer.chat_template, when the file has one

  TokenType TypeOf(int32_t id) const;
  // Throws InvalidInput naming `source` when sizes disagree or an id is out of range.
  void Check(const std::string& source) const;
};

// The vocabulary a GGUF file carries. Throws InvalidInput naming the file
// for a missing or malformed tokenizer.ggml.* key.
Vocabulary ReadVocabulary(const GgufFile& file, const std::string& source);

}  // namespace tabpilot
