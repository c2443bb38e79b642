// Byte-level BPE (GPT-2's tokenizer; also LLaMA-3's, SmolLM's, Qwen's with
// their own pre-tokenizer patterns): the text is split into words by the
// pre-tokenizer's pattern, each word's bytes are mapped to GPT-2's 256
// printable stand-in characters, and adjacent symbols are merged by the
// merge list's rank, lowest first, until no ranked pair is left.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "hub/tokenizer.h"
#include "hub/unicode_text.h"

namespace tabpilot {

class BpeTokenizer : public Tokenizer {
 public:
  // InvalidInput naming `source` for a pre-tokenizer this engine does not
  // implement or a merge that is not two tokens.
  BpeTokenizer(Vocabulary vocab, const std::string& source);

  // The pre-tokenizers implemented: their tokenizer.ggml.pre names.
  static const std::vector<std::string>& Pretokenizers();

 protected:
  void EncodeText(std::string_view text, bool after_special, std::vector<int32_t>* out) const override;
  std::string NormalBytes(int32_t id) const override;

 private:
  enum class Pattern { kGpt2, kLlama3 };
  // The words of `text` as [begin, end) byte ranges.
  std::vector<std::pair<size_t, size_t>> Split(std::string_view text) const;
  void EncodeWord(std::string_view word, std::vector<int32_t>* out) const;

  Pattern pattern_ = Pattern::kGpt2;
  std::unordered_map<std::string, int32_t> ids_;    // token text -> id
  std::unordered_map<std::string, int32_t> ranks_;  // "left right" -> merge rank
  std::vector<std::string> byte_symbol_;            // byte -> its stand-in character (UTF-8)
  std::unordered_map<char32_t, unsigned char> symbol_byte_;
};

}  // namespace tabpilot
