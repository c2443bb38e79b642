// automl: trains an AutoML ensemble on a CSV, the same calls `tabpilot train`
// makes (LoadTrainingData -> TrainAutoML -> SaveBundle). Outputs the model
// folder, the leaderboard file and the best validation score.
#include "automl/memory_floor.h"
#include "automl/problem.h"
#include "automl/trainer.h"
#include "core/process_memory.h"
#include "core/version.h"
#include "jobs/job_recorder.h"
#include "model/bundle.h"
#include "pipeline/step.h"

namespace tabpilot {
namespace {

class AutoMLStep : public StepType {
 public:
  std::string name() const override { return "automl"; }
  const std::vector<ParamSpec>& fields() const override {
    using K = ParamSpec::Kind;
    static const std::vector<ParamSpec> specs = {
        {"data", K::kPath, nullptr, 0, 0, {}, "training CSV", true},
        {"target", K::kText, nullptr, 0, 0, {}, "column to predict", true},
        {"time_limit", K::kFloat, 60, 0.01, 1e7, {}, "seconds for the whole training"},
        {"problem_type",
         K::kString,
         nullptr,
         0,
         0,
         {"binary", "multiclass", "regression"},
         "the task (default: inferred from the target)"},
        {"metric", K::kString, nullptr, 0, 0, {}, "objective metric (default per problem type)"},
        {"positive_label", K::kText, nullptr, 0, 0, {}, "binary: the positive class"},
        {"group_column",
         K::kText,
         nullptr,
         0,
         0,
         {},
         "column of row groups (customer, patient, copies of a record) validation keeps together; not a feature"},
        {"learners", K::kStringList, nullptr, 0, 0, {}, "learner families to try (default: all)"},
        {"seed", K::kInt, 0, 0, 9007199254740992.0, {}, "random seed"},
        {"folds", K::kInt, 0, 0, 100, {}, "bagging folds (0 = automatic; 1 = a 10% holdout)"},
        {"infer_limit",
         K::kFloat,
         nullptr,
         1e-6,
         1e12,
         {},
         "most the ensemble may take to predict, microseconds per row (as train --infer-limit; default: no limit)"},
        {"cost_tolerance",
         K::kFloat,
         nullptr,
         0,
         1e6,
         {},
         "deploy the cheapest ensemble within this many standard errors of the most accurate one's validation loss "
         "(as train --cost-tolerance; 0 = the most accurate; default: 1 from 10,000 rows or groups scored, else 0)"},
        {"memory_limit",
         K::kFloat,
         nullptr,
         0.001,
         1e6,
         {},
         "most memory training may use, in gigabytes (as train --memory-limit; default: 60% of the machine's memory)"},
        {"refit_full",
         K::kBool,
         true,
         0,
         0,
         {},
         "also refit each member on all rows, so the bundle holds the full form beside the bagged one"}};
    return specs;
  }
  std::optional<std::vector<std::string>> Outputs(const Json&) const override {
    return std::vector<std::string>{"model_dir", "leaderboard", "best_score", "best_model", "metric", "job_id"};
  }

  Json Run(const StepContext& ctx) const override {
    const Params& f = ctx.fields;
    double time_limit = f.Float("time_limit");
    // The step's timeout bounds training too, leaving a little room to save.
    if (ctx.deadline.bounded()) time_limit = std::min(time_limit, std::max(1.0, ctx.deadline.Remaining() * 0.9));
    const Deadline deadline = Deadline::In(time_limit);

    ProblemOptions problem;
    problem.target = f.String("target");
    if (f.Has("problem_type")) problem.task = ParseTask(f.String("problem_type"));
    if (f.Has("metric")) problem.metric = f.String("metric");
    if (f.Has("positive_label")) problem.positive_label = f.String("positive_label");
    if (f.Has("group_column")) problem.group_column = f.String("group_column");
    CsvOptions csv;
    csv.threads = ctx.threads;
    csv.limits = ctx.limits;
    // The step's run as an AutoML job in the pipeline's store (the UI lists it).
    AutoMLJobRecorder::Options record;
    record.store = ctx.store_location;
    record.data_path = ctx.Path("data").string();
    record.target = problem.target;
    record.model_dir = (ctx.output_dir / "model").string();
    record.time_limit_seconds = time_limit;
    record.execution_id = ctx.execution_id;
    record.step_name = ctx.step_name;
    record.logger = ctx.logger;
    AutoMLJobRecorder job(record);
    try {
      return Train(ctx, problem, csv, deadline, time_limit, job);
    } catch (const std::exception& e) {
      job.Failed(e.what());
      throw;
    }
  }

 private:
  static Json Train(const StepContext& ctx, const ProblemOptions& problem, const CsvOptions& csv, Deadline deadline,
                    double time_limit, AutoMLJobRecorder& job) {
    const Params& f = ctx.fields;
    Logger quiet(Logger::Level::kQuiet);
    // As `train --memory-limit`; without it, a share of the machine's memory.
    const double memory_limit = f.Has("memory_limit")
                                    ? f.Float("memory_limit") * 1e9
                                    : kDefaultMemoryShare * static_cast<double>(PhysicalMemoryBytes());
    ReturnFreedMemoryPromptly();
    TrainingData data = LoadTrainingData(ctx.Path("data").string(), problem, csv, quiet, memory_limit);
    ReleaseFreedMemory();  // the read's buffers
    CheckMemoryFloor(static_cast<double>(ResidentBytes()), data.y.size(), data.features.num_columns(), memory_limit);

    TrainerOptions options;
    options.deadline = deadline;
    options.time_limit_seconds = time_limit;
    options.threads = ctx.threads;
    options.seed = static_cast<uint64_t>(f.Int("seed"));
    options.num_folds = static_cast<int>(f.Int("folds"));
    options.families = f.StringList("learners");
    options.refit_full = f.Bool("refit_full");
    if (f.Has("infer_limit")) options.infer_limit_us_per_row = f.Float("infer_limit");
    if (f.Has("cost_tolerance")) options.cost_tolerance_se = f.Float("cost_tolerance");
    options.memory_limit_bytes = memory_limit;
    options.logger = quiet;
    TrainResult result = TrainAutoML(data, options);
    SaveOptions save;
    save.producer_version = TABPILOT_VERSION;
    SaveBundle(result.bundle, ctx.staging_dir / "model", save);
    job.Completed(data, result, deadline.Elapsed());

    Json out = Json::object();
    out["model_dir"] = (ctx.output_dir / "model").string();
    out["leaderboard"] = (ctx.output_dir / "model" / "leaderboard.json").string();
    out["metric"] = result.bundle.problem.metric;
    if (!result.leaderboard.empty()) {
      out["best_score"] = result.leaderboard.front().score_val;
      out["best_model"] = result.leaderboard.front().model;
    } else {
      out["best_score"] = nullptr;
      out["best_model"] = "";
    }
    ctx.Log("AutoML job " + job.id() + " trained in " + FormatSeconds(deadline.Elapsed()) + "; best " +
            out["best_model"].get<std::string>() + " " + out["metric"].get<std::string>() + " " +
            out["best_score"].dump() + "; ensemble predict " +
            result.bundle.training.value("predict_us_per_row", Json(0.0)).dump() + " us/row" +
            (options.infer_limit_us_per_row > 0 ? " (infer limit " + Json(options.infer_limit_us_per_row).dump() + ")"
                                                : std::string()));
    out["job_id"] = job.id();
    return out;
  }
};

}  // namespace

std::unique_ptr<StepType> MakeAutoMLStep() { return std::make_unique<AutoMLStep>(); }

}  // namespace tabpilot
