// Checks an XGBoost model's bytes (the UBJSON of SaveToBuffer("ubj")) before
// libxgboost parses them: first the bytes themselves (UbjDocument, strict
// bounds checks), then that the model makes sense for what tabpilot wrote:
//   - a gbtree booster with the expected objective, feature count and class
//     count (num_class and num_target capped at kMaxXgboostOutputs: XGBoost
//     sizes every prediction buffer by them);
//   - every tree's node arrays of the element type and length XGBoost 1.7
//     writes (num_nodes), children after their parent and in range, parents
//     consistent, split features < num_feature, every node reachable or
//     counted as deleted;
//   - tree_info one output group per tree, in range;
//   - categorical splits (categories, categories_nodes, _segments, _sizes)
//     consistent with each other and with split_type, categories bounded.
// XGBoost's own loader checks little of this, and its predictor indexes
// arrays with these values, so a forged model would read out of bounds.
// Stateless; safe to call from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tabpilot {

// Upper bound on num_class / num_target (and so on a model's outputs).
inline constexpr int kMaxXgboostOutputs = 10000;
// Upper bound on a category code in a categorical split (XGBoost builds a
// bit set of max code + 1 bits per split; tabpilot's codes stay below 2^24).
inline constexpr long long kMaxXgboostCategory = 1LL << 24;

// What the model must look like, from the header tabpilot wrote next to it.
struct XgboostModelShape {
  size_t num_features = 0;  // learner_model_param.num_feature
  int num_class = 0;        // learner_model_param.num_class: the classes for multi:softprob, else 0
  std::string objective;    // objective.name, e.g. "binary:logistic"
};

// Throws InvalidInput("<error_prefix>: <what>") naming the offending field,
// e.g. "corrupt xgboost model: tree 3 left_children[7] = 912 is outside 8..40".
void CheckXgboostModel(std::string_view ubjson, const XgboostModelShape& expected, std::string_view error_prefix);

}  // namespace tabpilot
