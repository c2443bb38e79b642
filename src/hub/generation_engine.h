// Continuous batching for one model: requests from any number of threads
// (the server's connections) are served by one scheduler thread that runs
// a single batched step at a time over every active sequence. A new request
// joins at the next step (its prompt runs in that step, beside the others'
// generated tokens), a finished or cancelled one leaves at once, so
// concurrent streams share each pass over the weights instead of queueing.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "hub/generator.h"
#include "hub/language_model.h"

namespace tabpilot {

class GenerationEngine {
 public:
  struct Options {
    // Sequences generated together (a request with n results counts n);
    // more requests wait in order.
    int max_sequences = 8;
    // Requests that may wait; beyond, Submit refuses (the server answers 429).
    int max_queued = 64;
  };

  // Called once on the scheduler thread when a job ends: its result, or
  // (result null) the error it ended with.
  using DoneCallback = std::function<void(const Generation* result, std::exception_ptr error)>;

  // A submitted request: wait for its result, or cancel it.
  class Job {
   public:
    // Blocks until the request has finished; throws what the request threw
    // (InvalidInput for a bad one).
    Generation Wait();
    // Asks the scheduler to stop it at its next step (its completions end as kCancelled).
    void Cancel() { cancelled_.store(true); }

   private:
    friend class GenerationEngine;
    GenerationRequest request_;
    TextSink sink_;
    DoneCallback on_done_;
    std::atomic<bool> cancelled_{false};
    std::mutex mutex_;
    std::condition_variable done_cv_;
    bool done_ = false;
    Generation result_;
    std::exception_ptr error_;
  };

  struct Stats {
    int running = 0;            // sequences being generated
    int queued = 0;             // requests waiting for room
    int64_t prompt_tokens = 0;  // totals since start
    int64_t generated_tokens = 0;
    int64_t steps = 0;
  };

  GenerationEngine(std::shared_ptr<const LanguageModel> model, Options options);
  ~GenerationEngine();  // cancels what is running and queued, and waits for the scheduler
  GenerationEngine(const GenerationEngine&) = delete;
  GenerationEngine& operator=(const GenerationEngine&) = delete;

  // Checks the request (InvalidInput) and queues it; Conflict when it would
  // have to wait for room and max_queued requests wait already (requests the
  // free room takes at the next step do not count as waiting). `sink` (may
  // be null) is called on the scheduler thread with each piece of text; it
  // must be quick, and returning false cancels that completion. `done` (may
  // be null) as above.
  std::shared_ptr<Job> Submit(GenerationRequest request, TextSink sink, DoneCallback done = nullptr);
  Stats stats() const;
  const LanguageModel& model() const { return *model_; }

 private:
  struct Sequence;
  struct Running;
  void Loop();
  void Admit(std::vector<std::unique_ptr<Running>>* running, int* active);
  // One batched step over `running`; requests that ended leave it.
  void Step(std::vector<std::unique_ptr<Running>>* running, int* active);
  // Hands `r` its result; `active`: the sequences still running after it.
  void Complete(Running* r, int active);
  static void Fail(Job* job, std::exception_ptr error);

  std::shared_ptr<const LanguageModel> model_;
  Options options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Job>> queue_;
  bool stopping_ = false;
  Stats stats_;
  std::thread scheduler_;
};

}  // namespace tabpilot
