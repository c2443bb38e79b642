// Grows a metadata store to the size the UI's page-speed numbers are for:
// copies of its newest AutoML job, registry version and pipeline execution
// (with their steps) until it holds --jobs jobs, --versions versions of the
// group and --executions executions. The copies are real records (the same
// leaderboard, reports, bundle and definition), written through the same
// classes the product uses. Run by bench/ui_pages.py.
//
// Usage: ui_store_seed --store DIR_OR_URL --group G [--jobs N] [--versions N] [--executions N]
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/error.h"
#include "jobs/automl_jobs.h"
#include "pipeline/records.h"
#include "registry/model_registry.h"
#include "store/store_location.h"

namespace {

using namespace tabpilot;

struct Args {
  std::string store;
  std::string group;
  int64_t jobs = 100;
  int64_t versions = 1000;
  int64_t executions = 1000;
};

Args Parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--store") {
      a.store = v;
    } else if (k == "--group") {
      a.group = v;
    } else if (k == "--jobs") {
      a.jobs = std::atoll(v.c_str());
    } else if (k == "--versions") {
      a.versions = std::atoll(v.c_str());
    } else if (k == "--executions") {
      a.executions = std::atoll(v.c_str());
    } else {
      throw InvalidInput("unknown option " + k);
    }
  }
  if (a.store.empty() || a.group.empty()) throw InvalidInput("usage: ui_store_seed --store S --group G [...]");
  return a;
}

void SeedJobs(Database& db, int64_t want) {
  AutoMLJobs jobs(db);
  const auto newest = jobs.List(0, 1);
  if (newest.empty()) throw InvalidInput("the store has no AutoML job to copy");
  const AutoMLJobRecord model = jobs.Get(newest[0].id);
  for (int64_t n = jobs.Count(); n < want; ++n) {
    AutoMLJobRecord j = model;
    j.id = model.id + "-copy" + std::to_string(n);
    j.created_at = "2026-01-01T00:00:00." + std::to_string(100 + n % 900) + "Z";
    jobs.Create(j);
  }
}

void SeedVersions(Store& store, const std::string& group, int64_t want) {
  ModelRegistry registry(*store.db, store.artifacts);
  const ModelVersion latest = registry.Describe(group, registry.GetGroup(group).latest_version);
  for (int64_t n = registry.GetGroup(group).version_count; n < want; ++n) {
    RegisterRequest r;
    r.group = group;
    r.model_dir = latest.artifact_path;
    r.description = latest.description;
    r.evaluation_report = latest.evaluation_report;
    r.leaderboard = latest.leaderboard;
    r.execution_id = latest.execution_id;
    r.input_data_hashes = latest.input_data_hashes;
    // A metric that moves across versions, for the chart.
    Json metrics = latest.metrics;
    if (metrics.contains("f1")) metrics["f1"] = metrics["f1"].get<double>() - 0.02 * ((n * 7919) % 100) / 100.0;
    r.metrics = metrics;
    registry.Register(r);
  }
}

void SeedExecutions(Database& db, int64_t want) {
  ExecutionRecords records(db);
  const auto newest = records.ListExecutionPage("", 0, 1);
  if (newest.empty()) throw InvalidInput("the store has no pipeline execution to copy");
  const ExecutionRecord model = records.GetExecution(newest[0].id);
  const std::vector<StepRecord> steps = records.ListSteps(model.id);
  for (int64_t n = records.CountExecutions(""); n < want; ++n) {
    ExecutionRecord e = model;
    e.id = "20260101-000000-" + std::to_string(100000 + n);
    e.start_time = "2026-01-01T00:00:00.000Z";
    records.CreateExecution(e);
    records.FinishExecution(e.id, model.status, model.failure_reason);
    for (StepRecord s : steps) {
      s.execution_id = e.id;
      records.SaveStep(s);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Args a = Parse(argc, argv);
    Store store = OpenStore(a.store);
    SeedJobs(*store.db, a.jobs);
    SeedVersions(store, a.group, a.versions);
    SeedExecutions(*store.db, a.executions);
    std::printf("seeded %s: %lld jobs, %lld versions of %s, %lld executions\n", a.store.c_str(),
                static_cast<long long>(a.jobs), static_cast<long long>(a.versions), a.group.c_str(),
                static_cast<long long>(a.executions));
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ui_store_seed: %s\n", e.what());
    return 2;
  }
}
