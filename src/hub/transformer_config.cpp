#include "hub/transformer_config.h"

#include "core/error.h"
#include "hub/gguf_file.h"

namespace tabpilot {

const std::vector<std::string>& SupportedArchitectures() {
  static const std::vector<std::string> kNames = {"gpt2", "llama"};
  return kNames;
}

TransformerConfig ReadTransformerConfig(const GgufFile& file, int64_t vocab, const std::string& source) {
  TransformerConfig c;
  c.architecture_name = file.String("general.architecture");
  if (c.architecture_name == "gpt2") {
    c.architecture = Architecture::kGpt2;
  } else if (c.architecture_name == "llama") {
    c.architecture = Architecture::kLlama;
  } else {
    throw InvalidInput(source + ": architecture '" + c.architecture_name +
                       "' is not supported (supported: gpt2, llama)");
  }
  const std::string& a = c.architecture_name;
  auto count = [&](const std::string& key) { return static_cast<int64_t>(file.Unsigned(a + "." + key)); };
  c.vocab = vocab;
  c.context = count("context_length");
  c.embedding = count("embedding_length");
  c.layers = count("block_count");
  c.heads = count("attention.head_count");
  c.kv_heads = static_cast<int64_t>(file.Unsigned(a + ".attention.head_count_kv", static_cast<uint64_t>(c.heads)));
  c.feed_forward = count("feed_forward_length");
  if (c.architecture == Architecture::kGpt2) {
    c.norm_epsilon = file.Number(a + ".attention.layer_norm_epsilon", 1e-5);
  } else {
    c.norm_epsilon = file.Number(a + ".attention.layer_norm_rms_epsilon", 1e-5);
    c.rope_base = file.Number(a + ".rope.freq_base", 10000.0);
  }
  if (c.heads > 0) {
    c.rope_dims = static_cast<int64_t>(file.Unsigned(a + ".rope.dimension_count", static_cast<uint64_t>(c.head_dim())));
  }
  CheckTransformerConfig(c, source);
  return c;
}

void CheckTransformerConfig(const TransformerConfig& c, const std::string& source) {
  auto bad = [&](const std::string& what) { throw InvalidInput(source + ": " + what); };
  constexpr int64_t kLimit = int64_t{1} << 24;
  for (const auto& [name, v] : {std::pair<const char*, int64_t>{"context length", c.context},
                                {"embedding length", c.embedding},
                                {"block count", c.layers},
                                {"head count", c.heads},
                                {"kv head count", c.kv_heads},
                                {"feed-forward length", c.feed_forward},
                                {"vocabulary", c.vocab}}) {
    if (v <= 0 || v > kLimit) bad(std::string(name) + " " + std::to_string(v) + " is out of range");
  }
  if (c.embedding % c.heads != 0) {
    bad("embedding length " + std::to_string(c.embedding) + " is not a multiple of the " + std::to_string(c.heads) +
        " heads");
  }
  if (c.heads % c.kv_heads != 0) {
    bad(std::to_string(c.heads) + " heads do not share out among " + std::to_string(c.kv_heads) + " kv heads");
  }
  if (c.architecture == Architecture::kLlama && (c.rope_dims <= 0 || c.rope_dims > c.head_dim() || c.rope_dims % 2)) {
    bad("rope dimension count " + std::to_string(c.rope_dims) + " does not fit heads of " +
        std::to_string(c.head_dim()));
  }
  if (!(c.norm_epsilon > 0 && c.norm_epsilon < 1))
    bad("norm epsilon " + std::to_string(c.norm_epsilon) + " is out of range");
  if (c.architecture == Architecture::kLlama && !(c.rope_base > 1))
    bad("rope base " + std::to_string(c.rope_base) + " is out of range");
}

}  // namespace tabpilot
