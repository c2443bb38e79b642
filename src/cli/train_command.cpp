// tabpilot train: AutoML on a CSV -> model bundle + leaderboard.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include "automl/fit_journal.h"
#include "automl/memory_floor.h"
#include "automl/problem.h"
#include "automl/trainer.h"
#include "cli/commands.h"
#include "core/error.h"
#include "core/process_memory.h"
#include "core/version.h"
#include "jobs/job_recorder.h"
#include "model/bundle.h"
#include "scaleout/fold_worker.h"
#include "scaleout/mpi_farm.h"
#include "scaleout/sharded_booster.h"

namespace tabpilot::cli {

namespace {

struct TrainArgs {
  std::string data;
  std::string target;
  std::string output;
  double time_limit = 300;
  std::string problem_type;
  std::string metric;
  std::string positive_label;
  std::string group_column;
  uint64_t seed = 0;
  int threads = 0;
  int folds = 0;
  int max_models = 0;
  double infer_limit = 0;      // microseconds per row; 0 = none
  double cost_tolerance = -1;  // standard errors; 0 = the most accurate ensemble; < 0 = automatic
  int64_t search_sample = -1;  // rows; 0 = never sample; < 0 = automatic
  double memory_limit = 0;     // GB; 0 = automatic (kDefaultMemoryShare of the machine's memory)
  bool refit_full = true;
  bool resume = false;
  std::string distributed_data;  // one booster on these shards (scaleout/sharded_booster.h)
  int rounds = 300;
  int checkpoint_every = 25;
  std::vector<std::string> learners;
  bool quiet = false;
  bool verbose = false;
  std::string signing_key;
  std::string store;
};

// CLI11's NonNegativeNumber spells out its upper bound (DBL_MAX, 300 digits)
// in the error; this one says only what is wrong.
CLI::Validator NonNegative() {
  return CLI::Validator(
      [](std::string& value) {
        return !value.empty() && value[0] == '-' ? "must be 0 or more, got " + value : std::string();
      },
      "NONNEGATIVE");
}

// The whole of `value` as a finite number, or nullopt.
std::optional<double> FiniteNumber(const std::string& value) {
  char* end = nullptr;
  const double v = std::strtod(value.c_str(), &end);
  if (value.empty() || end != value.c_str() + value.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

// A finite number above 0 (or, `zero_ok`, 0 or more), else "must be a number
// of <what>, got VALUE" (CLI11's own messages for a bad double name the
// type, not the option's meaning).
CLI::Validator FiniteNumberOf(const std::string& what, bool zero_ok, const std::string& name) {
  return CLI::Validator(
      [what, zero_ok](std::string& value) {
        const std::optional<double> v = FiniteNumber(value);
        return v && (*v > 0 || (zero_ok && *v == 0)) ? std::string() : "must be a number of " + what + ", got " + value;
      },
      name);
}

// --infer-limit, --cost-tolerance, --memory-limit.
CLI::Validator PositiveMicroseconds() { return FiniteNumberOf("microseconds per row above 0", false, "MICROSECONDS"); }
CLI::Validator StandardErrors() { return FiniteNumberOf("standard errors, 0 or more", true, "SE"); }
CLI::Validator Gigabytes() { return FiniteNumberOf("gigabytes above 0", false, "GB"); }

// The memory limit in bytes: --memory-limit, else kDefaultMemoryShare of the
// machine's memory (none when that cannot be told).
double MemoryLimitBytes(double gigabytes) {
  if (gigabytes > 0) return gigabytes * 1e9;
  return kDefaultMemoryShare * static_cast<double>(PhysicalMemoryBytes());
}

// The ensemble's measured predict time, beside the limit when one was set.
std::string PredictCostLine(const Json& training) {
  char line[200];
  std::snprintf(line, sizeof line, "predict: %.4g us/row measured (default form, batch of %d rows, %d thread(s))",
                training.value("predict_us_per_row", 0.0), training.value("predict_cost_rows", 0),
                training.value("predict_cost_threads", 0));
  std::string out = line;
  if (training.contains("infer_limit_us_per_row")) {
    std::snprintf(line, sizeof line, "; infer limit %.4g us/row (selection estimate %.4g)",
                  training.at("infer_limit_us_per_row").get<double>(),
                  training.value("infer_limit_estimate_us_per_row", 0.0));
    out += line;
  }
  return out + "\n";
}

// The output folder may hold an interrupted run's journal (and nothing else
// of a model) only with --resume; --resume needs one, not a finished model.
void CheckOutput(const TrainArgs& a) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const bool journal = fs::exists(JournalPath(a.output), ec);
  if (a.resume && fs::exists(fs::path(a.output) / "manifest.json", ec) && !journal) {
    throw InvalidInput("--resume: " + a.output + " is a finished model, not an interrupted run");
  }
  if (journal && !a.resume) {
    throw InvalidInput("--output " + a.output +
                       " holds the journal of an interrupted run: add --resume to continue it, or remove the folder");
  }
  if (!journal) CheckModelOutputPath(a.output);
}

// What runs the search's fold fits: under an MPI launcher with two ranks or
// more, rank 0's task farm (the other ranks fit, and return from here when it
// stops them); else this process's threads.
struct FitPlacement {
  std::unique_ptr<MpiWorld> world;
  std::unique_ptr<MpiFoldFarm> farm;
  bool worker = false;
};

FitPlacement PlaceFits(const Logger& logger, double time_limit) {
  FitPlacement p;
  if (!MpiWorld::Launched()) return p;
  p.world = std::make_unique<MpiWorld>();
  if (p.world->size() < 2) return p;
  if (p.world->rank() > 0) {
    p.worker = true;
    RunFoldWorker(*p.world);
    return p;
  }
  FarmOptions farm;
  farm.logger = logger;
  farm.grace_seconds = FarmGraceSeconds(time_limit);
  p.farm = std::make_unique<MpiFoldFarm>(*p.world, farm);
  logger.Info("fitting folds on " + p.farm->Describe());
  return p;
}

int Train(const TrainArgs& a, Deadline deadline, const Logger& logger, AutoMLJobRecorder* job, MpiFoldFarm* farm);

// --distributed-data: one booster on shards, each rank reading its own.
int RunSharded(const TrainArgs& a, const Logger& logger) {
  std::unique_ptr<MpiWorld> world;
  if (MpiWorld::Launched()) world = std::make_unique<MpiWorld>();
  if (world == nullptr || world->rank() == 0) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const bool checkpoint = fs::exists(ShardedCheckpointPath(a.output), ec);
    if (checkpoint && !a.resume) {
      throw InvalidInput("--output " + a.output +
                         " holds the checkpoint of an interrupted booster: add --resume to continue it, or remove "
                         "the folder");
    }
    if (!checkpoint) CheckModelOutputPath(a.output);
  }
  if (a.rounds < 1) throw InvalidInput("--rounds must be 1 or more");
  ShardedBoostArgs s;
  s.shards = a.distributed_data;
  s.target = a.target;
  s.output = a.output;
  s.problem_type = a.problem_type;
  s.positive_label = a.positive_label;
  s.rounds = a.rounds;
  s.checkpoint_every = a.checkpoint_every;
  s.time_limit = a.time_limit;
  s.seed = a.seed;
  s.threads = ResolveThreads(a.threads);
  s.resume = a.resume;
  s.csv.threads = s.threads;
  s.csv.limits = LimitsFromEnvironment();
  return TrainSharded(s, world.get(), logger);
}

int RunTrain(const TrainArgs& a, Deadline deadline) {
  Logger logger(a.quiet ? Logger::Level::kQuiet : (a.verbose ? Logger::Level::kDebug : Logger::Level::kInfo));
  if (!(a.time_limit > 0)) throw InvalidInput("--time-limit must be more than 0 seconds");
  if (!a.distributed_data.empty()) return RunSharded(a, logger);
  if (a.data.empty()) throw InvalidInput("--data is required (or --distributed-data for one booster on shards)");
  const FitPlacement placement = PlaceFits(logger, a.time_limit);
  if (placement.worker) return 0;
  CheckOutput(a);
  // The run as an AutoML job in the store, when one is named (the UI lists it).
  std::unique_ptr<AutoMLJobRecorder> job;
  const std::string store = TrainingStoreFromEnvironment(a.store);
  if (!store.empty()) {
    AutoMLJobRecorder::Options o;
    o.store = store;
    o.data_path = a.data;
    o.target = a.target;
    o.model_dir = a.output;
    o.time_limit_seconds = a.time_limit;
    o.logger = logger;
    job = std::make_unique<AutoMLJobRecorder>(o);
  }
  try {
    return Train(a, deadline, logger, job.get(), placement.farm.get());
  } catch (const std::exception& e) {
    if (job) job->Failed(e.what());
    throw;
  }
}

int Train(const TrainArgs& a, Deadline deadline, const Logger& logger, AutoMLJobRecorder* job, MpiFoldFarm* farm) {
  const std::string signing_key = a.signing_key.empty() ? std::string() : ReadSigningKey(a.signing_key);
  const int threads = ResolveThreads(a.threads);

  ProblemOptions problem;
  problem.target = a.target;
  if (!a.problem_type.empty()) problem.task = ParseTask(a.problem_type);
  problem.metric = a.metric;
  problem.positive_label = a.positive_label;
  problem.group_column = a.group_column;
  CsvOptions csv;
  csv.threads = threads;
  csv.limits = LimitsFromEnvironment();
  const double memory_limit = MemoryLimitBytes(a.memory_limit);
  ReturnFreedMemoryPromptly();
  const double load_started = deadline.Elapsed();
  TrainingData data = LoadTrainingData(a.data, problem, csv, logger, memory_limit);
  const double load_seconds = deadline.Elapsed() - load_started;
  ReleaseFreedMemory();  // the read's buffers
  // Refused now, not found out mid-search, when even the smallest plan needs more (memory_floor.h).
  CheckMemoryFloor(static_cast<double>(ResidentBytes()), data.y.size(), data.features.num_columns(), memory_limit);

  TrainerOptions options;
  options.deadline = deadline;
  options.time_limit_seconds = a.time_limit;
  options.threads = threads;
  options.seed = a.seed;
  options.num_folds = a.folds;
  options.families = a.learners;
  options.max_models = a.max_models;
  options.refit_full = a.refit_full;
  options.infer_limit_us_per_row = a.infer_limit;
  if (a.cost_tolerance >= 0) options.cost_tolerance_se = a.cost_tolerance;
  if (a.search_sample >= 0) options.search_sample_rows = static_cast<size_t>(a.search_sample);
  options.memory_limit_bytes = memory_limit;
  options.fold_executor = farm;
  FitJournal journal(JournalPath(a.output), a.resume, logger);
  if (a.resume) logger.Info("resuming: the journal holds " + std::to_string(journal.size()) + " finished fit(s)");
  options.journal = &journal;
  std::error_code absolute_error;
  options.scratch_dir = std::filesystem::absolute(a.output, absolute_error).parent_path().string();
  options.logger = logger;
  TrainResult result = TrainAutoML(data, options);
  if (a.resume) {
    logger.Info(std::to_string(journal.replayed()) + " fit(s) taken from the journal, not fitted again");
  }
  result.bundle.training["load_seconds"] = load_seconds;
  result.bundle.training["journal"] = Json{{"records", journal.written()},
                                           {"bytes", journal.written_bytes()},
                                           {"seconds", journal.write_seconds()},
                                           {"replayed", journal.replayed()}};
  if (farm != nullptr) {
    const FarmStats& f = farm->stats();
    result.bundle.training["farm"] = f.ToJson();
    char line[240];
    std::snprintf(line, sizeof line,
                  "farm: %zu fits on %d worker rank(s) in %s; rank 0 spent %.3f s sending (%.1f MB, %.1f MB of it "
                  "data) and %.3f s gathering (%.1f MB)",
                  f.fits, f.workers, FormatSeconds(f.span_seconds).c_str(), f.send_seconds,
                  static_cast<double>(f.job_bytes + f.data_bytes) / 1e6, static_cast<double>(f.data_bytes) / 1e6,
                  f.gather_seconds, static_cast<double>(f.outcome_bytes) / 1e6);
    logger.Info(line);
  }

  const size_t peak = PeakResidentBytes();
  result.bundle.training["peak_resident_bytes"] = peak;
  if (memory_limit > 0 && static_cast<double>(peak) > memory_limit) {
    logger.Warn("training held up to " + FormatGigabytes(static_cast<double>(peak)) + ", more than --memory-limit " +
                FormatGigabytes(memory_limit) + ": the plan's estimates (the load, each fit, the refit's rows) fell " +
                "short of what the run took");
  }
  SaveOptions save;
  save.producer_version = TABPILOT_VERSION;
  save.signing_key = signing_key;
  SaveBundle(result.bundle, a.output, save);
  if (job != nullptr) job->Completed(data, result, deadline.Elapsed());
  if (!a.quiet) {
    std::cout << FormatLeaderboard(result.leaderboard);
    const ProblemInfo& p = result.bundle.problem;
    std::cout << "\nensemble:";
    std::string stack_only;
    for (const auto& m : result.bundle.members) {
      if (m.weight > 0) {
        std::cout << " " << m.name << " (" << m.weight << ")";
      } else {
        stack_only += " " + m.name;
      }
    }
    std::cout << "\n";
    if (!stack_only.empty()) std::cout << "stack inputs kept for level 2:" << stack_only << "\n";
    const BundleForms& forms = result.bundle.forms;
    std::cout << PredictCostLine(result.bundle.training);
    std::cout << "forms: " << forms.ListText() << " (predict serves " << BundleFormName(forms.default_form)
              << " by default)\n";
    if (p.task == Task::kBinary) {
      std::cout << "positive class '" << p.class_labels[static_cast<size_t>(p.positive_class)]
                << "', decision threshold " << p.threshold << "\n";
    }
    std::cout << "model written to " << a.output << " in " << FormatSeconds(deadline.Elapsed()) << "\n";
    if (job != nullptr) std::cout << "recorded as AutoML job " << job->id() << "\n";
  }
  return 0;
}

}  // namespace

Runner AddTrainCommand(CLI::App& app) {
  auto args = std::make_shared<TrainArgs>();
  CLI::App* sub = app.add_subcommand("train", "Train an AutoML ensemble on a CSV and write a model bundle");
  CLI::Option* data = sub->add_option("--data,-d", args->data, "Training CSV (header row; .csv, .tsv, .gz, .arff)");
  CLI::Option* shards =
      sub->add_option("--distributed-data", args->distributed_data,
                      "Train one XGBoost booster on a folder of CSV shards instead of the AutoML search: under "
                      "mpirun/srun each rank reads its own shards (rank r: shards r, r+N, ...) and XGBoost's Rabit "
                      "sums the histograms across ranks; without a launcher one process reads them all");
  data->excludes(shards);
  shards->excludes(data);
  sub->add_option("--rounds", args->rounds, "--distributed-data: boosting rounds")->capture_default_str();
  sub->add_option("--checkpoint-every", args->checkpoint_every,
                  "--distributed-data: checkpoint the booster every this many rounds (OUTPUT/checkpoint; --resume "
                  "continues from it; 0 = never)")
      ->check(NonNegative())
      ->capture_default_str();
  sub->add_option("--target,-t", args->target, "Column to predict")->required();
  sub->add_option("--output,-o", args->output, "Model bundle directory to write")->required();
  sub->add_option("--time-limit", args->time_limit, "Seconds for the whole command, load to bundle written")
      ->capture_default_str();
  sub->add_option("--problem-type", args->problem_type, "binary | multiclass | regression (default: inferred)");
  sub->add_option("--metric", args->metric,
                  "Objective: f1 (binary default), accuracy (multiclass default), mse (regression default), auc, "
                  "logloss, balanced_accuracy, precision, recall, f1_macro, rmse, mae, r2");
  sub->add_option("--positive-label", args->positive_label, "Binary: the positive class (default: the minority)");
  sub->add_option("--group-column", args->group_column,
                  "Column of row groups (a customer, a patient, copies of one record): validation never splits a "
                  "group across folds or held-out rows; not a feature");
  sub->add_option("--seed", args->seed, "Random seed")->capture_default_str();
  sub->add_option("--threads", args->threads, "Threads (0 = all cores)")->capture_default_str();
  sub->add_option("--folds", args->folds, "Bagging folds (0 = automatic; 1 = validate on a 10% holdout instead)")
      ->check(NonNegative())
      ->capture_default_str();
  sub->add_flag("--refit-full,!--no-refit-full", args->refit_full,
                "--no-refit-full: do not refit the members on all rows, so the bundle holds the bagged form only (by "
                "default each member is also refit once on all rows, using 10% of the search time, and the bundle "
                "holds both forms; --refit-full is accepted and changes nothing)");
  sub->add_option("--max-models", args->max_models, "Stop after this many candidate models (0 = until time runs out)")
      ->check(NonNegative())
      ->capture_default_str();
  sub->add_option("--infer-limit", args->infer_limit,
                  "Most the ensemble may take to predict, in microseconds per row (its default form, a batch of "
                  "1,000 rows, --threads threads); members are chosen within it, and the cheapest model alone is "
                  "kept when none fits (default: no limit)")
      ->check(PositiveMicroseconds());
  sub->add_option("--cost-tolerance", args->cost_tolerance,
                  "Deploy the cheapest ensemble whose validation loss is within this many standard errors of the "
                  "most accurate one's (0 = the most accurate, whatever it costs to serve; default: 1 from 10,000 "
                  "validation rows (groups with --group-column), else 0)")
      ->check(StandardErrors());
  sub->add_option("--search-sample", args->search_sample,
                  "Search on a stratified sample of this many rows, then refit the chosen boosters on every row (0 = "
                  "always search on every row; default: automatic, about 2,000 cells per second of --time-limit, "
                  "when the table has at least 250,000 rows and four times the sample's)")
      ->check(NonNegative());
  sub->add_option("--memory-limit", args->memory_limit,
                  "Most memory training may use, in gigabytes: a table whose load would not fit is refused, and a "
                  "large table's refit takes only as many rows as fit (default: 60% of this machine's memory)")
      ->check(Gigabytes());
  sub->add_option("--learners", args->learners,
                  "Only these learner families (e.g. xgboost,linear); opt-in families (oblivious_boost, a default "
                  "only when a large table is searched on a sample) run only when named here")
      ->delimiter(',');
  sub->add_option("--signing-key", args->signing_key,
                  "Key file (at least 32 random bytes) to sign the bundle with; predict --verify-key checks it");
  sub->add_option("--store", args->store,
                  "Record the run as an AutoML job in this metadata store (SQLite path or postgresql:// URL; default: "
                  "$TABPILOT_STORE when set, else not recorded), where `tabpilot ui` lists it");
  sub->add_flag("--resume", args->resume,
                "Continue an interrupted run into the same --output: the fold fits it finished (kept in "
                "OUTPUT/journal) are not fitted again; give the same data, options and seed");
  sub->add_flag("--quiet,-q", args->quiet, "Print only errors");
  sub->add_flag("--verbose,-v", args->verbose,
                "Also print the search's decisions (skipped candidates, bags cut short)");
  // The budget counts from here: argument parsing before it is negligible.
  return [args] { return RunTrain(*args, Deadline::In(args->time_limit > 0 ? args->time_limit : 1)); };
}

}  // namespace tabpilot::cli
