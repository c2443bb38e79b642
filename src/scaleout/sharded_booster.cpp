#include "scaleout/sharded_booster.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>

#include "automl/problem.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/version.h"
#include "features/column_screening.h"
#include "features/feature_pipeline.h"
#include "learners/xgboost_api.h"
#include "learners/xgboost_learner.h"
#include "model/bundle.h"
#include "scaleout/mpi_comm.h"
#include "scaleout/rabit_tracker.h"

namespace tabpilot {
namespace {

namespace fs = std::filesystem;

constexpr int kHostTag = 101;
// Seconds a rank waits for the others in a boosting round before XGBoost gives up.
constexpr int kCollectiveTimeout = 600;

std::vector<fs::path> ListShards(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw InvalidInput("--distributed-data " + dir + ": no such folder");
  std::vector<fs::path> shards;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    auto ends = [&](const std::string& suffix) {
      return name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    if (entry.is_regular_file() && (ends(".csv") || ends(".csv.gz") || ends(".tsv") || ends(".tsv.gz"))) {
      shards.push_back(entry.path());
    }
  }
  std::sort(shards.begin(), shards.end());
  if (shards.empty()) throw InvalidInput("--distributed-data " + dir + " holds no .csv, .tsv or .gz shard");
  return shards;
}

// What rank 0 decides from its first shard and every rank uses.
struct Setup {
  ProblemInfo problem;
  FeaturePipeline pipeline;
};

std::string SetupBytes(const Setup& s) {
  return Json{{"task", TaskName(s.problem.task)},
              {"labels", s.problem.class_labels},
              {"positive_class", s.problem.positive_class},
              {"metric", s.problem.metric},
              {"pipeline", s.pipeline.ToJson()}}
      .dump();
}

Setup SetupFrom(const std::string& bytes, const std::string& target) {
  const Json j = Json::parse(bytes);
  Setup s;
  s.problem.task = ParseTask(j.at("task").get<std::string>());
  s.problem.target = target;
  s.problem.class_labels = j.at("labels").get<std::vector<std::string>>();
  s.problem.positive_class = j.at("positive_class").get<int>();
  s.problem.metric = j.at("metric").get<std::string>();
  s.pipeline = FeaturePipeline::FromJson(j.at("pipeline"));
  return s;
}

// Appends a shard's rows, encoded by the shared pipeline, with its labels
// numbered as rank 0 numbered them.
void Append(const TrainingData& d, const Setup& setup, const std::string& file, int threads, Matrix* x,
            std::vector<float>* y) {
  const Matrix rows = setup.pipeline.Transform(d.features, threads);
  if (x->cols != 0 && rows.cols != x->cols) throw Internal(file + ": encoded to another number of columns");
  x->cols = rows.cols;
  x->rows += rows.rows;
  x->values.insert(x->values.end(), rows.values.begin(), rows.values.end());
  if (setup.problem.task == Task::kRegression) {
    y->insert(y->end(), d.y.begin(), d.y.end());
    return;
  }
  const std::vector<std::string>& labels = setup.problem.class_labels;
  for (float v : d.y) {
    const std::string& label = d.problem.class_labels.at(static_cast<size_t>(v));
    auto it = std::find(labels.begin(), labels.end(), label);
    if (it == labels.end()) {
      throw InvalidInput(file + ": target label '" + label + "' is not one of the first shard's labels");
    }
    y->push_back(static_cast<float>(it - labels.begin()));
  }
}

// Rank 0: a tracker the other ranks can reach; every rank: its address.
std::string StartTracker(MpiWorld& world, std::optional<RabitTracker>& tracker, const Logger& logger) {
  std::string address;
  if (world.rank() == 0) {
    bool all_local = true;
    for (int r = 1; r < world.size(); ++r) {
      std::optional<MpiMessage> m = world.Receive(r, 120);
      if (!m || m->tag != kHostTag) throw Internal("rank " + std::to_string(r) + " did not say its host");
      all_local = all_local && m->bytes == world.host();
    }
    tracker.emplace(TrackerHost(all_local), world.size());
    address = tracker->host() + ":" + std::to_string(tracker->port());
    logger.Info("XGBoost tracker at " + address + " for " + std::to_string(world.size()) + " ranks");
  } else {
    world.Send(0, kHostTag, world.host());
  }
  return world.Broadcast(address, 0);
}

void SaveSharded(const ShardedBoostArgs& args, const Setup& setup, const Schema& input_schema,
                 std::unique_ptr<Model> model, const Json& params, const Json& facts) {
  Bundle bundle;
  bundle.problem = setup.problem;
  bundle.input_schema = input_schema;
  bundle.pipelines["tree"] = setup.pipeline;
  BundleMember member;
  member.name = "XGBoostSharded";
  member.family = "xgboost";
  member.params = params;
  member.pipeline = "tree";
  member.weight = 1.0;
  member.folds.push_back(std::move(model));
  bundle.members.push_back(std::move(member));
  bundle.training = Json{{"sharded", facts}};
  bundle.leaderboard = Json::array({Json{{"model", "XGBoostSharded"},
                                         {"family", "xgboost"},
                                         {"metric", setup.problem.metric},
                                         {"status", "ok"},
                                         {"ensemble_weight", 1.0},
                                         {"params", params},
                                         {"info", facts}}});
  SaveOptions save;
  save.producer_version = TABPILOT_VERSION;
  SaveBundle(bundle, args.output, save);
}

// This rank's shards: r, r + N, ... of the sorted files.
std::vector<fs::path> MyShards(const ShardedBoostArgs& args, int rank, int ranks, size_t* total) {
  const std::vector<fs::path> shards = ListShards(args.shards);
  if (shards.size() < static_cast<size_t>(ranks)) {
    throw InvalidInput("--distributed-data " + args.shards + " holds " + std::to_string(shards.size()) +
                       " shard(s) for " + std::to_string(ranks) + " ranks: every rank needs at least one");
  }
  *total = shards.size();
  std::vector<fs::path> mine;
  for (size_t i = static_cast<size_t>(rank); i < shards.size(); i += static_cast<size_t>(ranks)) {
    mine.push_back(shards[i]);
  }
  return mine;
}

// Every rank's rows, encoded and labelled as rank 0 decided from its first shard.
struct RankRows {
  Setup setup;
  Schema input_schema;  // rank 0 only
  Matrix x;
  std::vector<float> y;
};

RankRows ReadRows(const ShardedBoostArgs& args, MpiWorld* world, const std::vector<fs::path>& mine,
                  const Logger& logger) {
  const int rank = world != nullptr ? world->rank() : 0;
  ProblemOptions problem;
  problem.target = args.target;
  if (!args.problem_type.empty()) problem.task = ParseTask(args.problem_type);
  problem.positive_label = args.positive_label;
  RankRows out;
  // Rank 0 infers the problem and fits the encoding on its first shard.
  std::optional<TrainingData> first;
  std::string setup_bytes;
  if (rank == 0) {
    first.emplace(LoadTrainingData(mine.front().string(), problem, args.csv, logger));
    const ScreenResult screen = ScreenColumns(first->features, ScreenOptions{});
    Setup s;
    s.problem = first->problem;
    s.pipeline = FeaturePipeline::Fit(first->features, screen.kept, FeatureOptions{});
    for (const std::string& name : screen.kept) out.input_schema.columns.push_back(*first->feature_schema.Find(name));
    setup_bytes = SetupBytes(s);
  }
  if (world != nullptr) setup_bytes = world->Broadcast(setup_bytes, 0);
  out.setup = SetupFrom(setup_bytes, args.target);
  // The other shards are read as the same task; their labels are renumbered
  // by name (Append), so a shard need not hold the positive class.
  problem.task = out.setup.problem.task;
  problem.positive_label.clear();
  // Only rank 0 reports its reading: N ranks' progress lines would interleave.
  const Logger quiet(Logger::Level::kQuiet);
  const Logger& load_log = rank == 0 ? logger : quiet;
  for (size_t i = 0; i < mine.size(); ++i) {
    const std::string file = mine[i].string();
    if (i == 0 && first) {
      Append(*first, out.setup, file, args.threads, &out.x, &out.y);
      first.reset();
    } else {
      Append(LoadTrainingData(file, problem, args.csv, load_log), out.setup, file, args.threads, &out.x, &out.y);
    }
  }
  return out;
}

}  // namespace

std::string ShardedCheckpointPath(const std::string& output) {
  return (fs::path(output) / "checkpoint" / "booster.bin").string();
}

int TrainSharded(const ShardedBoostArgs& args, MpiWorld* world, const Logger& logger) {
  const Deadline deadline = Deadline::In(args.time_limit);
  const int ranks = world != nullptr ? world->size() : 1;
  const int rank = world != nullptr ? world->rank() : 0;
  size_t shard_count = 0;
  const std::vector<fs::path> mine = MyShards(args, rank, ranks, &shard_count);
  RankRows rows = ReadRows(args, world, mine, logger);
  const Setup& setup = rows.setup;
  const Matrix& x = rows.x;
  const std::vector<float>& y = rows.y;
  double sums[2] = {0, static_cast<double>(y.size())};
  for (float v : y) sums[0] += v;
  if (world != nullptr) world->AllreduceSum(sums, 2);
  const double base_score = sums[1] > 0 ? sums[0] / sums[1] : 0.5;

  std::optional<RabitTracker> tracker;
  std::optional<XgbCollective> collective;
  if (world != nullptr && ranks > 1) {
    const std::string address = StartTracker(*world, tracker, logger);
    const size_t colon = address.rfind(':');
    collective.emplace(address.substr(0, colon), std::stoi(address.substr(colon + 1)), std::to_string(rank), ranks,
                       kCollectiveTimeout);
  }
  std::string resume;
  if (rank == 0 && args.resume && fs::exists(ShardedCheckpointPath(args.output))) {
    resume = ReadFile(ShardedCheckpointPath(args.output));
  }
  if (world != nullptr) resume = world->Broadcast(resume, 0);

  const std::unique_ptr<Learner> learner =
      CreateXgboostLearner(Json{{"n_estimators", args.rounds}, {"early_stopping_rounds", 0}});
  FitOptions fit;
  fit.task = setup.problem.task;
  fit.num_classes = setup.problem.num_outputs();
  fit.threads = args.threads;
  fit.seed = args.seed;
  fit.feature_names = &setup.pipeline.feature_names();
  fit.categorical_features = &setup.pipeline.categorical_feature_indices();
  ShardedBoostOptions boost;
  boost.rounds = args.rounds;
  boost.base_score = base_score;
  boost.resume = resume;
  boost.checkpoint_every = args.checkpoint_every;
  boost.checkpoint = [&](int rounds, const std::string& bytes) {
    if (rank != 0) return;
    fs::create_directories(fs::path(ShardedCheckpointPath(args.output)).parent_path());
    WriteFileAtomic(ShardedCheckpointPath(args.output), bytes);
    logger.Info("[" + FormatSeconds(deadline.Elapsed()) + "] checkpoint: " + std::to_string(rounds) + " rounds");
  };
  // Every rank stops at the same round: when any is out of time (5 % of the budget kept for the bundle).
  boost.stop = [&](int) {
    double late = deadline.Remaining() < 0.05 * args.time_limit ? 1 : 0;
    if (world != nullptr) world->AllreduceSum(&late, 1);
    return late > 0;
  };
  Stopwatch clock;
  std::unique_ptr<Model> model = FitXgboostSharded(*learner, TrainData{&x, &rows.y, nullptr}, fit, boost);
  const double seconds = clock.Seconds();
  const int rounds = model->Info().value("rounds", 0);
  collective.reset();
  tracker.reset();
  if (rank != 0) return 0;
  const Json facts{{"ranks", ranks},
                   {"shards", shard_count},
                   {"rows", static_cast<size_t>(sums[1])},
                   {"rows_rank0", x.rows},
                   {"rounds", rounds},
                   {"resumed_from_rounds", resume.empty() ? 0 : SplitXgboostModel(resume).rounds},
                   {"boost_seconds", seconds},
                   {"base_score", base_score}};
  SaveSharded(args, setup, rows.input_schema, std::move(model), learner->params().values(), facts);
  char line[256];
  std::snprintf(line, sizeof line, "one booster: %d rounds on %zu rows over %d rank(s) (%zu shards) in %s", rounds,
                static_cast<size_t>(sums[1]), ranks, shard_count, FormatSeconds(seconds).c_str());
  logger.Info(line);
  logger.Info("model written to " + args.output + " in " + FormatSeconds(deadline.Elapsed()));
  return 0;
}

}  // namespace tabpilot
