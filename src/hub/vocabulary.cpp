#include "hub/vocabulary.h"

#include "core/error.h"
#include "hub/gguf_file.h"

namespace tabpilot {
namespace {

int32_t OptionalId(const GgufFile& file, const std::string& key, const std::string& source) {
  const GgufValue* value = file.Find(key);
  if (value == nullptr) return -1;
  const uint64_t id = file.Unsigned(key);
  if (id > static_cast<uint64_t>(INT32_MAX)) {
    throw InvalidInput(source + ": metadata '" + key + "': id " + std::to_string(id) + " out of range");
  }
  return static_cast<int32_t>(id);
}

bool OptionalBool(const GgufFile& file, const std::string& key, bool fallback, const std::string& source) {
  const GgufValue* value = file.Find(key);
  if (value == nullptr) return fallback;
  if (value->type != GgufType::kBool) throw InvalidInput(source + ": metadata '" + key + "' is not a bool");
  return value->integer != 0;
}

}  // namespace

TokenType Vocabulary::TypeOf(int32_t id) const {
  if (types.empty() || id < 0 || static_cast<size_t>(id) >= types.size()) return TokenType::kNormal;
  return types[static_cast<size_t>(id)];
}

void Vocabulary::Check(const std::string& source) const {
  if (tokens.empty()) throw InvalidInput(source + ": the vocabulary has no tokens");
  if (!scores.empty() && scores.size() != tokens.size()) {
    throw InvalidInput(source + ": " + std::to_string(scores.size()) + " token scores for " +
                       std::to_string(tokens.size()) + " tokens");
  }
  if (!types.empty() && types.size() != tokens.size()) {
    throw InvalidInput(source + ": " + std::to_string(types.size()) + " token types for " +
                       std::to_string(tokens.size()) + " tokens");
  }
  for (const auto& [name, id] :
       {std::pair<const char*, int32_t>{"bos", bos}, {"eos", eos}, {"unknown", unknown}, {"padding", padding}}) {
    if (id >= static_cast<int32_t>(tokens.size())) {
      throw InvalidInput(source + ": the " + name + " token id " + std::to_string(id) + " is beyond the " +
                         std::to_string(tokens.size()) + "-token vocabulary");
    }
  }
}

Vocabulary ReadVocabulary(const GgufFile& file, const std::string& source) {
  Vocabulary vocab;
  // GgufFile's own errors name the file already.
  vocab.model = file.String("tokenizer.ggml.model");
  if (file.Find("tokenizer.ggml.pre") != nullptr) vocab.pre = file.String("tokenizer.ggml.pre");
  vocab.tokens = file.Strings("tokenizer.ggml.tokens");
  if (file.Find("tokenizer.ggml.scores") != nullptr) {
    for (double s : file.Numbers("tokenizer.ggml.scores")) vocab.scores.push_back(static_cast<float>(s));
  }
  if (file.Find("tokenizer.ggml.token_type") != nullptr) {
    for (double t : file.Numbers("tokenizer.ggml.token_type")) {
      if (!(t >= 0 && t <= 6)) {
        throw InvalidInput(source + ": metadata 'tokenizer.ggml.token_type': unknown type " + std::to_string(t));
      }
      vocab.types.push_back(static_cast<TokenType>(static_cast<int32_t>(t)));
    }
  }
  if (file.Find("tokenizer.ggml.merges") != nullptr) vocab.merges = file.Strings("tokenizer.ggml.merges");
  vocab.bos = OptionalId(file, "tokenizer.ggml.bos_token_id", source);
  vocab.eos = OptionalId(file, "tokenizer.ggml.eos_token_id", source);
  vocab.unknown = OptionalId(file, "tokenizer.ggml.unknown_token_id", source);
  vocab.padding = OptionalId(file, "tokenizer.ggml.padding_token_id", source);
  // llama.cpp's defaults: SentencePiece adds BOS and the space prefix; byte-level BPE neither.
  const bool spm = vocab.model == "llama";
  vocab.add_bos = OptionalBool(file, "tokenizer.ggml.add_bos_token", spm, source);
  vocab.add_space_prefix = OptionalBool(file, "tokenizer.ggml.add_space_prefix", spm, source);
  if (file.Find("tokenizer.chat_template") != nullptr) vocab.chat_template = file.String("tokenizer.chat_template");
  vocab.Check(source);
  return vocab;
}

}  // namespace tabpilot
