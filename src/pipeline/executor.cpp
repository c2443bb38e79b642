#include "pipeline/executor.h"

#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "core/deadline.h"
#include "core/error.h"
#include "core/log.h"
#include "pipeline/content_hash.h"
#include "pipeline/expression.h"
#include "pipeline/step.h"
#include "pipeline/definition_check.h"
#include "store/store_location.h"
#include "store/timestamp.h"

namespace tabpilot {
namespace fs = std::filesystem;
namespace {

std::string NewExecutionId() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
  std::random_device rd;
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "%06x", rd() & 0xffffffu);
  return std::string(stamp) + "-" + suffix;
}

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

// A cached result is only usable while the files it points to still exist.
bool OutputsExist(const Json& outputs, const fs::path& root) {
  if (outputs.is_string()) {
    const std::string s = outputs.get<std::string>();
    if (s.rfind(root.string(), 0) == 0) {
      std::error_code ec;
      return fs::exists(s, ec);
    }
    return true;
  }
  if (outputs.is_array() || outputs.is_object()) {
    for (const auto& item : outputs) {
      if (!OutputsExist(item, root)) return false;
    }
  }
  return true;
}

std::string CutoffTime(double expire_after_seconds) {
  if (expire_after_seconds <= 0) return "";
  const auto cutoff = std::chrono::system_clock::now() -
                      std::chrono::duration_cast<std::chrono::system_clock::duration>(
                          std::chrono::duration<double>(expire_after_seconds));
  return FormatUtcTimestamp(cutoff);
}

// What one worker needs to run one step; copied into its thread.
struct StepJob {
  StepDef def;
  const StepType* type = nullptr;
  Json config;  // resolved
  fs::path base_dir;
  std::string execution_id;
  std::string pipeline_name;
  fs::path step_dir;
  fs::path executions_root;
  std::string store_flag;
  std::string database;
  int threads = 1;
};

struct StepDone {
  StepRecord record;
  bool fail_step = false;
};

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

    Json hashes = Json::object();
    const Json key_config = KeyConfig(job.config, job.base_dir, &hashes);
    const bool cacheable = job.type->Cacheable() && job.def.cache.enabled;
    if (job.type->Cacheable()) {
      Json key = Json::object();
      key["type"] = job.def.type;
      key["config"] = key_config;
      rec.cache_key = HashText(key.dump());
    }
    if (cacheable) {
      auto hit = records.FindCached(job.def.type, rec.cache_key, CutoffTime(job.def.cache.expire_after_seconds));
      if (hit && OutputsExist(hit->outputs, job.executions_root)) {
        rec.status = kSucceeded;
        rec.cache_hit = true;
        rec.cached_from = hit->cached_from.empty() ? hit->execution_id : hit->cached_from;
        rec.outputs = hit->outputs;
        rec.log_path = hit->log_path;
        rec.end_time = UtcTimestamp();
        return done;
      }
    }

    const fs::path output_dir = job.step_dir / "outputs";
    std::string last_error;
    for (int attempt = 1; attempt <= job.def.retry.max_attempts; ++attempt) {
      const double wait = job.def.retry.WaitBefore(attempt);
      if (wait > 0) std::this_thread::sleep_for(std::chrono::duration<double>(wait));
      rec.attempts = attempt;
      rec.status = kExecuting;
      records.SaveStep(rec);

      StepContext ctx;
      ctx.step_name = job.def.name;
      ctx.execution_id = job.execution_id;
      ctx.pipeline_name = job.pipeline_name;
      ctx.config = job.config;
      ctx.base_dir = job.base_dir;
      ctx.staging_dir = job.step_dir / ("outputs.tmp-" + std::to_string(attempt));
      ctx.output_dir = output_dir;
      ctx.log_path = rec.log_path;
      ctx.deadline = job.def.timeout_seconds > 0 ? Deadline::In(job.def.timeout_seconds) : Deadline::Never();
      ctx.threads = job.threads;
      ctx.store_location = job.store_flag;
      ctx.input_hashes = hashes;
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
        fs::remove_all(output_dir, ec);
        fs::rename(ctx.staging_dir, output_dir);
        rec.outputs = std::move(outputs);
        rec.status = kSucceeded;
        rec.failure_reason.clear();
        rec.end_time = UtcTimestamp();
        ctx.Log("== succeeded");
        return done;
      } catch (const PipelineFailStep& e) {
        fs::remove_all(ctx.staging_dir, ec);
        rec.status = kFailed;
        rec.failure_reason = e.what();
        rec.end_time = UtcTimestamp();
        done.fail_step = true;
        return done;
      } catch (const std::exception& e) {
        fs::remove_all(ctx.staging_dir, ec);
        last_error = e.what();
        ctx.Log("== attempt " + std::to_string(attempt) + " failed: " + last_error);
      }
    }
    rec.status = kFailed;
    rec.failure_reason = last_error;
    rec.end_time = UtcTimestamp();
  } catch (const std::exception& e) {
    rec.status = kFailed;
    rec.failure_reason = e.what();
    rec.end_time = UtcTimestamp();
  }
  return done;
}

class PipelineRun {
 public:
  PipelineRun(const PipelineDefinition& d, const PipelineGraph& g, Json params, std::string id,
              const StoreLocation& location, ExecutionRecords& records, const ExecutorOptions& options)
      : d_(d), g_(g), params_(std::move(params)), id_(std::move(id)), location_(location), records_(records),
        options_(options) {}

  void Keep(const StepRecord& s) {
    status_[s.step_name] = s.status;
    if (s.status == kSucceeded) outputs_[s.step_name] = s.outputs;
  }

  ExecutionResult Go() {
    std::vector<std::thread> threads;
    std::mutex mu;
    std::condition_variable cv;
    std::deque<StepDone> finished;
    int running = 0;
    bool failed = false;
    std::string failure;
    const int max_workers = std::max(1, options_.max_workers);

    auto scope = [&] {
      Json s = Json::object();
      s["params"] = params_;
      s["steps"] = Json::object();
      for (const auto& [name, out] : outputs_) s["steps"][name] = out;
      s["execution"] = Json{{"id", id_}};
      return s;
    };
    auto record_final = [&](StepRecord& rec) {
      records_.SaveStep(rec);
      status_[rec.step_name] = rec.status;
      if (rec.status == kSucceeded) outputs_[rec.step_name] = rec.outputs;
    };

    while (true) {
      bool progressed = true;
      while (progressed) {
        progressed = false;
        for (const auto& name : g_.order) {
          if (!status_[name].empty()) continue;
          bool ready = true;
          bool skip = false;
          for (const auto& dep : g_.deps.at(name)) {
            const std::string& st = status_[dep];
            if (st == kSkipped) skip = true;
            else if (st != kSucceeded) ready = false;
          }
          if (!ready) continue;
          if (auto it = g_.branch_of.find(name); it != g_.branch_of.end()) {
            const Json& out = outputs_[it->second.first];
            const bool outcome = out.contains("outcome") && out["outcome"] == true;
            if (outcome != it->second.second) skip = true;
          }
          const StepDef& def = *d_.FindStep(name);
          if (skip) {
            StepRecord rec = NewRecord(def);
            rec.status = kSkipped;
            rec.end_time = rec.start_time;
            record_final(rec);
            Progress("step " + name + ": Skipped");
            progressed = true;
            continue;
          }
          if (failed || running >= max_workers) continue;
          StepJob job;
          job.def = def;
          job.type = &StepTypeRegistry::Builtins().Get(def.type);
          job.base_dir = d_.base_dir;
          job.execution_id = id_;
          job.pipeline_name = d_.name;
          job.executions_root = ExecutionsRoot(location_);
          job.step_dir = job.executions_root / id_ / name;
          job.store_flag = options_.store;
          job.database = location_.database;
          job.threads = std::max(1, options_.threads_per_step);
          try {
            job.config = ResolveExpressions(def.config, scope(), "step '" + name + "': ");
          } catch (const Error& e) {
            StepRecord rec = NewRecord(def);
            rec.status = kFailed;
            rec.failure_reason = e.what();
            rec.end_time = UtcTimestamp();
            record_final(rec);
            failed = true;
            failure = "step '" + name + "' failed: " + rec.failure_reason;
            Progress("step " + name + ": Failed: " + rec.failure_reason);
            continue;
          }
          status_[name] = kExecuting;
          started_.insert_or_assign(name, Stopwatch());
          ++running;
          Progress("step " + name + ": Executing");
          threads.emplace_back([job = std::move(job), &mu, &cv, &finished] {
            StepDone done = RunStepJob(job);
            std::lock_guard<std::mutex> lock(mu);
            finished.push_back(std::move(done));
            cv.notify_one();
          });
          progressed = true;
        }
      }
      if (running == 0) break;
      StepDone done;
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return !finished.empty(); });
        done = std::move(finished.front());
        finished.pop_front();
      }
      --running;
      StepRecord& rec = done.record;
      record_final(rec);
      if (rec.status == kSucceeded) {
        std::string line = "step " + rec.step_name + ": Succeeded";
        if (rec.cache_hit) {
          line += " (cache hit from " + rec.cached_from + ")";
        } else {
          line += " in " + FormatSeconds(started_.at(rec.step_name).Seconds());
          if (rec.attempts > 1) line += " after " + std::to_string(rec.attempts) + " attempts";
        }
        Progress(line);
      } else {
        if (!failed) {
          failure = done.fail_step ? rec.failure_reason : "step '" + rec.step_name + "' failed: " + rec.failure_reason;
        }
        failed = true;
        Progress("step " + rec.step_name + ": Failed: " + rec.failure_reason);
      }
    }
    for (auto& t : threads) t.join();

    ExecutionResult result;
    result.execution_id = id_;
    result.status = failed ? kFailed : kSucceeded;
    result.failure_reason = failure;
    records_.FinishExecution(id_, result.status, failure);
    result.steps = records_.ListSteps(id_);
    return result;
  }

 private:
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
  std::map<std::string, std::string> status_;
  std::map<std::string, Json> outputs_;
  std::map<std::string, Stopwatch> started_;  // wall time of running steps, for progress lines
};

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
  e.status = kExecuting;
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
  if (e.status == kExecuting) {
    throw Conflict("execution " + execution_id + " is still running (process " + std::to_string(e.runner_pid) +
                   " on " + e.runner_host + ")");
  }
  if (e.status == kSucceeded) throw InvalidInput("execution " + execution_id + " already succeeded; nothing to retry");

  const PipelineDefinition definition = ParseDefinition(e.definition, e.source_path, e.base_dir);
  const PipelineGraph graph = CheckDefinition(definition, StepTypeRegistry::Builtins());
  records.ResumeExecution(execution_id);
  if (options.progress) options.progress("execution " + e.id + " of " + definition.name + " retried");

  PipelineRun run(definition, graph, e.parameters, e.id, location, records, options);
  for (const auto& s : records.ListSteps(execution_id)) {
    if (s.status == kSucceeded || s.status == kSkipped) run.Keep(s);
  }
  return run.Go();
}

}  // namespace tabpilot
