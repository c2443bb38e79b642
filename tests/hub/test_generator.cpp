// Generation and sampling: greedy tokens equal the numpy reference's greedy
// continuation; a seed repeats its text and other seeds differ; top-k 1 is
// greedy; stop sequences cut the text (never streamed); results share the
// prompt; a cancelled stream stops; bad requests are refused by field.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"
#include "hub/generator.h"
#include "hub/reference_model.h"
#include "hub/sampler.h"
#include "support/test_support.h"

namespace tabpilot {
namespace {

using testing::TempDir;

std::vector<int32_t> Ids(const Completion& c) {
  std::vector<int32_t> ids;
  for (const GeneratedToken& t : c.tokens) ids.push_back(t.id);
  return ids;
}

class GenerationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    ref_ = new testing::ReferenceModel(testing::MakeReferenceModel(*dir_, "gpt2", "f32", "--greedy 12"));
    model_ = LanguageModel::Open(ref_->file, {}).release();
  }
  static void TearDownTestSuite() {
    delete model_;
    delete ref_;
    delete dir_;
  }
  static GenerationRequest Request(int max_tokens) {
    GenerationRequest r;
    r.prompt = ref_->tokens;
    r.max_tokens = max_tokens;
    r.sampling.temperature = 0;
    return r;
  }
  static TempDir* dir_;
  static testing::ReferenceModel* ref_;
  static LanguageModel* model_;
};
TempDir* GenerationTest::dir_ = nullptr;
testing::ReferenceModel* GenerationTest::ref_ = nullptr;
LanguageModel* GenerationTest::model_ = nullptr;

TEST_F(GenerationTest, GreedyTokensMatchTheReference) {
  const Generation g = Generate(*model_, Request(12));
  ASSERT_EQ(g.completions.size(), 1u);
  const Completion& c = g.completions[0];
  // The tiny vocabulary's end-of-text token may come first; up to it, the same tokens.
  std::vector<int32_t> expected = ref_->greedy;
  const auto eot = std::find(expected.begin(), expected.end(), static_cast<int32_t>(ref_->vocab - 1));
  expected.erase(eot, expected.end());
  EXPECT_EQ(Ids(c), expected);
  EXPECT_EQ(c.reason, expected.size() == 12 ? FinishReason::kLength : FinishReason::kEndOfText);
  EXPECT_EQ(c.text, model_->tokenizer().Decode(Ids(c)));
  EXPECT_EQ(g.timings.prompt_tokens, static_cast<int64_t>(ref_->tokens.size()));
  for (const GeneratedToken& t : c.tokens) EXPECT_LE(t.logprob, 0.0f);
}

TEST_F(GenerationTest, PromptLogprobsAreTheReferencesLogSoftmax) {
  GenerationRequest r = Request(3);
  r.prompt_logprobs = true;
  const Generation g = Generate(*model_, r);
  ASSERT_EQ(g.prompt_logprobs.size(), ref_->tokens.size());
  EXPECT_TRUE(std::isnan(g.prompt_logprobs[0]));
  for (size_t t = 1; t < ref_->tokens.size(); ++t) {
    const float* row = ref_->logits.data() + (t - 1) * static_cast<size_t>(ref_->vocab);
    double best = row[0];
    for (int64_t v = 0; v < ref_->vocab; ++v) best = std::max(best, static_cast<double>(row[v]));
    double sum = 0;
    for (int64_t v = 0; v < ref_->vocab; ++v) sum += std::exp(row[v] - best);
    const double expected = row[ref_->tokens[t]] - best - std::log(sum);
    EXPECT_NEAR(g.prompt_logprobs[t], expected, 1e-4) << "position " << t;
  }
  // The completion itself is the same as without them.
  EXPECT_EQ(Ids(g.completions[0]), Ids(Generate(*model_, Request(3)).completions[0]));
}

TEST_F(GenerationTest, SeedsRepeatAndDiffer) {
  GenerationRequest r = Request(24);
  r.sampling.temperature = 1.5;
  r.sampling.seed = 42;
  const Generation a = Generate(*model_, r);
  const Generation b = Generate(*model_, r);
  EXPECT_EQ(Ids(a.completions[0]), Ids(b.completions[0]));
  r.sampling.seed = 43;
  const Generation c = Generate(*model_, r);
  EXPECT_NE(Ids(a.completions[0]), Ids(c.completions[0]));
  // top-k 1 leaves only the most likely token: greedy at any temperature.
  r.sampling.top_k = 1;
  EXPECT_EQ(Ids(Generate(*model_, r).completions[0]), Ids(Generate(*model_, Request(24)).completions[0]));
}

TEST_F(GenerationTest, SeveralResultsShareThePrompt) {
  GenerationRequest r = Request(10);
  r.sampling.temperature = 1.0;
  r.sampling.seed = 7;
  r.results = 3;
  const Generation g = Generate(*model_, r);
  ASSERT_EQ(g.completions.size(), 3u);
  // Result i draws with seed + i: the first equals a single result with the seed.
  r.results = 1;
  EXPECT_EQ(Ids(g.completions[0]), Ids(Generate(*model_, r).completions[0]));
  r.sampling.seed = 9;
  EXPECT_EQ(Ids(g.completions[2]), Ids(Generate(*model_, r).completions[0]));
  EXPECT_EQ(g.timings.prompt_tokens, static_cast<int64_t>(ref_->tokens.size()));
}

TEST_F(GenerationTest, StopSequencesCutTheTextAndAreNeverStreamed) {
  GenerationRequest r = Request(40);
  r.sampling.temperature = 1.0;
  r.sampling.seed = 5;
  const std::string full = Generate(*model_, r).completions[0].text;
  ASSERT_GT(full.size(), 12u);
  const std::string stop = full.substr(6, 3);
  r.stop = {stop, "never-in-this-text"};
  std::string streamed;
  const Generation g = Generate(*model_, r, [&](int result, std::string_view delta) {
    EXPECT_EQ(result, 0);
    streamed += delta;
    return true;
  });
  const Completion& c = g.completions[0];
  EXPECT_EQ(c.reason, FinishReason::kStop);
  EXPECT_EQ(c.stop_sequence, stop);
  EXPECT_EQ(c.text, full.substr(0, full.find(stop)));
  EXPECT_EQ(streamed, c.text);
  EXPECT_EQ(streamed.find(stop), std::string::npos);
  for (const GeneratedToken& t : c.tokens) EXPECT_LT(t.text_begin, c.text.size() + 1);
}

TEST_F(GenerationTest, StreamedTextIsTheCompletionAndACancelStops) {
  GenerationRequest r = Request(20);
  r.sampling.temperature = 1.0;
  r.sampling.seed = 3;
  std::string streamed;
  const Generation g = Generate(*model_, r, [&](int, std::string_view delta) {
    streamed += delta;
    return true;
  });
  EXPECT_EQ(streamed, g.completions[0].text);
  int calls = 0;
  const Generation cancelled = Generate(*model_, r, [&](int, std::string_view) { return ++calls < 2; });
  EXPECT_EQ(cancelled.completions[0].reason, FinishReason::kCancelled);
  EXPECT_EQ(calls, 2);
  EXPECT_LT(cancelled.completions[0].tokens.size(), g.completions[0].tokens.size());
}

TEST_F(GenerationTest, BadRequestsNameTheField) {
  auto message = [&](const std::function<void(GenerationRequest&)>& change) {
    GenerationRequest r = Request(4);
    change(r);
    return testing::InvalidMessage([&] { Generate(*model_, r); });
  };
  EXPECT_EQ(message([](auto& r) { r.prompt.clear(); }), "the prompt is empty");
  EXPECT_EQ(message([](auto& r) { r.prompt.assign(128, 5); }), "the prompt is 128 tokens; the model's context is 128");
  EXPECT_EQ(message([](auto& r) { r.min_tokens = 5; }), "min tokens must be between 0 and max tokens");
  EXPECT_EQ(message([](auto& r) { r.results = 17; }), "the number of results must be between 1 and 16");
  EXPECT_EQ(message([](auto& r) { r.stop = {""}; }), "a stop sequence is empty");
  EXPECT_EQ(message([](auto& r) { r.sampling.temperature = -1; }), "temperature must be between 0 and 100");
  EXPECT_EQ(message([](auto& r) { r.sampling.top_p = 0; }), "top_p must be > 0 and <= 1");
  EXPECT_EQ(message([](auto& r) { r.prompt = {100000}; }),
            "token id 100000 is outside the vocabulary (0-" + std::to_string(ref_->vocab - 1) + ")");
}

TEST(Sampler, FiltersAndPenalties) {
  std::vector<float> logits = {1.0f, 3.0f, 2.0f, 0.5f};
  SamplingParams greedy;
  greedy.temperature = 0;
  EXPECT_EQ(Sampler(greedy).Next(logits, {}, {}).id, 1);
  // Banned (EOS before min tokens): the next best.
  logits = {1.0f, 3.0f, 2.0f, 0.5f};
  const std::vector<int32_t> banned = {1};
  EXPECT_EQ(Sampler(greedy).Next(logits, {}, banned).id, 2);
  // A repetition penalty of 2 halves a recent positive logit: 3 -> 1.5 < 2.
  SamplingParams penalty = greedy;
  penalty.repetition_penalty = 2.0;
  logits = {1.0f, 3.0f, 2.0f, 0.5f};
  const std::vector<int32_t> recent = {1};
  const SampledToken t = Sampler(penalty).Next(logits, recent, {});
  EXPECT_EQ(t.id, 2);
  // The log-probability reported is the model's own (before the penalty).
  const double z = std::log(std::exp(1.0) + std::exp(3.0) + std::exp(2.0) + std::exp(0.5));
  EXPECT_NEAR(t.logprob, 2.0 - z, 1e-5);
  // top-p small enough keeps the most likely token only; min-p 0.9 too.
  SamplingParams nucleus;
  nucleus.top_p = 0.05;
  SamplingParams min_p;
  min_p.min_p = 0.9;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    nucleus.seed = min_p.seed = seed;
    logits = {1.0f, 3.0f, 2.0f, 0.5f};
    EXPECT_EQ(Sampler(nucleus).Next(logits, {}, {}).id, 1);
    logits = {1.0f, 3.0f, 2.0f, 0.5f};
    EXPECT_EQ(Sampler(min_p).Next(logits, {}, {}).id, 1);
  }
  // At temperature 1 every token is drawn sometimes, the likeliest most often.
  SamplingParams plain;
  std::vector<int> counts(4, 0);
  Sampler s(plain);
  for (int i = 0; i < 4000; ++i) {
    logits = {1.0f, 3.0f, 2.0f, 0.5f};
    ++counts[static_cast<size_t>(s.Next(logits, {}, {}).id)];
  }
  EXPECT_GT(counts[3], 0);
  EXPECT_GT(counts[1], counts[2]);
  EXPECT_GT(counts[2], counts[0]);
  EXPECT_NEAR(counts[1] / 4000.0, std::exp(3.0 - z), 0.03);
}

}  // namespace
}  // namespace tabpilot
