#include "hub/tokenizer.h"

#include <algorithm>
#include <array>

#include "core/error.h"
#include "hub/bpe_tokenizer.h"
#include "hub/spm_tokenizer.h"

namespace tabpilot {
namespace {

bool IsSpecial(TokenType type) { return type == TokenType::kControl || type == TokenType::kUserDefined; }

// Tokens that end a turn in the chat formats the hub knows, besides EOS.
constexpr std::array<std::string_view, 6> kEndOfTurn = {"<|eot_id|>",    "<|im_end|>",    "<|end|>",
                                                        "<|endoftext|>", "<end_of_turn>", "<|end_of_text|>"};

}  // namespace

Tokenizer::Tokenizer(Vocabulary vocab) : vocab_(std::move(vocab)) {
  for (size_t id = 0; id < vocab_.types.size(); ++id) {
    if (IsSpecial(vocab_.types[id]) && !vocab_.tokens[id].empty()) specials_.push_back(static_cast<int32_t>(id));
  }
  std::stable_sort(specials_.begin(), specials_.end(), [this](int32_t a, int32_t b) {
    return vocab_.tokens[static_cast<size_t>(a)].size() > vocab_.tokens[static_cast<size_t>(b)].size();
  });
}

std::unique_ptr<Tokenizer> Tokenizer::Create(Vocabulary vocab, const std::string& source) {
  vocab.Check(source);
  if (vocab.model == "gpt2") return std::make_unique<BpeTokenizer>(std::move(vocab), source);
  if (vocab.model == "llama") return std::make_unique<SpmTokenizer>(std::move(vocab), source);
  throw InvalidInput(source + ": tokenizer '" + vocab.model +
                     "' is not supported (supported: gpt2 = byte-level BPE, llama = SentencePiece)");
}

std::vector<int32_t> Tokenizer::Encode(std::string_view text, const EncodeOptions& options) const {
  std::vector<int32_t> ids;
  if (options.add_bos && vocab_.add_bos && vocab_.bos >= 0) ids.push_back(vocab_.bos);
  bool after_special = true;
  size_t start = 0;  // of the plain text not yet encoded
  size_t i = 0;
  while (i < text.size()) {
    int32_t match = -1;
    for (int32_t id : specials_) {
      if (!options.parse_special && vocab_.TypeOf(id) == TokenType::kControl) continue;
      if (text.substr(i).starts_with(vocab_.tokens[static_cast<size_t>(id)])) {
        match = id;
        break;
      }
    }
    if (match < 0) {
      ++i;
      continue;
    }
    if (i > start) EncodeText(text.substr(start, i - start), after_special, &ids);
    ids.push_back(match);
    after_special = true;
    i += vocab_.tokens[static_cast<size_t>(match)].size();
    start = i;
  }
  if (start < text.size()) EncodeText(text.substr(start), after_special, &ids);
  return ids;
}

std::string Tokenizer::TokenBytes(int32_t id) const {
  if (id < 0 || id >= size()) {
    throw InvalidInput("token id " + std::to_string(id) + " is outside the vocabulary (0-" +
                       std::to_string(size() - 1) + ")");
  }
  switch (vocab_.TypeOf(id)) {
    case TokenType::kControl:
    case TokenType::kUnknown:
    case TokenType::kUnused:
      return {};
    case TokenType::kUserDefined:
      return vocab_.tokens[static_cast<size_t>(id)];
    default:
      return NormalBytes(id);
  }
}

std::string Tokenizer::Decode(std::span<const int32_t> ids) const {
  std::string out;
  for (int32_t id : ids) out += TokenBytes(id);
  return out;
}

bool Tokenizer::IsEndOfGeneration(int32_t id) const {
  if (id == vocab_.eos) return true;
  if (id < 0 || id >= size() || vocab_.TypeOf(id) != TokenType::kControl) return false;
  const std::string& text = vocab_.tokens[static_cast<size_t>(id)];
  return std::find(kEndOfTurn.begin(), kEndOfTurn.end(), text) != kEndOfTurn.end();
}

}  // namespace tabpilot
