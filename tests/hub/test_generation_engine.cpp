// Continuous batching: concurrent requests get exactly the text each gets
// alone, share steps (fewer steps than tokens), queue beyond the room, can be
// cancelled, and bad or late requests are refused.
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "core/error.h"
#include "hub/generation_engine.h"
#include "hub/reference_model.h"
#include "support/test_support.h"

namespace tabpilot {
namespace {

using testing::TempDir;

class EngineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    const auto ref = testing::MakeReferenceModel(*dir_, "llama", "q8_0", "--ctx 256");
    model_ = new std::shared_ptr<const LanguageModel>(LanguageModel::Open(ref.file, {2, nullptr}));
  }
  static void TearDownTestSuite() {
    delete model_;
    delete dir_;
  }
  static GenerationRequest Request(std::vector<int32_t> prompt, int max_tokens, double temperature, uint64_t seed) {
    GenerationRequest r;
    r.prompt = std::move(prompt);
    r.max_tokens = max_tokens;
    r.sampling.temperature = temperature;
    r.sampling.seed = seed;
    return r;
  }
  static const LanguageModel& model() { return **model_; }
  static TempDir* dir_;
  static std::shared_ptr<const LanguageModel>* model_;
};
TempDir* EngineTest::dir_ = nullptr;
std::shared_ptr<const LanguageModel>* EngineTest::model_ = nullptr;

std::vector<GenerationRequest> Mixed() {
  std::vector<GenerationRequest> requests;
  for (int i = 0; i < 6; ++i) {
    GenerationRequest r;
    r.prompt = {1, static_cast<int32_t>(10 + i), static_cast<int32_t>(20 + 3 * i), 5};
    r.prompt.resize(4 + static_cast<size_t>(i));  // prompts of different lengths
    for (size_t k = 4; k < r.prompt.size(); ++k) r.prompt[k] = static_cast<int32_t>(40 + k);
    r.max_tokens = 12 + 3 * i;
    r.sampling.temperature = i % 2 == 0 ? 0.0 : 0.9;
    r.sampling.seed = 100 + static_cast<uint64_t>(i);
    r.results = i == 3 ? 3 : 1;
    r.prompt_logprobs = i % 3 == 1;
    requests.push_back(r);
  }
  return requests;
}

TEST_F(EngineTest, ConcurrentRequestsGetWhatEachGetsAloneInFewerSteps) {
  const std::vector<GenerationRequest> requests = Mixed();
  std::vector<Generation> alone;
  int64_t tokens = 0;
  for (const auto& r : requests) {
    alone.push_back(Generate(model(), r));
    tokens += alone.back().timings.generated_tokens;
  }
  GenerationEngine engine(*model_, {.max_sequences = 8});
  std::vector<std::string> streamed(requests.size() * 3);
  std::vector<std::shared_ptr<GenerationEngine::Job>> jobs;
  for (size_t i = 0; i < requests.size(); ++i) {
    jobs.push_back(engine.Submit(requests[i], [&streamed, i](int result, std::string_view delta) {
      streamed[i * 3 + static_cast<size_t>(result)] += delta;
      return true;
    }));
  }
  for (size_t i = 0; i < jobs.size(); ++i) {
    const Generation g = jobs[i]->Wait();
    ASSERT_EQ(g.completions.size(), alone[i].completions.size());
    ASSERT_EQ(g.prompt_logprobs.size(), alone[i].prompt_logprobs.size());
    for (size_t t = 1; t < g.prompt_logprobs.size(); ++t) EXPECT_EQ(g.prompt_logprobs[t], alone[i].prompt_logprobs[t]);
    for (size_t c = 0; c < g.completions.size(); ++c) {
      EXPECT_EQ(g.completions[c].text, alone[i].completions[c].text) << "request " << i << " result " << c;
      EXPECT_EQ(g.completions[c].tokens.size(), alone[i].completions[c].tokens.size());
      EXPECT_EQ(g.completions[c].reason, alone[i].completions[c].reason);
      EXPECT_EQ(streamed[i * 3 + c], g.completions[c].text);
    }
  }
  const GenerationEngine::Stats stats = engine.stats();
  EXPECT_EQ(stats.generated_tokens, tokens);
  EXPECT_EQ(stats.running, 0);
  EXPECT_EQ(stats.queued, 0);
  // Sequences shared steps: far fewer passes than tokens.
  EXPECT_LT(stats.steps, tokens / 2);
}

TEST_F(EngineTest, RequestsBeyondTheRoomWaitTheirTurn) {
  GenerationEngine engine(*model_, {.max_sequences = 2});
  std::vector<std::shared_ptr<GenerationEngine::Job>> jobs;
  for (int i = 0; i < 5; ++i) jobs.push_back(engine.Submit(Request({1, 2, 3 + i}, 8, 0, 0), nullptr));
  for (auto& j : jobs) EXPECT_EQ(j->Wait().completions.size(), 1u);
  GenerationRequest too_many = Request({1, 2}, 4, 0.5, 1);
  too_many.results = 3;
  EXPECT_EQ(testing::InvalidMessage([&] { engine.Submit(too_many, nullptr); }),
            "the number of results must be at most 2 on this endpoint");
  EXPECT_EQ(testing::InvalidMessage([&] { engine.Submit(Request({}, 4, 0, 0), nullptr); }), "the prompt is empty");
}

TEST_F(EngineTest, CancelledAndDisconnectedStreamsStop) {
  GenerationEngine engine(*model_, {});
  // A client that goes away after two pieces of text.
  int pieces = 0;
  auto gone = engine.Submit(Request({1, 7, 8}, 200, 0.8, 3), [&](int, std::string_view) { return ++pieces < 2; });
  // A request cancelled by its caller while it runs.
  std::promise<void> started;
  bool signalled = false;
  auto cancelled = engine.Submit(Request({1, 9}, 200, 0.8, 4), [&](int, std::string_view) {
    if (!signalled) {
      signalled = true;
      started.set_value();
    }
    return true;
  });
  started.get_future().wait();
  cancelled->Cancel();
  const Generation g1 = gone->Wait();
  const Generation g2 = cancelled->Wait();
  EXPECT_EQ(g1.completions.at(0).reason, FinishReason::kCancelled);
  EXPECT_EQ(g2.completions.at(0).reason, FinishReason::kCancelled);
  EXPECT_LT(g2.completions.at(0).sampled, 200);
  EXPECT_EQ(engine.stats().running, 0);
}

TEST_F(EngineTest, OnlyRequestsThatWaitForRoomCountAgainstTheQueueLimit) {
  // Submitted back to back, before the scheduler can have admitted the
  // first: it takes the free sequence, the second waits, the third would be
  // a second waiting request.
  GenerationEngine engine(*model_, {.max_sequences = 1, .max_queued = 1});
  auto first = engine.Submit(Request({1, 2, 3}, 250, 0.7, 1), nullptr);
  auto second = engine.Submit(Request({1, 4}, 250, 0.7, 2), nullptr);
  try {
    engine.Submit(Request({1, 5}, 8, 0, 0), nullptr);
    ADD_FAILURE() << "a second request waiting behind a full model was accepted";
  } catch (const Conflict& e) {
    EXPECT_STREQ(e.what(), "too many requests are waiting for this model (1)");
  }
  first->Cancel();
  second->Cancel();
  // Cancelled before its prompt ran, a request ends with no completions.
  for (const auto& job : {first, second}) {
    for (const auto& c : job->Wait().completions) EXPECT_EQ(c.reason, FinishReason::kCancelled);
  }
}

TEST_F(EngineTest, UnloadingCancelsWhatRunsAndFailsWhatIsQueued) {
  std::shared_ptr<GenerationEngine::Job> running, queued;
  {
    // Declared before the engine, so they outlive it: its thread may call the
    // callback again until the engine's destructor has stopped it.
    std::promise<void> started;
    bool signalled = false;
    GenerationEngine engine(*model_, {.max_sequences = 1});
    running = engine.Submit(Request({1, 2, 3}, 250, 0.7, 1), [&](int, std::string_view) {
      if (!signalled) {
        signalled = true;
        started.set_value();
      }
      return true;
    });
    queued = engine.Submit(Request({1, 4}, 8, 0, 0), nullptr);
    started.get_future().wait();  // the first runs; the second waits for room
  }
  const Generation g = running->Wait();
  ASSERT_EQ(g.completions.size(), 1u);
  EXPECT_EQ(g.completions[0].reason, FinishReason::kCancelled);
  EXPECT_LT(g.completions[0].sampled, 250);
  try {
    queued->Wait();
    ADD_FAILURE() << "a request queued behind a running one ran after the engine stopped";
  } catch (const Conflict& e) {
    EXPECT_STREQ(e.what(), "the model was unloaded before the request ran");
  }
}

}  // namespace
}  // namespace tabpilot
