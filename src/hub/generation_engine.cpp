#include "hub/generation_engine.h"

#include <chrono>

#include "core/error.h"

namespace tabpilot {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

}  // namespace

// One completion of a running request.
struct GenerationEngine::Sequence {
  Sequence(const LanguageModel& model, const GenerationRequest& request, int result, KvCache kv,
           std::vector<float> last)
      : state(model, request, result), cache(std::move(kv)), logits(std::move(last)) {}
  CompletionState state;
  KvCache cache;
  std::vector<float> logits;
  int32_t next = -1;  // the token to run at the next step
};

// A request between admission and completion.
struct GenerationEngine::Running {
  Running(std::shared_ptr<Job> j, KvCache kv) : job(std::move(j)), prompt_cache(std::move(kv)) {}
  std::shared_ptr<Job> job;
  KvCache prompt_cache;
  std::vector<float> prompt_logits;  // the last position's (every position's with prompt log-probabilities)
  std::vector<float> prompt_logprobs;
  bool prompt_done = false;
  std::vector<std::unique_ptr<Sequence>> sequences;
  Clock::time_point admitted;
  Clock::time_point prompt_finished;
};

Generation GenerationEngine::Job::Wait() {
  std::unique_lock<std::mutex> lock(mutex_);
  done_cv_.wait(lock, [this] { return done_; });
  if (error_) std::rethrow_exception(error_);
  return std::move(result_);
}

GenerationEngine::GenerationEngine(std::shared_ptr<const LanguageModel> model, Options options)
    : model_(std::move(model)), options_(options) {
  if (options_.max_sequences < 1) throw InvalidInput("max sequences must be at least 1");
  scheduler_ = std::thread([this] { Loop(); });
}

GenerationEngine::~GenerationEngine() {
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  scheduler_.join();
}

std::shared_ptr<GenerationEngine::Job> GenerationEngine::Submit(GenerationRequest request, TextSink sink,
                                                                DoneCallback done) {
  request.Check(*model_);
  if (request.results > options_.max_sequences) {
    throw InvalidInput("the number of results must be at most " + std::to_string(options_.max_sequences) +
                       " on this endpoint");
  }
  auto job = std::make_shared<Job>();
  job->request_ = std::move(request);
  job->sink_ = std::move(sink);
  job->on_done_ = std::move(done);
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) throw Conflict("the model is shutting down");
    // Only what must wait for room counts against max_queued: requests the
    // scheduler will admit at its next step (it may not have woken yet) do
    // not, so two requests at once on an idle one-sequence model both go in.
    int room = options_.max_sequences - stats_.running;
    int waiting = 0;
    for (const auto& queued : queue_) {
      if (waiting == 0 && queued->request_.results <= room) {
        room -= queued->request_.results;
      } else {
        ++waiting;
      }
    }
    const bool waits = waiting > 0 || job->request_.results > room;
    if (waits && waiting >= options_.max_queued) {
      throw Conflict("too many requests are waiting for this model (" + std::to_string(waiting) + ")");
    }
    queue_.push_back(job);
    ++stats_.queued;
  }
  wake_.notify_all();
  return job;
}

GenerationEngine::Stats GenerationEngine::stats() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

void GenerationEngine::Fail(Job* job, std::exception_ptr error) {
  if (job->on_done_) job->on_done_(nullptr, error);
  {
    const std::lock_guard<std::mutex> lock(job->mutex_);
    job->error_ = std::move(error);
    job->done_ = true;
  }
  job->done_cv_.notify_all();
}

void GenerationEngine::Complete(Running* r, int active) {
  if (r->prompt_finished == Clock::time_point()) r->prompt_finished = Clock::now();
  Generation g;
  for (auto& s : r->sequences) {
    g.completions.push_back(s->state.Finish(r->job->sink_));
    g.timings.generated_tokens += g.completions.back().sampled;
  }
  g.timings.prompt_tokens = static_cast<int64_t>(r->job->request_.prompt.size());
  g.prompt_logprobs = std::move(r->prompt_logprobs);
  g.timings.prompt_seconds = std::chrono::duration<double>(r->prompt_finished - r->admitted).count();
  g.timings.generation_seconds = SecondsSince(r->prompt_finished);
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    stats_.generated_tokens += g.timings.generated_tokens;
    stats_.running = active;  // before the caller hears of it
  }
  Job& job = *r->job;
  if (job.on_done_) job.on_done_(&g, nullptr);
  {
    const std::lock_guard<std::mutex> lock(job.mutex_);
    job.result_ = std::move(g);
    job.done_ = true;
  }
  job.done_cv_.notify_all();
}

// Moves queued requests in while there is room for their results.
void GenerationEngine::Admit(std::vector<std::unique_ptr<Running>>* running, int* active) {
  const std::lock_guard<std::mutex> lock(mutex_);
  while (!queue_.empty() && *active + queue_.front()->request_.results <= options_.max_sequences) {
    std::shared_ptr<Job> job = std::move(queue_.front());
    queue_.pop_front();
    --stats_.queued;
    const GenerationRequest& req = job->request_;
    auto r = std::make_unique<Running>(
        std::move(job), model_->transformer().NewCache(static_cast<int64_t>(req.prompt.size()) + req.max_tokens));
    r->admitted = Clock::now();
    *active += req.results;
    running->push_back(std::move(r));
  }
  stats_.running = *active;
}

void GenerationEngine::Step(std::vector<std::unique_ptr<Running>>* running, int* active) {
  // Every new prompt, and every sequence's next token.
  std::vector<SequenceStep> steps;
  int64_t prompt_tokens = 0;
  for (auto& r : *running) {
    if (r->job->cancelled_.load()) continue;
    if (!r->prompt_done) {
      steps.push_back({r->job->request_.prompt, &r->prompt_cache, &r->prompt_logits,
                       WantsPromptLogprobs(r->job->request_, *model_)});
      prompt_tokens += static_cast<int64_t>(r->job->request_.prompt.size());
    }
    for (auto& s : r->sequences) {
      if (s->next >= 0) steps.push_back({std::span<const int32_t>(&s->next, 1), &s->cache, &s->logits, false});
    }
  }
  if (!steps.empty()) model_->transformer().ForwardBatch(steps);
  // Sample every sequence; a new request's results start from its prompt.
  for (auto& r : *running) {
    const GenerationRequest& req = r->job->request_;
    if (r->job->cancelled_.load()) {
      r->prompt_done = true;
      for (auto& s : r->sequences) {
        s->state.Cancel();
        s->next = -1;
      }
      continue;
    }
    if (!r->prompt_done) {
      r->prompt_done = true;
      r->prompt_finished = Clock::now();
      if (WantsPromptLogprobs(req, *model_)) {
        std::vector<float> last;
        r->prompt_logprobs = PromptLogprobs(req.prompt, r->prompt_logits, model_->transformer().config().vocab, &last);
        r->prompt_logits = std::move(last);
      }
      for (int i = 0; i < req.results; ++i) {
        const bool last = i + 1 == req.results;
        r->sequences.push_back(std::make_unique<Sequence>(*model_, req, i,
                                                          last ? std::move(r->prompt_cache) : r->prompt_cache,
                                                          last ? std::move(r->prompt_logits) : r->prompt_logits));
      }
      for (auto& s : r->sequences) s->next = 0;  // sampled below
    }
    for (auto& s : r->sequences) {
      s->next = s->state.done() ? -1 : s->state.Next(s->logits, s->cache.capacity() - s->cache.length(), r->job->sink_);
    }
  }
  // Requests whose every sequence has ended leave.
  for (auto it = running->begin(); it != running->end();) {
    Running& r = **it;
    bool finished = r.prompt_done;
    for (auto& s : r.sequences) finished = finished && s->next < 0;
    if (!finished) {
      ++it;
      continue;
    }
    *active -= r.job->request_.results;
    Complete(&r, *active);
    it = running->erase(it);
  }
  const std::lock_guard<std::mutex> lock(mutex_);
  stats_.running = *active;
  stats_.prompt_tokens += prompt_tokens;
  ++stats_.steps;
}

void GenerationEngine::Loop() {
  std::vector<std::unique_ptr<Running>> running;
  int active = 0;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty() || !running.empty(); });
      if (stopping_) break;
    }
    Admit(&running, &active);
    try {
      Step(&running, &active);
    } catch (...) {
      // A step that fails (out of memory, a bug) fails the requests in it, not the server.
      for (auto& r : running) Fail(r->job.get(), std::current_exception());
      running.clear();
      active = 0;
    }
  }
  // Shutting down: what is running ends as cancelled; what is queued fails.
  for (auto& r : running) {
    for (auto& s : r->sequences) s->state.Cancel();
    active -= r->job->request_.results;
    Complete(r.get(), active);
  }
  std::deque<std::shared_ptr<Job>> left;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    left.swap(queue_);
  }
  for (auto& job : left)
    Fail(job.get(), std::make_exception_ptr(Conflict("the model was unloaded before the request ran")));
}

}  // namespace tabpilot
