#include "pipeline/executor.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "core/atomic_file.h"
#include "core/deadline.h"
#include "core/error.h"
#include "core/log.h"
#include "pipeline/cached_outputs.h"
#include "pipeline/content_hash.h"
#include "pipeline/definition_check.h"
#include "pipeline/expression.h"
#include "pipeline/ready_set.h"
#include "pipeline/step.h"
#include "store/store_location.h"
#include "store/timestamp.h"

namespace tabpilot {
namespace fs = std::filesystem;
namespace {

std::string NewExecutionId() { return TimestampedId(); }

// Absolute: processing commands run in the definition's folder, not here.
fs::path ExecutionsRoot(const StoreLocation& location) {
  return fs::absolute(location.artifacts).parent_path() / "executions";
}

// Replaces every string in `config` that names an existing file or folder by
// its content hash (so the cache key follows content, not where it lives) and
// collects path -> hash for lineage.
Json KeyConfig(const Json& value, const fs::path& base_dir, Json* hashes) {
  if (value.is_string()) {
    const std::string s = value.get<std::string>();
    if (s.empty() || s.size() > 4096 || s.find('\n') != std::string::npos) return value;
    fs::path p(s);
    if (!p.is_absolute()) p = base_dir / p;
    std::error_code ec;
    if (!fs::exists(p, ec)) return value;
    const std::string h = HashPath(p);
    (*hashes)[s] = h;
    return "content:" + h;
  }
  if (value.is_array()) {
    Json out = Json::array();
    for (const auto& item : value) out.push_back(KeyConfig(item, base_dir, hashes));
    return out;
  }
  if (value.is_object()) {
    Json out = Json::object();
    for (const auto& [k, v] : value.items()) out[k] = KeyConfig(v, base_dir, hashes);
    return out;
  }
  return value;
}

std::string CutoffTime(double expire_after_seconds) {
  if (expire_after_seconds <= 0) return "";
  const auto cutoff =
      std::chrono::system_clock::now() - std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                             std::chrono::duration<double>(expire_after_seconds));
  return FormatUtcTimestamp(cutoff);
}

// What one worker needs to run one step; copied into its thread.
struct StepJob {
  StepDef def;
  const StepType* type = nullptr;
  Params fields;  // resolved and checked against the type's table
  fs::path base_dir;
  std::string execution_id;
  std::string pipeline_name;
  fs::path step_dir;
  fs::path executions_root;
  fs::path artifacts_root;
  std::string store_flag;
  std::string database;
  int threads = 1;
  const std::atomic<bool>* cancel = nullptr;  // the run's; outlives the job's thread
  InputLimits limits;
};

struct StepDone {
  StepRecord record;
  bool fail_step = false;
  std::string warning;  // for the progress lines (a cached result that was refused)
};

// A reusable result from the cache into `rec`; false when there is none. A
// cached row whose outputs fail CachedOutputsProblem (cached_outputs.h) is a
// miss, said in `warning`.
bool TryCache(const StepJob& job, ExecutionRecords& records, StepRecord& rec, std::string& warning) {
  if (!job.type->Cacheable() || !job.def.cache.enabled) return false;
  auto hit = records.FindCached(job.def.type, rec.cache_key, CutoffTime(job.def.cache.expire_after_seconds));
  if (!hit) return false;
  const std::string problem =
      CachedOutputsProblem(hit->outputs, hit->output_hashes, {job.executions_root, job.artifacts_root});
  if (!problem.empty()) {
    warning = "step '" + job.def.name + "': the cached result of execution " + hit->execution_id + " is not reused (" +
              problem + "); running the step";
    return false;
  }
  rec.status = RunStatus::kSucceeded;
  rec.cache_hit = true;
  rec.cached_from = hit->cached_from.empty() ? hit->execution_id : hit->cached_from;
  rec.outputs = hit->outputs;
  rec.output_hashes = hit->output_hashes;
  rec.log_path = hit->log_path;
  rec.end_time = UtcTimestamp();
  return true;
}

StepContext MakeContext(const StepJob& job, int attempt, const StepRecord& rec, const Json& hashes) {
  StepContext ctx;
  ctx.step_name = job.def.name;
  ctx.execution_id = job.execution_id;
  ctx.pipeline_name = job.pipeline_name;
  ctx.fields = job.fields;
  ctx.base_dir = job.base_dir;
  ctx.staging_dir = job.step_dir / ("outputs.tmp-" + std::to_string(attempt));
  ctx.output_dir = job.step_dir / "outputs";
  ctx.log_path = rec.log_path;
  ctx.deadline = job.def.timeout_seconds > 0 ? Deadline::In(job.def.timeout_seconds) : Deadline::Never();
  ctx.threads = job.threads;
  ctx.limits = job.limits;
  ctx.store_location = job.store_flag;
  ctx.input_hashes = hashes;
  ctx.cancel = job.cancel;
  return ctx;
}

// The attempts, with waits between them, until one succeeds, a fail step
// stops them, or max_attempts ran.
void RunAttempts(const StepJob& job, ExecutionRecords& records, const Json& hashes, StepDone& done) {
  StepRecord& rec = done.record;
  std::string last_error;
  for (int attempt = 1; attempt <= job.def.retry.max_attempts; ++attempt) {
    const double wait = job.def.retry.WaitBefore(attempt);
    // Waits in short steps: an abandoned run must not wait out a backoff.
    const Deadline waited = Deadline::Never().Sub(wait);  // expired at once when wait <= 0
    while (!waited.Expired() && !job.cancel->load()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (job.cancel->load()) {
      if (last_error.empty())
        last_error = "the run was abandoned before this step's attempt " + std::to_string(attempt);
      break;
    }
    rec.attempts = attempt;
    rec.status = RunStatus::kExecuting;
    records.SaveStep(rec);
    const StepContext ctx = MakeContext(job, attempt, rec, hashes);
    ctx.Log("== attempt " + std::to_string(attempt) + " at " + UtcTimestamp());
    std::error_code ec;
    fs::remove_all(ctx.staging_dir, ec);
    fs::create_directories(ctx.staging_dir);
    try {
      Json outputs = job.type->Run(ctx);
      if (ctx.deadline.Expired()) {
        throw StepTimeout("step '" + job.def.name + "' took longer than its timeout of " +
                          FormatSeconds(job.def.timeout_seconds));
      }
      // Publish the outputs: the staged folder replaces any leftover from an
      // interrupted earlier run, then the record says Succeeded.
      fs::remove_all(ctx.output_dir, ec);
      fs::rename(ctx.staging_dir, ctx.output_dir);
      rec.outputs = std::move(outputs);
      try {
        rec.output_hashes = HashOutputs(rec.outputs, ctx.output_dir);
      } catch (const Error& e) {
        ctx.Log("== output hashes not recorded (a cache hit will not check them): " + std::string(e.what()));
      }
      rec.status = RunStatus::kSucceeded;
      rec.failure_reason.clear();
      rec.end_time = UtcTimestamp();
      ctx.Log("== succeeded");
      return;
    } catch (const PipelineFailStep& e) {
      fs::remove_all(ctx.staging_dir, ec);
      rec.status = RunStatus::kFailed;
      rec.failure_reason = e.what();
      rec.end_time = UtcTimestamp();
      done.fail_step = true;
      return;
    } catch (const std::exception& e) {
      fs::remove_all(ctx.staging_dir, ec);
      last_error = e.what();
      ctx.Log("== attempt " + std::to_string(attempt) + " failed: " + last_error);
    }
  }
  rec.status = RunStatus::kFailed;
  rec.failure_reason = last_error;
  rec.end_time = UtcTimestamp();
}

// Runs on a worker thread with its own database connection.
StepDone RunStepJob(const StepJob& job) {
  StepDone done;
  StepRecord& rec = done.record;
  rec.execution_id = job.execution_id;
  rec.step_name = job.def.name;
  rec.step_type = job.def.type;
  rec.start_time = UtcTimestamp();
  rec.log_path = (job.step_dir / "log.txt").string();
  try {
    fs::create_directories(job.step_dir);
    auto db = OpenDatabase(job.database);
    ExecutionRecords records(*db);
    // The key is the checked field values (defaults included), with every
    // existing file named in them replaced by its content hash.
    Json hashes = Json::object();
    const Json key_config = KeyConfig(job.fields.values(), job.base_dir, &hashes);
    if (job.type->Cacheable()) {
      Json key = Json::object();
      key["type"] = job.def.type;
      key["config"] = key_config;
      rec.cache_key = HashText(key.dump());
    }
    if (TryCache(job, records, rec, done.warning)) return done;
    if (!done.warning.empty()) {
      std::ofstream(rec.log_path, std::ios::app) << "== warning: " << done.warning << "\n";
    }
    RunAttempts(job, records, hashes, done);
  } catch (const std::exception& e) {
    rec.status = RunStatus::kFailed;
    rec.failure_reason = e.what();
    rec.end_time = UtcTimestamp();
  }
  return done;
}

// One execution's scheduling: asks NextSteps (ready_set.h) what may start or
// must be skipped, runs started steps on worker threads, and records every
// change. Used from the calling thread only; workers hand results back
// through `finished_`.
class PipelineRun {
 public:
  PipelineRun(const PipelineDefinition& d, const PipelineGraph& g, Json params, std::string id,
              const StoreLocation& location, ExecutionRecords& records, const ExecutorOptions& options)
      : d_(d),
        g_(g),
        params_(std::move(params)),
        id_(std::move(id)),
        location_(location),
        records_(records),
        options_(options) {}

  // A step finished by an earlier attempt of this execution (retry).
  void Keep(const StepRecord& s) { Settle(s); }

  // Joins any worker left (a destructor reached through an exception that
  // Go did not see); never lets a joinable std::thread be destroyed.
  ~PipelineRun() {
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }
  PipelineRun(const PipelineRun&) = delete;
  PipelineRun& operator=(const PipelineRun&) = delete;

  ExecutionResult Go() {
    try {
      while (true) {
        StartOrSkipReady();
        if (running_ == 0) break;
        Finish(WaitForOne());
      }
    } catch (const std::exception& e) {
      Abandon(e.what());
      throw;
    }
    for (auto& t : threads_) t.join();
    threads_.clear();
    ExecutionResult result;
    result.execution_id = id_;
    result.status = failed_ ? RunStatus::kFailed : RunStatus::kSucceeded;
    result.failure_reason = failure_;
    records_.FinishExecution(id_, result.status, failure_);
    result.steps = records_.ListSteps(id_);
    return result;
  }

 private:
  const StepType& TypeOf(const StepDef& def) const { return StepTypeRegistry::Builtins().Get(def.type); }

  // The run cannot go on (the store failed, or a bug): stops the steps
  // already running (their commands' process groups are killed; an in-process
  // step such as automl ends at its own pace), joins their threads and marks
  // the execution Failed if the store still takes it, so nothing is left
  // Executing or orphaned.
  void Abandon(const std::string& why) {
    cancel_ = true;
    while (running_ > 0) {
      const StepDone done = WaitForOne();
      try {
        records_.SaveStep(done.record);  // its final state, if the store still takes it
      } catch (const std::exception&) {
        // The store is what failed: the step row stays as its worker left it.
      }
    }
    for (auto& t : threads_) t.join();
    threads_.clear();
    try {
      records_.FinishExecution(id_, RunStatus::kFailed, "the run stopped: " + why);
    } catch (const std::exception&) {
      // The store is what failed: the caller reports the original error.
    }
  }

  // Remembers a finished step's status, outputs and decisions.
  void Settle(const StepRecord& rec) {
    status_[rec.step_name] = rec.status;
    if (rec.status != RunStatus::kSucceeded) return;
    outputs_[rec.step_name] = rec.outputs;
    const StepDef& def = *d_.FindStep(rec.step_name);
    for (auto& n : TypeOf(def).SkippedAfter(def.config, rec.outputs)) decided_skips_.insert(std::move(n));
  }
  void Record(const StepRecord& rec) {
    records_.SaveStep(rec);
    Settle(rec);
  }

  // Marks what NextSteps says to skip; starts ready steps while workers are
  // free and nothing failed. Repeats until nothing changes, since a step that
  // fails to resolve frees its place for another.
  void StartOrSkipReady() {
    const int max_workers = std::max(1, options_.max_workers);
    bool changed = true;
    while (changed) {
      changed = false;
      const ReadySet next = NextSteps(g_, status_, decided_skips_);
      for (const auto& name : next.skip) {
        StepRecord rec = NewRecord(*d_.FindStep(name));
        rec.status = RunStatus::kSkipped;
        rec.end_time = rec.start_time;
        Record(rec);
        Progress("step " + name + ": Skipped");
        changed = true;
      }
      for (const auto& name : next.start) {
        if (failed_ || running_ >= max_workers) break;
        Start(*d_.FindStep(name));
        changed = true;
      }
    }
  }

  // Resolves the step's expressions, checks the values against its type's
  // table and hands it to a worker thread; a step whose fields do not resolve
  // or check fails here without running.
  void Start(const StepDef& def) {
    StepJob job;
    job.def = def;
    job.type = &TypeOf(def);
    job.base_dir = d_.base_dir;
    job.execution_id = id_;
    job.pipeline_name = d_.name;
    job.executions_root = ExecutionsRoot(location_);
    job.artifacts_root = fs::absolute(location_.artifacts);
    job.step_dir = job.executions_root / id_ / def.name;
    job.store_flag = options_.store;
    job.database = location_.database;
    job.threads = std::max(1, options_.threads_per_step);
    job.cancel = &cancel_;
    job.limits = options_.limits;
    const std::string owner = "step '" + def.name + "'";
    try {
      // Shell fields' values are bound to variables and added to "env" after
      // the rest resolved: neither the bound text nor a value is read as an
      // expression again.
      std::map<std::string, std::string> bound;
      Json config = def.config;
      const Json shell = BindShellFields(*job.type, &config, owner, &bound);
      Json resolved = ResolveExpressions(config, Scope(), owner + ": ");
      for (const auto& [field, text] : shell.items()) resolved[field] = text;
      if (!bound.empty()) {
        if (!resolved.contains("env") || !resolved["env"].is_object()) resolved["env"] = Json::object();
        for (const auto& [name, value] : bound) resolved["env"][name] = value;
      }
      job.fields = Params::Validate(job.type->fields(), resolved, owner, "field");
    } catch (const Error& e) {
      StepRecord rec = NewRecord(def);
      rec.status = RunStatus::kFailed;
      rec.failure_reason = e.what();
      rec.end_time = UtcTimestamp();
      Record(rec);
      failed_ = true;
      failure_ = owner + " failed: " + rec.failure_reason;
      Progress("step " + def.name + ": Failed: " + rec.failure_reason);
      return;
    }
    status_[def.name] = RunStatus::kExecuting;
    started_.insert_or_assign(def.name, Stopwatch());
    ++running_;
    Progress("step " + def.name + ": Executing");
    threads_.emplace_back([this, job = std::move(job)] {
      StepDone done = RunStepJob(job);
      std::lock_guard<std::mutex> lock(mu_);
      finished_.push_back(std::move(done));
      cv_.notify_one();
    });
  }

  StepDone WaitForOne() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return !finished_.empty(); });
    StepDone done = std::move(finished_.front());
    finished_.pop_front();
    --running_;
    return done;
  }

  void Finish(const StepDone& done) {
    const StepRecord& rec = done.record;
    if (!done.warning.empty()) Progress("warning: " + done.warning);
    Record(rec);
    if (rec.status == RunStatus::kSucceeded) {
      std::string line = "step " + rec.step_name + ": Succeeded";
      if (rec.cache_hit) {
        line += " (cache hit from " + rec.cached_from + ")";
      } else {
        line += " in " + FormatSeconds(started_.at(rec.step_name).Seconds());
        if (rec.attempts > 1) line += " after " + std::to_string(rec.attempts) + " attempts";
      }
      Progress(line);
      return;
    }
    if (!failed_) {
      failure_ = done.fail_step ? rec.failure_reason : "step '" + rec.step_name + "' failed: " + rec.failure_reason;
    }
    failed_ = true;
    Progress("step " + rec.step_name + ": Failed: " + rec.failure_reason);
  }

  // Takes the shell fields (StepType::ShellFields) out of `config` and
  // returns them with their expressions replaced by environment variable
  // references; the values go to `bound`.
  Json BindShellFields(const StepType& type, Json* config, const std::string& owner,
                       std::map<std::string, std::string>* bound) const {
    Json out = Json::object();
    for (const std::string& field : type.ShellFields()) {
      if (!config->contains(field) || !(*config)[field].is_string()) continue;
      out[field] = BindShellExpressions((*config)[field].get<std::string>(), Scope(), owner + ": ", bound);
      config->erase(field);
    }
    return out;
  }

  // What expressions resolve against (expression.h).
  Json Scope() const {
    Json s = Json::object();
    s["params"] = params_;
    s["steps"] = Json::object();
    for (const auto& [name, out] : outputs_) s["steps"][name] = out;
    s["execution"] = Json{{"id", id_}};
    return s;
  }
  StepRecord NewRecord(const StepDef& def) const {
    StepRecord rec;
    rec.execution_id = id_;
    rec.step_name = def.name;
    rec.step_type = def.type;
    rec.start_time = UtcTimestamp();
    return rec;
  }
  void Progress(const std::string& line) const {
    if (options_.progress) options_.progress(line);
  }

  const PipelineDefinition& d_;
  const PipelineGraph& g_;
  Json params_;
  std::string id_;
  StoreLocation location_;
  ExecutionRecords& records_;
  const ExecutorOptions& options_;
  std::map<std::string, RunStatus> status_;
  std::map<std::string, Json> outputs_;
  std::set<std::string> decided_skips_;       // StepType::SkippedAfter of Succeeded steps
  std::map<std::string, Stopwatch> started_;  // wall time of running steps, for progress lines
  int running_ = 0;
  bool failed_ = false;
  std::string failure_;
  std::atomic<bool> cancel_{false};  // set by Abandon; read by the workers' steps
  std::vector<std::thread> threads_;
  std::mutex mu_;  // guards finished_ (filled by workers)
  std::condition_variable cv_;
  std::deque<StepDone> finished_;
};

std::string AlreadyResumed(const std::string& execution_id) {
  return "execution " + execution_id + " is already being resumed";
}

// 128 random bits: tells this retry's claim from any other's.
std::string NewClaimToken() {
  std::random_device rd;
  std::string token;
  char part[16];
  for (int i = 0; i < 4; ++i) {
    std::snprintf(part, sizeof part, "%08x", static_cast<unsigned>(rd()));
    token += part;
  }
  return token;
}

// The definition a retry runs: read again from the file the execution was
// started from and hashed; the copy in the store (which whoever can write the
// store could have changed) is never run. Relative paths resolve against the
// file's folder as it is now, not a folder the store names.
PipelineDefinition RereadDefinition(const ExecutionRecord& e, const InputLimits& limits) {
  const std::string& source = e.source_path;
  const std::string fresh_run = "start a new run with: tabpilot pipeline run " + source;
  std::error_code ec;
  if (source.empty() || !fs::path(source).is_absolute() || !fs::is_regular_file(source, ec)) {
    throw NotFound("cannot retry execution " + e.id + ": its definition file " +
                   (source.empty() ? "(not recorded)" : source) +
                   " is gone (retry runs the definition from its file, never the copy in the store); " + fresh_run);
  }
  // The path comes from the store: read no more than a definition may hold.
  if (fs::file_size(source, ec) > limits.yaml_bytes) {
    throw InvalidInput("cannot retry execution " + e.id + ": its definition file " + source + " is larger than " +
                       std::to_string(limits.yaml_bytes) + " bytes (TABPILOT_LIMIT_YAML_BYTES)");
  }
  const std::string text = ReadFile(source);
  if (HashText(text) != e.definition_hash) {
    throw Conflict("cannot retry execution " + e.id + ": its definition " + source +
                   " changed since the run (its SHA-256 differs from the one recorded); " + fresh_run);
  }
  return ParseDefinition(text, source, fs::path(source).parent_path(), limits);
}

}  // namespace

int RecoverAbandonedExecutions(const std::string& store) {
  const StoreLocation location = ResolveStoreLocation(store);
  auto db = OpenDatabase(location.database);
  ExecutionRecords records(*db);
  return records.RecoverAbandoned();
}

ExecutionResult RunPipeline(const PipelineDefinition& definition, const std::vector<std::string>& overrides,
                            const ExecutorOptions& options) {
  const PipelineGraph graph = CheckDefinition(definition, StepTypeRegistry::Builtins());
  Json params = ResolveParameters(definition, overrides);

  const StoreLocation location = ResolveStoreLocation(options.store);
  auto db = OpenDatabase(location.database);
  ExecutionRecords records(*db);
  records.RecoverAbandoned();

  ExecutionRecord e;
  e.id = NewExecutionId();
  e.pipeline_name = definition.name;
  e.definition_hash = definition.hash;
  e.definition = definition.text;
  e.source_path = fs::absolute(definition.source).string();
  e.base_dir = definition.base_dir.string();
  e.parameters = params;
  e.status = RunStatus::kExecuting;
  e.start_time = UtcTimestamp();
  e.runner_host = HostName();
  e.runner_pid = ::getpid();
  records.CreateExecution(e);
  if (options.progress) options.progress("execution " + e.id + " of " + definition.name + " started");

  PipelineRun run(definition, graph, params, e.id, location, records, options);
  return run.Go();
}

ExecutionResult RetryExecution(const std::string& execution_id, const ExecutorOptions& options) {
  const StoreLocation location = ResolveStoreLocation(options.store);
  auto db = OpenDatabase(location.database);
  ExecutionRecords records(*db);
  records.RecoverAbandoned();
  const ExecutionRecord e = records.GetExecution(execution_id);
  if (e.status == RunStatus::kExecuting) {
    if (!e.claim_token.empty()) throw Conflict(AlreadyResumed(execution_id));
    throw Conflict("execution " + execution_id + " is still running (process " + std::to_string(e.runner_pid) + " on " +
                   e.runner_host + ")");
  }
  if (e.status == RunStatus::kSucceeded)
    throw InvalidInput("execution " + execution_id + " already succeeded; nothing to retry");

  const PipelineDefinition definition = RereadDefinition(e, options.limits);
  const PipelineGraph graph = CheckDefinition(definition, StepTypeRegistry::Builtins());
  if (!records.ClaimForRetry(execution_id, NewClaimToken())) throw Conflict(AlreadyResumed(execution_id));
  if (options.progress) options.progress("execution " + e.id + " of " + definition.name + " retried");

  PipelineRun run(definition, graph, e.parameters, e.id, location, records, options);
  for (const auto& s : records.ListSteps(execution_id)) {
    if (s.status == RunStatus::kSucceeded || s.status == RunStatus::kSkipped) run.Keep(s);
  }
  return run.Go();
}

}  // namespace tabpilot
