#include "hub/hf_checkpoint.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <unordered_map>

#include "core/error.h"
#include "core/json.h"

namespace tabpilot {
namespace {

namespace fs = std::filesystem;

// A JSON file as J (Json, or SortedJson for a tokenizer's large objects).
template <class J = Json>
J ReadJson(const fs::path& path, bool required) {
  std::ifstream in(path);
  if (!in) {
    if (required) throw InvalidInput(path.parent_path().string() + ": no " + path.filename().string());
    return J::object();
  }
  std::stringstream s;
  s << in.rdbuf();
  try {
    return J::parse(s.str());
  } catch (const typename J::exception&) {
    throw InvalidInput(path.string() + ": not JSON");
  }
}

int64_t Count(const Json& config, const char* key, const std::string& source) {
  if (!config.contains(key)) throw InvalidInput(source + ": config.json has no '" + key + "'");
  return JsonInteger<int64_t>(config.at(key), source + ": config.json '" + key + "'");
}

double Real(const Json& config, const char* key, double fallback, const std::string& source) {
  if (!config.contains(key) || config.at(key).is_null()) return fallback;
  if (!config.at(key).is_number()) throw InvalidInput(source + ": config.json '" + key + "' is not a number");
  return config.at(key).get<double>();
}

// A special token as tokenizer_config.json writes it: "text" or {"content": "text"}.
std::string SpecialText(const SortedJson& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("content") && v.at("content").is_string()) return v.at("content").get<std::string>();
  return "";
}

class Tensors {
 public:
  Tensors(const std::vector<SafetensorsFile>& files, std::string source) : source_(std::move(source)) {
    for (const SafetensorsFile& f : files) {
      for (const auto& [name, t] : f.tensors()) by_name_[name] = &t;
    }
  }
  const SafeTensor* Find(const std::string& name) const {
    const auto it = by_name_.find(name);
    return it == by_name_.end() ? nullptr : it->second;
  }
  const SafeTensor& Get(const std::string& name) const {
    const SafeTensor* t = Find(name);
    if (t == nullptr) throw InvalidInput(source_ + ": tensor '" + name + "' is missing");
    return *t;
  }
  // [rows, cols] as stored (nn.Linear: [out, in]).
  WeightMatrix Matrix(const std::string& name, int64_t rows, int64_t cols) const {
    const SafeTensor& t = Get(name);
    if (t.shape.size() != 2 || static_cast<int64_t>(t.shape[0]) != rows || static_cast<int64_t>(t.shape[1]) != cols) {
      throw InvalidInput(source_ + ": tensor '" + name + "' has shape " + Shape(t) + ", expected [" +
                         std::to_string(rows) + ", " + std::to_string(cols) + "]");
    }
    return View(t, rows, cols);
  }
  // GPT-2's Conv1D: stored [in, out]; transposed into `owned` as [out, in].
  WeightMatrix Transposed(const std::string& name, int64_t rows, int64_t cols,
                          std::vector<std::shared_ptr<std::vector<unsigned char>>>* owned) const {
    const SafeTensor& t = Get(name);
    if (t.shape.size() != 2 || static_cast<int64_t>(t.shape[0]) != cols || static_cast<int64_t>(t.shape[1]) != rows) {
      throw InvalidInput(source_ + ": tensor '" + name + "' has shape " + Shape(t) + ", expected [" +
                         std::to_string(cols) + ", " + std::to_string(rows) + "]");
    }
    const size_t width = t.type == GgmlType::kF32 ? 4 : 2;
    auto copy = std::make_shared<std::vector<unsigned char>>(t.bytes);
    for (int64_t c = 0; c < cols; ++c) {
      for (int64_t r = 0; r < rows; ++r) {
        std::memcpy(copy->data() + (r * cols + c) * width, t.data + (c * rows + r) * width, width);
      }
    }
    owned->push_back(copy);
    WeightMatrix w = View(t, rows, cols);
    w.data = copy->data();
    return w;
  }
  std::vector<float> Vector(const std::string& name, int64_t n) const {
    const SafeTensor& t = Get(name);
    if (t.shape.size() != 1 || static_cast<int64_t>(t.shape[0]) != n) {
      throw InvalidInput(source_ + ": tensor '" + name + "' is not a vector of " + std::to_string(n));
    }
    return Dequantize(View(t, 1, n));
  }

 private:
  static std::string Shape(const SafeTensor& t) {
    std::string s;
    for (uint64_t d : t.shape) s += (s.empty() ? "" : ", ") + std::to_string(d);
    return "[" + s + "]";
  }
  static WeightMatrix View(const SafeTensor& t, int64_t rows, int64_t cols) {
    WeightMatrix w;
    w.type = t.type;
    w.rows = rows;
    w.cols = cols;
    w.row_bytes = static_cast<size_t>(cols) * (t.type == GgmlType::kF32 ? 4 : 2);
    w.data = t.data;
    w.name = t.name;
    return w;
  }
  std::string source_;
  std::map<std::string, const SafeTensor*> by_name_;
};

TransformerConfig ConfigOf(const Json& c, const std::string& source) {
  TransformerConfig config;
  const std::string type = c.value("model_type", "");
  if (type == "gpt2") {
    config.architecture = Architecture::kGpt2;
    config.embedding = Count(c, "n_embd", source);
    config.layers = Count(c, "n_layer", source);
    config.heads = Count(c, "n_head", source);
    config.context = c.contains("n_positions") ? Count(c, "n_positions", source) : Count(c, "n_ctx", source);
    config.feed_forward =
        c.contains("n_inner") && !c.at("n_inner").is_null() ? Count(c, "n_inner", source) : 4 * config.embedding;
    config.norm_epsilon = Real(c, "layer_norm_epsilon", 1e-5, source);
    const std::string act = c.value("activation_function", "gelu_new");
    if (act != "gelu_new" && act != "gelu_pytorch_tanh") {
      throw InvalidInput(source + ": activation '" + act + "' is not supported (gelu_new is)");
    }
  } else if (type == "llama") {
    config.architecture = Architecture::kLlama;
    config.embedding = Count(c, "hidden_size", source);
    config.layers = Count(c, "num_hidden_layers", source);
    config.heads = Count(c, "num_attention_heads", source);
    config.kv_heads = c.contains("num_key_value_heads") ? Count(c, "num_key_value_heads", source) : config.heads;
    config.feed_forward = Count(c, "intermediate_size", source);
    config.context = Count(c, "max_position_embeddings", source);
    config.norm_epsilon = Real(c, "rms_norm_eps", 1e-6, source);
    config.rope_base = Real(c, "rope_theta", 10000.0, source);
    config.rope_half_split = true;
    if (c.contains("rope_scaling") && !c.at("rope_scaling").is_null()) {
      throw InvalidInput(source + ": rope_scaling is not supported (the model needs a scaled rotary embedding)");
    }
    if (c.value("hidden_act", "silu") != "silu") throw InvalidInput(source + ": only hidden_act 'silu' is supported");
  } else {
    throw InvalidInput(source + ": model_type '" + type + "' is not supported (supported: gpt2, llama)");
  }
  if (config.kv_heads == 0) config.kv_heads = config.heads;
  config.architecture_name = type;
  config.vocab = Count(c, "vocab_size", source);
  if (config.heads > 0) config.rope_dims = config.embedding / config.heads;
  return config;
}

TransformerWeights Gpt2Weights(const Tensors& t, const TransformerConfig& c, const std::string& prefix,
                               std::vector<std::shared_ptr<std::vector<unsigned char>>>* owned) {
  TransformerWeights w;
  const int64_t e = c.embedding;
  w.token_embedding = t.Matrix(prefix + "wte.weight", c.vocab, e);
  w.position_embedding = t.Matrix(prefix + "wpe.weight", c.context, e);
  w.output = t.Find("lm_head.weight") != nullptr ? t.Matrix("lm_head.weight", c.vocab, e) : w.token_embedding;
  w.output_norm = t.Vector(prefix + "ln_f.weight", e);
  w.output_norm_bias = t.Vector(prefix + "ln_f.bias", e);
  for (int64_t i = 0; i < c.layers; ++i) {
    const std::string p = prefix + "h." + std::to_string(i) + ".";
    LayerWeights l;
    l.attn_norm = t.Vector(p + "ln_1.weight", e);
    l.attn_norm_bias = t.Vector(p + "ln_1.bias", e);
    l.qkv = t.Transposed(p + "attn.c_attn.weight", 3 * e, e, owned);
    l.qkv_bias = t.Vector(p + "attn.c_attn.bias", 3 * e);
    l.attn_out = t.Transposed(p + "attn.c_proj.weight", e, e, owned);
    l.attn_out_bias = t.Vector(p + "attn.c_proj.bias", e);
    l.ffn_norm = t.Vector(p + "ln_2.weight", e);
    l.ffn_norm_bias = t.Vector(p + "ln_2.bias", e);
    l.up = t.Transposed(p + "mlp.c_fc.weight", c.feed_forward, e, owned);
    l.up_bias = t.Vector(p + "mlp.c_fc.bias", c.feed_forward);
    l.down = t.Transposed(p + "mlp.c_proj.weight", e, c.feed_forward, owned);
    l.down_bias = t.Vector(p + "mlp.c_proj.bias", e);
    w.layers.push_back(std::move(l));
  }
  return w;
}

TransformerWeights LlamaWeights(const Tensors& t, const TransformerConfig& c) {
  TransformerWeights w;
  const int64_t e = c.embedding;
  w.token_embedding = t.Matrix("model.embed_tokens.weight", c.vocab, e);
  w.output = t.Find("lm_head.weight") != nullptr ? t.Matrix("lm_head.weight", c.vocab, e) : w.token_embedding;
  w.output_norm = t.Vector("model.norm.weight", e);
  for (int64_t i = 0; i < c.layers; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    LayerWeights l;
    l.attn_norm = t.Vector(p + "input_layernorm.weight", e);
    l.q = t.Matrix(p + "self_attn.q_proj.weight", e, e);
    l.k = t.Matrix(p + "self_attn.k_proj.weight", c.kv_dim(), e);
    l.v = t.Matrix(p + "self_attn.v_proj.weight", c.kv_dim(), e);
    l.attn_out = t.Matrix(p + "self_attn.o_proj.weight", e, e);
    l.ffn_norm = t.Vector(p + "post_attention_layernorm.weight", e);
    l.gate = t.Matrix(p + "mlp.gate_proj.weight", c.feed_forward, e);
    l.up = t.Matrix(p + "mlp.up_proj.weight", c.feed_forward, e);
    l.down = t.Matrix(p + "mlp.down_proj.weight", e, c.feed_forward);
    w.layers.push_back(std::move(l));
  }
  return w;
}

}  // namespace

Vocabulary ReadHfTokenizer(const SortedJson& tok, const SortedJson& tok_config, const std::string& source) {
  const SortedJson empty = SortedJson::object();
  const SortedJson& model = tok.contains("model") ? tok.at("model") : empty;
  if (model.value("type", "") != "BPE") {
    throw InvalidInput(source + ": tokenizer model '" + model.value("type", "?") +
                       "' is not supported (BPE: byte-level or SentencePiece-style)");
  }
  if (!model.contains("vocab") || !model.at("vocab").is_object())
    throw InvalidInput(source + ": tokenizer.json has no vocab");
  Vocabulary v;
  std::vector<std::pair<int64_t, std::string>> entries;
  for (const auto& [text, id] : model.at("vocab").items()) {
    entries.emplace_back(JsonInteger<int64_t>(id, source + ": tokenizer.json vocab"), text);
  }
  std::vector<std::pair<int64_t, std::string>> added;
  std::vector<bool> special;
  if (tok.contains("added_tokens") && tok.at("added_tokens").is_array()) {
    for (const SortedJson& a : tok.at("added_tokens")) {
      added.emplace_back(JsonInteger<int64_t>(a.at("id"), source + ": added token id"),
                         a.at("content").get<std::string>());
      special.push_back(a.value("special", true));
    }
  }
  int64_t size = 0;
  for (const auto& [id, text] : entries) size = std::max(size, id + 1);
  for (const auto& [id, text] : added) size = std::max(size, id + 1);
  if (size <= 0 || size > (int64_t{1} << 24))
    throw InvalidInput(source + ": tokenizer.json vocab is empty or too large");
  v.tokens.assign(static_cast<size_t>(size), "");
  v.types.assign(static_cast<size_t>(size), TokenType::kUnused);
  for (const auto& [id, text] : entries) {
    v.tokens[static_cast<size_t>(id)] = text;
    v.types[static_cast<size_t>(id)] = TokenType::kNormal;
  }
  for (size_t i = 0; i < added.size(); ++i) {
    v.tokens[static_cast<size_t>(added[i].first)] = added[i].second;
    v.types[static_cast<size_t>(added[i].first)] = special[i] ? TokenType::kControl : TokenType::kUserDefined;
  }
  std::vector<std::string> merges;
  if (model.contains("merges")) {
    for (const SortedJson& m : model.at("merges")) {
      if (m.is_string()) {
        merges.push_back(m.get<std::string>());
      } else if (m.is_array() && m.size() == 2) {
        merges.push_back(m.at(0).get<std::string>() + " " + m.at(1).get<std::string>());
      } else {
        throw InvalidInput(source + ": tokenizer.json has a malformed merge");
      }
    }
  }
  const std::string pre = tok.contains("pre_tokenizer") ? tok.at("pre_tokenizer").dump() : "null";
  const std::string normalizer = tok.contains("normalizer") ? tok.at("normalizer").dump() : "null";
  const bool sentencepiece = model.value("byte_fallback", false) || pre.find("Metaspace") != std::string::npos ||
                             normalizer.find("\xE2\x96\x81") != std::string::npos;
  std::unordered_map<std::string, int32_t> ids;
  for (size_t id = 0; id < v.tokens.size(); ++id) ids.emplace(v.tokens[id], static_cast<int32_t>(id));
  if (sentencepiece) {
    // Merge ranks as SentencePiece scores: a piece scores minus the rank of
    // the first merge that makes it; <0xXX> pieces are the byte fallback.
    v.model = "llama";
    v.scores.assign(v.tokens.size(), -1e9f);
    for (size_t r = 0; r < merges.size(); ++r) {
      const size_t space = merges[r].find(' ', 1);
      if (space == std::string::npos) continue;
      const auto it = ids.find(merges[r].substr(0, space) + merges[r].substr(space + 1));
      if (it != ids.end()) {
        v.scores[static_cast<size_t>(it->second)] =
            std::max(v.scores[static_cast<size_t>(it->second)], -static_cast<float>(r));
      }
    }
    for (size_t id = 0; id < v.tokens.size(); ++id) {
      const std::string& t = v.tokens[id];
      if (t.size() == 6 && t.rfind("<0x", 0) == 0 && t[5] == '>' && v.types[id] == TokenType::kNormal) {
        v.types[id] = TokenType::kByte;
      }
    }
    v.add_bos = tok_config.value("add_bos_token", true);
    v.add_space_prefix = true;
  } else {
    v.model = "gpt2";
    v.merges = std::move(merges);
    v.pre = pre.find("(?i:'s|'t|'re|'ve|'m|'ll|'d)") != std::string::npos ? "llama-bpe" : "gpt2";
    if (pre != "null" && pre.find("ByteLevel") == std::string::npos) {
      throw InvalidInput(source + ": pre-tokenizer " + pre.substr(0, 80) + " is not supported");
    }
    if (v.pre == "gpt2" && pre.find("\"Split\"") != std::string::npos) {
      throw InvalidInput(source + ": a byte-level pre-tokenizer with its own pattern is not supported");
    }
    v.add_bos = tok_config.value("add_bos_token", false);
    v.add_space_prefix = false;
  }
  auto id_of = [&](const char* key) -> int32_t {
    const std::string text = tok_config.contains(key) ? SpecialText(tok_config.at(key)) : "";
    const auto it = ids.find(text);
    return text.empty() || it == ids.end() ? -1 : it->second;
  };
  v.bos = id_of("bos_token");
  v.eos = id_of("eos_token");
  v.unknown = id_of("unk_token");
  v.padding = id_of("pad_token");
  if (v.eos < 0) {
    for (const char* t : {"<|endoftext|>", "</s>", "<|end_of_text|>"}) {
      if (const auto it = ids.find(t); it != ids.end()) {
        v.eos = it->second;
        break;
      }
    }
  }
  if (tok_config.contains("chat_template") && tok_config.at("chat_template").is_string()) {
    v.chat_template = tok_config.at("chat_template").get<std::string>();
  }
  v.Check(source);
  return v;
}

HfCheckpoint ReadHfCheckpoint(const fs::path& folder) {
  const std::string source = folder.string();
  if (!fs::is_directory(folder)) throw NotFound(source + ": no such folder");
  HfCheckpoint ck;
  ck.name = folder.filename().string();
  const Json config = ReadJson(folder / "config.json", true);
  ck.config = ConfigOf(config, source);
  if (config.contains("license") && config.at("license").is_string())
    ck.license = config.at("license").get<std::string>();
  ck.vocab = ReadHfTokenizer(ReadJson<SortedJson>(folder / "tokenizer.json", true),
                             ReadJson<SortedJson>(folder / "tokenizer_config.json", false), source);
  // The embedding may have more rows than the tokenizer has tokens (padding): those ids are unused.
  if (static_cast<int64_t>(ck.vocab.tokens.size()) > ck.config.vocab) {
    throw InvalidInput(source + ": the tokenizer has " + std::to_string(ck.vocab.tokens.size()) +
                       " tokens, the model's vocab_size is " + std::to_string(ck.config.vocab));
  }
  while (static_cast<int64_t>(ck.vocab.tokens.size()) < ck.config.vocab) {
    ck.vocab.tokens.push_back("<unused" + std::to_string(ck.vocab.tokens.size()) + ">");
    ck.vocab.types.push_back(TokenType::kUnused);
    if (!ck.vocab.scores.empty()) ck.vocab.scores.push_back(-1e9f);
  }
  CheckTransformerConfig(ck.config, source);
  std::vector<fs::path> shards;
  for (const auto& entry : fs::directory_iterator(folder)) {
    if (entry.path().extension() == ".safetensors") shards.push_back(entry.path());
  }
  if (shards.empty()) throw InvalidInput(source + ": no .safetensors files");
  std::sort(shards.begin(), shards.end());
  for (const fs::path& p : shards) {
    ck.files.push_back(SafetensorsFile::Open(p));
    ck.file_bytes += fs::file_size(p);
  }
  const Tensors tensors(ck.files, source);
  if (ck.config.architecture == Architecture::kGpt2) {
    const std::string prefix = tensors.Find("transformer.wte.weight") != nullptr ? "transformer." : "";
    ck.weights = Gpt2Weights(tensors, ck.config, prefix, &ck.owned);
  } else {
    ck.weights = LlamaWeights(tensors, ck.config);
  }
  std::map<std::string, uint64_t> bytes_by_type;
  for (const SafetensorsFile& f : ck.files) {
    for (const auto& [name, t] : f.tensors()) {
      uint64_t n = 1;
      for (uint64_t d : t.shape) n *= d;
      ck.parameters += n;
      bytes_by_type[GgmlTypeName(t.type)] += t.bytes;
    }
  }
  uint64_t most = 0;
  for (const auto& [type, bytes] : bytes_by_type) {
    if (bytes > most) {
      most = bytes;
      ck.precision = type;
    }
  }
  return ck;
}

}  // namespace tabpilot
