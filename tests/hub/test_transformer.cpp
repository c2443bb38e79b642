// The forward pass against an independent numpy reference
// (reference/tiny_model.py): tiny GPT-2- and LLaMA-architecture models with
// random weights in every storage type, written by the reference as GGUF
// files; our logits for every position match its logits (computed from the
// same dequantized weights), whether the prompt runs in one call or token by
// token through the KV cache, with the portable and the AVX2 kernels.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "hub/language_model.h"
#include "hub/reference_model.h"
#include "support/test_support.h"

namespace tabpilot {
namespace {

using testing::TempDir;

using Reference = testing::ReferenceModel;

Reference MakeModel(const TempDir& dir, const std::string& arch, const std::string& type,
                    const std::string& extra = "") {
  return testing::MakeReferenceModel(dir, arch, type, extra);
}

// The root-mean-square of (ours - reference) over that of the reference.
double RelativeRms(const std::vector<float>& ours, const std::vector<float>& ref) {
  double err = 0;
  double norm = 0;
  for (size_t i = 0; i < std::min(ours.size(), ref.size()); ++i) {
    err += (static_cast<double>(ours[i]) - ref[i]) * (static_cast<double>(ours[i]) - ref[i]);
    norm += static_cast<double>(ref[i]) * ref[i];
  }
  return std::sqrt(err / norm);
}

// The largest |ours - reference| over every position's logits.
double MaxError(const std::vector<float>& ours, const std::vector<float>& ref) {
  EXPECT_EQ(ours.size(), ref.size());
  double worst = 0;
  for (size_t i = 0; i < std::min(ours.size(), ref.size()); ++i) {
    worst = std::max(worst, std::abs(static_cast<double>(ours[i]) - ref[i]));
  }
  return worst;
}

std::vector<float> AllAtOnce(const LanguageModel& m, const std::vector<int32_t>& tokens) {
  KvCache cache = m.transformer().NewCache(64);
  std::vector<float> logits;
  m.transformer().Forward(tokens, &cache, &logits, true);
  EXPECT_EQ(cache.length(), static_cast<int64_t>(tokens.size()));
  return logits;
}

std::vector<float> OneByOne(const LanguageModel& m, const std::vector<int32_t>& tokens) {
  KvCache cache = m.transformer().NewCache(64);
  std::vector<float> all;
  std::vector<float> logits;
  for (int32_t t : tokens) {
    m.transformer().Forward(std::span<const int32_t>(&t, 1), &cache, &logits);
    all.insert(all.end(), logits.begin(), logits.end());
  }
  return all;
}

class ForwardPass : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(ForwardPass, MatchesTheNumpyReference) {
  const auto& [arch, type] = GetParam();
  TempDir dir;
  const Reference ref = MakeModel(dir, arch, type);
  // The reference computes in float64 from the dequantized weights; ours in
  // float32 (and in a different order), so the bound is float32 rounding.
  constexpr double kTolerance = 1e-4;
  constexpr double kQuantizedTolerance = 1e-3;
  for (const MatMulKernels* k : AvailableKernels()) {
    for (int threads : {1, 2}) {
      const auto model = LanguageModel::Open(dir / "model.gguf", {threads, k});
      EXPECT_EQ(model->info().architecture, arch);
      EXPECT_EQ(model->info().precision, type);
      const std::vector<float> at_once = AllAtOnce(*model, ref.tokens);
      const std::vector<float> one_by_one = OneByOne(*model, ref.tokens);
      if (k->quantized_row_dots != nullptr && !ref.quantized_logits.empty()) {
        // With 8- or 4-bit weights the integer kernels quantize each vector
        // to 8 bits: against the reference that quantizes the same way, the
        // bound is a value that rounds the other way now and then (our
        // float32 against its float64).
        EXPECT_LE(MaxError(at_once, ref.quantized_logits), kQuantizedTolerance) << k->name << " " << threads;
        EXPECT_LE(MaxError(one_by_one, ref.quantized_logits), kQuantizedTolerance) << k->name << " " << threads;
        // And what that rounding costs against exact products (stated in docs/architecture.md).
        EXPECT_LE(RelativeRms(one_by_one, ref.logits), 0.05) << k->name << " " << threads;
      } else {
        EXPECT_LE(MaxError(at_once, ref.logits), kTolerance) << k->name << " " << threads;
        EXPECT_LE(MaxError(one_by_one, ref.logits), kTolerance) << k->name << " " << threads;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(EveryTypeAndArchitecture, ForwardPass,
                         ::testing::Combine(::testing::Values("gpt2", "llama"),
                                            ::testing::Values("f32", "f16", "bf16", "q8_0", "q4_0")),
                         [](const auto& p) { return std::get<0>(p.param) + "_" + std::get<1>(p.param); });

// A Hugging Face checkpoint folder (config.json, model.safetensors,
// tokenizer.json) with the same weights in Hugging Face's layout (GPT-2's
// Conv1D transposed, LLaMA's rotary halves) gives the reference's logits.
std::string ReadText(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteText(const std::filesystem::path& p, const std::string& text) { std::ofstream(p) << text; }

class HfFolder : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(HfFolder, MatchesTheNumpyReference) {
  const auto& [arch, type] = GetParam();
  TempDir dir;
  const Reference ref = MakeModel(dir, arch, type, "--format both");
  const auto gguf = LanguageModel::Open(dir / "model.gguf", {});
  const auto hf = LanguageModel::Open(dir / "hf", {});
  EXPECT_EQ(hf->info().architecture, arch);
  EXPECT_EQ(hf->info().precision, type);
  EXPECT_EQ(hf->info().parameters, gguf->info().parameters);
  EXPECT_EQ(hf->transformer().config().rope_half_split, arch == "llama");
  EXPECT_LE(MaxError(AllAtOnce(*hf, ref.tokens), ref.logits), 1e-4);
  EXPECT_LE(MaxError(OneByOne(*hf, ref.tokens), ref.logits), 1e-4);
  // The same tokenizer from tokenizer.json as from the GGUF metadata.
  for (const std::string text : {"to be or not to be", "whether tis nobler", "x y  z\n"}) {
    EXPECT_EQ(hf->tokenizer().Encode(text), gguf->tokenizer().Encode(text)) << text;
  }
}

INSTANTIATE_TEST_SUITE_P(Formats, HfFolder,
                         ::testing::Combine(::testing::Values("gpt2", "llama"),
                                            ::testing::Values("f32", "f16", "bf16")),
                         [](const auto& p) { return std::get<0>(p.param) + "_" + std::get<1>(p.param); });

TEST(HfFolder, UnsupportedCheckpointsAreClearErrors) {
  TempDir dir;
  MakeModel(dir, "llama", "f16", "--format both");
  const auto folder = dir / "hf";
  auto message = [&] { return testing::InvalidMessage([&] { LanguageModel::Open(folder, {}); }); };
  const std::string config = ReadText(folder / "config.json");
  WriteText(folder / "config.json", config.substr(0, config.size() - 1) + R"(, "rope_scaling": {"type": "llama3"}})");
  EXPECT_NE(message().find("rope_scaling is not supported"), std::string::npos);
  WriteText(folder / "config.json", R"({"model_type": "mistral"})");
  EXPECT_EQ(message(), folder.string() + ": model_type 'mistral' is not supported (supported: gpt2, llama)");
  WriteText(folder / "config.json", config);
  std::filesystem::remove(folder / "tokenizer.json");
  EXPECT_EQ(message(), folder.string() + ": no tokenizer.json");
  EXPECT_NE(testing::InvalidMessage([&] {
              LanguageModel::Open(folder / "model.safetensors", {});
            }).find("a safetensors model is a folder"),
            std::string::npos);
}

TEST(ForwardPass, GroupedQueryAttentionAndWiderHeads) {
  TempDir dir;
  // 8 query heads sharing 2 kv heads; 3 layers; a feed-forward width that is not a power of two.
  const Reference ref = MakeModel(dir, "llama", "f32", "--embd 128 --heads 8 --kv-heads 2 --layers 3 --ff 96");
  const auto model = LanguageModel::Open(dir / "model.gguf", {});
  EXPECT_LE(MaxError(AllAtOnce(*model, ref.tokens), ref.logits), 1e-4);
}

// Continuous batching: prompts and generated tokens of several sequences in
// one pass give each token exactly the logits it gets in a call of its own.
TEST(ForwardPass, ABatchOfSequencesEqualsEachAlone) {
  for (const std::string type : {"f16", "q4_0"}) {
    TempDir dir;
    const Reference ref = MakeModel(dir, "llama", type);
    const auto model = LanguageModel::Open(dir / "model.gguf", {2, nullptr});
    const Transformer& t = model->transformer();
    const std::vector<int32_t> a = {5, 9, 14, 3, 22};
    const std::vector<int32_t> c = {7, 7, 40};
    const std::vector<int32_t> b_prompt = {11, 12};
    const std::vector<int32_t> d_prompt = {30, 31, 32, 33};
    const int32_t b_next = 50;
    const int32_t d_next = 60;
    // Alone.
    std::vector<float> la, lb, lc, ld;
    KvCache ca = t.NewCache(32), cb = t.NewCache(32), cc = t.NewCache(32), cd = t.NewCache(32);
    t.Forward(a, &ca, &la);
    t.Forward(b_prompt, &cb, &lb);
    t.Forward(std::span<const int32_t>(&b_next, 1), &cb, &lb);
    t.Forward(c, &cc, &lc, true);
    t.Forward(d_prompt, &cd, &ld);
    t.Forward(std::span<const int32_t>(&d_next, 1), &cd, &ld);
    // Together: two prompts and two generated tokens (after their own prompts).
    std::vector<float> ba, bb, bc, bd;
    KvCache xa = t.NewCache(32), xb = t.NewCache(32), xc = t.NewCache(32), xd = t.NewCache(32);
    t.Forward(b_prompt, &xb, &bb);
    t.Forward(d_prompt, &xd, &bd);
    const std::vector<SequenceStep> steps = {{std::span<const int32_t>(&b_next, 1), &xb, &bb, false},
                                             {a, &xa, &ba, false},
                                             {std::span<const int32_t>(&d_next, 1), &xd, &bd, false},
                                             {c, &xc, &bc, true}};
    t.ForwardBatch(steps);
    EXPECT_EQ(ba, la) << type;
    EXPECT_EQ(bb, lb) << type;
    EXPECT_EQ(bc, lc) << type;
    EXPECT_EQ(bd, ld) << type;
    EXPECT_EQ(xa.length(), 5);
    EXPECT_EQ(xb.length(), 3);
    EXPECT_EQ(xc.length(), 3);
    EXPECT_EQ(xd.length(), 5);
    // A bad step refuses the whole batch before any cache changes.
    const int32_t bad = 100000;
    const std::vector<SequenceStep> refused = {{std::span<const int32_t>(&b_next, 1), &xb, &bb, false},
                                               {std::span<const int32_t>(&bad, 1), &xd, &bd, false}};
    EXPECT_THROW(t.ForwardBatch(refused), InvalidInput);
    EXPECT_EQ(xb.length(), 3);
  }
}

TEST(ForwardPass, BadInputIsRefused) {
  TempDir dir;
  MakeModel(dir, "gpt2", "f32", "--ctx 16");
  const auto model = LanguageModel::Open(dir / "model.gguf", {});
  KvCache cache = model->transformer().NewCache(1000);
  EXPECT_EQ(cache.capacity(), 16);  // clamped to the context
  std::vector<float> logits;
  const std::vector<int32_t> too_long(17, 5);
  EXPECT_NE(testing::InvalidMessage([&] {
              model->transformer().Forward(too_long, &cache, &logits);
            }).find("the sequence would be 17 tokens; at most 16 fit"),
            std::string::npos);
  const std::vector<int32_t> bad_id = {1, 100000};
  EXPECT_NE(testing::InvalidMessage([&] {
              model->transformer().Forward(bad_id, &cache, &logits);
            }).find("token id 100000 is outside the vocabulary"),
            std::string::npos);
  EXPECT_EQ(cache.length(), 0);  // a refused call leaves the cache as it was
}

}  // namespace
}  // namespace tabpilot
