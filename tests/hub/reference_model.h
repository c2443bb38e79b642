// Test models made by the numpy reference (reference/tiny_model.py): a GGUF
// file with random weights, and what the reference computed from it.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace tabpilot::testing {

struct ReferenceModel {
  std::filesystem::path file;  // DIR/model.gguf
  std::vector<int32_t> tokens;
  int64_t vocab = 0;
  std::vector<float> logits;    // tokens.size() x vocab: every position's next-token logits
  std::vector<int32_t> greedy;  // the greedy continuation of `tokens` (--greedy N)
  // q8_0 / q4_0 only: the logits with each vector quantized to 8 bits before
  // each product, as the integer kernels compute a generated token.
  std::vector<float> quantized_logits;
};

// Writes DIR/model.gguf (`arch` gpt2|llama, storage `type`) with the
// reference and reads what it computed; `extra` are more options.
inline ReferenceModel MakeReferenceModel(const TempDir& dir, const std::string& arch, const std::string& type,
                                         const std::string& extra = "") {
  const std::string command = std::string("/usr/bin/python3 ") + TABPILOT_HUB_REFERENCE + " --arch " + arch +
                              " --type " + type + " --out " + dir.path().string() + " " + extra;
  const auto run = RunCommand(command);
  EXPECT_EQ(run.exit_code, 0) << command << "\n" << run.output;
  std::ifstream meta(dir / "reference.json");
  const auto j = nlohmann::json::parse(meta);
  ReferenceModel r;
  r.file = dir / "model.gguf";
  r.tokens = j.at("tokens").get<std::vector<int32_t>>();
  r.vocab = j.at("vocab").get<int64_t>();
  r.greedy = j.at("greedy").get<std::vector<int32_t>>();
  std::ifstream in(dir / "logits.f32", std::ios::binary);
  r.logits.resize(r.tokens.size() * static_cast<size_t>(r.vocab));
  in.read(reinterpret_cast<char*>(r.logits.data()), static_cast<std::streamsize>(r.logits.size() * 4));
  EXPECT_TRUE(in.good());
  if (std::ifstream q(dir / "logits_q8.f32", std::ios::binary); q) {
    r.quantized_logits.resize(r.logits.size());
    q.read(reinterpret_cast<char*>(r.quantized_logits.data()), static_cast<std::streamsize>(r.logits.size() * 4));
    EXPECT_TRUE(q.good());
  }
  // Logits that spread (random weights give a standard deviation near 1.7):
  // a comparison with all-zero references would prove nothing.
  double sum2 = 0;
  for (float v : r.logits) sum2 += static_cast<double>(v) * v;
  EXPECT_GT(std::sqrt(sum2 / static_cast<double>(r.logits.size())), 0.5);
  return r;
}

}  // namespace tabpilot::testing
