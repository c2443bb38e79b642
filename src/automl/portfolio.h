// The search space: a portfolio of diverse, pre-chosen configurations tried
// best-first (after AutoGluon's zero-shot portfolio idea), then random
// configurations sampled from each family's ranges while time remains.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/json.h"
#include "data/task.h"
#include "features/feature_pipeline.h"

namespace tabpilot {

struct CandidateConfig {
  std::string name;    // unique display name, e.g. "XGBoost_1"
  std::string family;  // learner registry name
  Json params;         // learner parameters (validated by the learner)
  FeatureOptions features;
  // Expected cost relative to a default XGBoost fit (for skipping when time is short).
  double relative_cost = 1.0;
  // Tried only when its family is named in --learners: measured, but not
  // (yet) a gain in the default portfolio.
  bool opt_in = false;
  // ... except in a search on a sample of a large table
  // (TrainerOptions::sampled_search), where it is a default candidate.
  bool default_when_sampled = false;
};

struct DataShape {
  Task task = Task::kBinary;
  size_t rows = 0;
  size_t columns = 0;
  int num_classes = 2;
  double time_limit = 0;  // seconds for the whole run; 0 = unbounded
};

// What one boosting round costs, in cells: rows x columns x trees per round
// (one per class for multiclass). Adult (32k x 14 x 1) is 0.46M, letter
// (16k x 16 x 26) 6.6M, kddcup99 (395k x 39 x 23) 350M.
double BoostingRoundWork(const DataShape& shape);

class LearnerRegistry;

// The ordered, curated portfolio for a dataset of this shape (configurations
// of the built-in families; why each is there: docs/architecture.md,
// "Portfolio: why these configurations").
std::vector<CandidateConfig> DefaultPortfolio(const DataShape& shape);

// The portfolio over the families of `learners`: the curated configurations
// of the families it registers, then, for each registered family without a
// curated configuration, one default candidate ("<family>_1": the
// family's default parameters on the tree or dense encoding its learner's
// flavor asks for, relative cost 1). Those are opt-in (run only when
// --learners names the family): a family joins the default portfolio once
// it is measured and curated here.
std::vector<CandidateConfig> DefaultPortfolio(const DataShape& shape, const LearnerRegistry& learners);

// A random configuration for the search phase, drawn by the registry
// entry's sampler of one of `families` (searched families of `learners`,
// picked in proportion to their search_share); `index` numbers its name.
// `families` must not be empty.
CandidateConfig SampleConfig(const LearnerRegistry& learners, std::mt19937_64& rng, int index,
                             const std::vector<std::string>& families);

// Makes a tree config read each categorical as one code column when its
// family can (LearnerRegistry::Entry::native_categorical_param): for large
// tables, where a refit's quantized matrix would otherwise hold a column per
// category level (Adult: 108 one-hot columns for 14). Other configs are left
// as they are. Returns whether `config` changed.
bool ReadCategoricalsAsCodes(CandidateConfig& config, const LearnerRegistry& learners);

// A short stable id for the feature pipeline a config needs: "dense",
// "tree_native", "tree" (default one-hot cap) or "tree_onehot<N>".
std::string PipelineId(const FeatureOptions& options);

}  // namespace tabpilot
