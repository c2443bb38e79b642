// automl: trains an AutoML ensemble on a CSV, the same calls `tabpilot train`
// makes (LoadTrainingData -> TrainAutoML -> SaveBundle). Outputs the model
// folder, the leaderboard file and the best validation score.
#include "automl/problem.h"
#include "automl/trainer.h"
#include "core/version.h"
#include "model/bundle.h"
#include "pipeline/step.h"

namespace tabpilot {
namespace {

class AutoMLStep : public StepType {
 public:
  std::string name() const override { return "automl"; }
  std::vector<FieldSpec> fields() const override {
    return {{"data", true, "training CSV"},
            {"target", true, "column to predict"},
            {"time_limit", false, "seconds for the whole training (default 60)"},
            {"problem_type", false, "binary | multiclass | regression (default: inferred)"},
            {"metric", false, "objective metric (default per problem type)"},
            {"positive_label", false, "binary: the positive class"},
            {"learners", false, "list of learner families to try"},
            {"seed", false, "random seed"},
            {"folds", false, "bagging folds (0 = automatic)"}};
  }
  std::optional<std::vector<std::string>> Outputs(const Json&) const override {
    return std::vector<std::string>{"model_dir", "leaderboard", "best_score", "best_model", "metric"};
  }

  Json Run(const StepContext& ctx) const override {
    double time_limit = ctx.Number("time_limit", 60);
    if (!(time_limit > 0)) throw InvalidInput("step '" + ctx.step_name + "': time_limit must be more than 0");
    // The step's timeout bounds training too, leaving a little room to save.
    if (ctx.deadline.bounded()) time_limit = std::min(time_limit, std::max(1.0, ctx.deadline.Remaining() * 0.9));
    const Deadline deadline = Deadline::In(time_limit);

    ProblemOptions problem;
    problem.target = ctx.String("target");
    if (ctx.config.contains("problem_type")) problem.task = ParseTask(ctx.String("problem_type"));
    problem.metric = ctx.StringOr("metric", "");
    problem.positive_label = ctx.StringOr("positive_label", "");
    CsvOptions csv;
    csv.threads = ctx.threads;
    Logger quiet(Logger::Level::kQuiet);
    TrainingData data = LoadTrainingData(ctx.Path("data").string(), problem, csv, quiet);

    TrainerOptions options;
    options.deadline = deadline;
    options.time_limit_seconds = time_limit;
    options.threads = ctx.threads;
    options.seed = static_cast<uint64_t>(ctx.Number("seed", 0));
    options.num_folds = static_cast<int>(ctx.Number("folds", 0));
    if (ctx.config.contains("learners")) {
      const Json& l = ctx.config["learners"];
      if (l.is_array()) {
        for (const auto& f : l) options.families.push_back(f.is_string() ? f.get<std::string>() : f.dump());
      } else {
        options.families.push_back(ctx.String("learners"));
      }
    }
    options.logger = quiet;
    TrainResult result = TrainAutoML(data, options);
    SaveOptions save;
    save.producer_version = TABPILOT_VERSION;
    SaveBundle(result.bundle, ctx.staging_dir / "model", save);

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
    ctx.Log("trained in " + FormatSeconds(deadline.Elapsed()) + "; best " + out["best_model"].get<std::string>() +
            " " + out["metric"].get<std::string>() + " " + out["best_score"].dump());
    return out;
  }
};

}  // namespace

std::unique_ptr<StepType> MakeAutoMLStep() { return std::make_unique<AutoMLStep>(); }

}  // namespace tabpilot
