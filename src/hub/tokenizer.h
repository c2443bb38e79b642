// Text <-> token ids for a text-generation model, from the vocabulary its
// file carries. Two families behind one interface, chosen by the
// vocabulary's `model`: byte-level BPE ("gpt2": GPT-2, LLaMA-3, SmolLM;
// bpe_tokenizer.h) and SentencePiece with byte fallback ("llama": LLaMA-1/2,
// TinyLlama; spm_tokenizer.h). Immutable after construction; Encode/Decode
// are safe to call from several threads.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hub/vocabulary.h"

namespace tabpilot {

struct EncodeOptions {
  // Put the vocabulary's BOS token first when the vocabulary asks for it.
  bool add_bos = true;
  // Control and user-defined tokens written in the text ("<|im_start|>")
  // become their ids; off, they are tokenized as plain text. Prompts built
  // from chat templates need it; a user's raw text does not.
  bool parse_special = false;
};

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  // The vocabulary's tokenizer; InvalidInput naming `source` for a kind or a
  // pre-tokenizer this engine does not implement.
  static std::unique_ptr<Tokenizer> Create(Vocabulary vocab, const std::string& source);

  std::vector<int32_t> Encode(std::string_view text, const EncodeOptions& options = {}) const;
  // The bytes the ids stand for, concatenated (control tokens add nothing).
  // May end inside a UTF-8 character: a stream holds such a tail back.
  std::string Decode(std::span<const int32_t> ids) const;
  // One token's bytes; InvalidInput for an id outside the vocabulary.
  std::string TokenBytes(int32_t id) const;

  const Vocabulary& vocabulary() const { return vocab_; }
  int32_t size() const { return static_cast<int32_t>(vocab_.tokens.size()); }
  bool IsEndOfGeneration(int32_t id) const;

 protected:
  explicit Tokenizer(Vocabulary vocab);
  // Plain text (no special tokens in it) to ids, appended to `out`;
  // `after_special`: the text starts the prompt or follows a special token.
  virtual void EncodeText(std::string_view text, bool after_special, std::vector<int32_t>* out) const = 0;
  // A normal token's bytes.
  virtual std::string NormalBytes(int32_t id) const = 0;

  Vocabulary vocab_;

 private:
  // Control and user-defined ids, longest text first (matched in that order).
  std::vector<int32_t> specials_;
};

}  // namespace tabpilot
