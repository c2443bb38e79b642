// A learner family for trainer tests that needs no real data or library: it
// fits in rounds of `round_seconds` of sleep (always one, then more while
// its deadline has not passed, as a booster adds rounds) and predicts the
// training rows' class frequencies (or mean). Its models' Info() tells what
// the fit saw: the seed, the matrix's shape and the rounds fitted.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "learners/learner_registry.h"

namespace tabpilot::testing {

class SleepyModel : public Model {
 public:
  SleepyModel(std::vector<float> output, Json info) : output_(std::move(output)), info_(std::move(info)) {}
  int num_outputs() const override { return static_cast<int>(output_.size()); }
  void Predict(const Matrix& x, float* out, int /*threads*/) const override {
    for (size_t r = 0; r < x.rows; ++r) {
      for (size_t j = 0; j < output_.size(); ++j) out[r * output_.size() + j] = output_[j];
    }
  }
  std::string Serialize() const override { return info_.dump(); }
  Json Info() const override { return info_; }

 private:
  std::vector<float> output_;
  Json info_;
};

class SleepyLearner : public Learner {
 public:
  SleepyLearner(std::string family, Params params, FeatureFlavor flavor)
      : family_(std::move(family)), params_(std::move(params)), flavor_(flavor) {}
  const std::string& family() const override { return family_; }
  const Params& params() const override { return params_; }
  FeatureFlavor flavor() const override { return flavor_; }

  std::unique_ptr<Model> Fit(const TrainData& train, const TrainData* /*early_stopping*/,
                             const FitOptions& options) const override {
    const auto round = std::chrono::duration<double>(params_.Float("round_seconds"));
    long long rounds = 0;
    do {
      std::this_thread::sleep_for(round);
      ++rounds;
    } while (rounds < params_.Int("rounds") && !options.deadline.Expired());
    const std::vector<float>& y = *train.y;
    std::vector<float> output;
    if (options.task == Task::kRegression) {
      double sum = 0;
      for (float v : y) sum += v;
      output.push_back(static_cast<float>(sum / static_cast<double>(y.size())));
    } else {
      output.assign(static_cast<size_t>(options.num_classes), 0.0f);
      for (float v : y) output[static_cast<size_t>(v)] += 1.0f / static_cast<float>(y.size());
    }
    Json info{{"seed", options.seed}, {"rows", train.x->rows}, {"cols", train.x->cols}, {"rounds", rounds}};
    return std::make_unique<SleepyModel>(std::move(output), std::move(info));
  }
  std::unique_ptr<Model> Load(std::string_view /*bytes*/, const FitOptions& /*options*/) const override {
    throw Internal(family_ + ": test models are not loaded");
  }

 private:
  std::string family_;
  Params params_;
  FeatureFlavor flavor_;
};

// A registry entry for a sleepy family whose fits take `round_seconds` per
// round, `rounds` rounds when the deadline allows.
inline LearnerRegistry::Entry SleepyEntry(const std::string& family, double round_seconds, int rounds,
                                          FeatureFlavor flavor = FeatureFlavor::kTree) {
  LearnerRegistry::Entry entry;
  entry.family = family;
  entry.description = "test family: sleeps per round";
  entry.params = {
      {"round_seconds", ParamSpec::Kind::kFloat, round_seconds, 0.0, 60.0, {}, "seconds per round"},
      {"rounds", ParamSpec::Kind::kInt, rounds, 1, 1000, {}, "rounds when the deadline allows"},
  };
  entry.repeat_bags = true;
  const std::vector<ParamSpec> specs = entry.params;
  entry.create = [family, specs, flavor](const Json& params) -> std::unique_ptr<Learner> {
    return std::make_unique<SleepyLearner>(family, Params::Validate(specs, params, family), flavor);
  };
  return entry;
}

}  // namespace tabpilot::testing
