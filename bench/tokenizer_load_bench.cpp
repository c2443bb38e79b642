// Times reading a Hugging Face tokenizer.json the size of a real model's
// (byte-level BPE: VOCAB entries, VOCAB - 256 merges, GPT-2's pre-tokenizer)
// the way the hub reads it (SortedJson, then ReadHfTokenizer) against the
// insertion-ordered Json the hub parsed it with before.
//   tokenizer_load_bench VOCAB  -> one JSON line
// The file is written to a temporary folder and removed afterwards; each
// time is the best of three runs.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "best_of_three.h"
#include "core/json.h"
#include "hub/hf_checkpoint.h"

namespace {

// Token i's text: distinct, of the lengths and alphabet BPE vocabularies have.
std::string TokenText(size_t i) {
  static const char kLetters[] = "etaoinshrdlucmfwypvbgkqjxz";
  std::string s = i % 3 == 0 ? "\xC4\xA0" : "";  // GPT-2's space marker on a third of them
  for (size_t v = i + 1; v > 0; v /= 26) s += kLetters[v % 26];
  return s;
}

std::string TokenizerJson(size_t vocab) {
  tabpilot::SortedJson v = tabpilot::SortedJson::object();
  tabpilot::SortedJson merges = tabpilot::SortedJson::array();
  for (size_t i = 0; i < vocab; ++i) v[TokenText(i)] = i;
  for (size_t i = 256; i < vocab; ++i) merges.push_back(TokenText(i % 256) + " " + TokenText(i));
  const tabpilot::SortedJson doc = {
      {"model", {{"type", "BPE"}, {"vocab", v}, {"merges", merges}}},
      {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}}},
      {"added_tokens",
       tabpilot::SortedJson::array({{{"id", vocab}, {"content", "<|endoftext|>"}, {"special", true}}})}};
  return doc.dump();
}

std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 || std::atol(argv[1]) < 300) {
    std::fprintf(stderr, "usage: tokenizer_load_bench VOCAB (at least 300)\n");
    return 2;
  }
  const auto vocab = static_cast<size_t>(std::atol(argv[1]));
  const auto dir = std::filesystem::temp_directory_path() / ("tokenizer-load-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = dir / "tokenizer.json";
  std::ofstream(path) << TokenizerJson(vocab);
  const auto bytes = std::filesystem::file_size(path);

  size_t tokens = 0;
  const double ours = tabpilot::bench::BestOfThree([&] {
    const tabpilot::Vocabulary v = tabpilot::ReadHfTokenizer(tabpilot::SortedJson::parse(ReadText(path)),
                                                             tabpilot::SortedJson::object(), "tokenizer.json");
    tokens = v.tokens.size();
  });
  const double ordered = tabpilot::bench::BestOfThree([&] {
    const tabpilot::Json doc = tabpilot::Json::parse(ReadText(path));
    if (doc.at("model").at("vocab").size() != vocab) std::abort();
  });
  std::filesystem::remove_all(dir);
  const tabpilot::SortedJson out = {{"vocab", vocab},
                                    {"file_bytes", bytes},
                                    {"tokens_read", tokens},
                                    {"read_seconds", ours},
                                    {"ordered_parse_seconds", ordered},
                                    {"ratio", ordered / ours}};
  std::printf("%s\n", out.dump().c_str());
  return 0;
}
