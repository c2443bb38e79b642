// SentencePiece-style BPE with byte fallback, as LLaMA-1/2, TinyLlama and
// Mistral files carry it (tokenizer.ggml.model "llama"): spaces become "▁"
// (and one is put before the text), the text starts as its characters, and
// the adjacent pair whose joined text is the best-scoring token is merged
// first (ties: leftmost) until no pair is a token; a character the
// vocabulary lacks becomes its bytes' <0xXX> tokens.
#pragma once

#include <array>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "hub/tokenizer.h"

namespace tabpilot {

class SpmTokenizer : public Tokenizer {
 public:
  // InvalidInput naming `source` when the vocabulary has no scores.
  SpmTokenizer(Vocabulary vocab, const std::string& source);

 protected:
  void EncodeText(std::string_view text, bool after_special, std::vector<int32_t>* out) const override;
  std::string NormalBytes(int32_t id) const override;

 private:
  // Appends the ids for `piece`: its token, else the two pieces it was
  // merged from, else its bytes.
  void Resegment(const std::string& piece,
                 const std::unordered_map<std::string, std::pair<std::string, std::string>>& merged_from,
                 std::vector<int32_t>* out) const;

  std::unordered_map<std::string, int32_t> ids_;
  std::array<int32_t, 256> byte_ids_{};  // <0xXX> -> id, -1 when absent
};

}  // namespace tabpilot
