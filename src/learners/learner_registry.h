// Registry of learner families by name. The built-in families are listed in
// one hand-written table (learner_list.cpp); there are no self-registering statics.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "learners/learner.h"
#include "learners/search_space.h"

namespace tabpilot {

class LearnerRegistry {
 public:
  using Factory = std::function<std::unique_ptr<Learner>(const Json& params)>;
  struct Entry {
    std::string family;
    std::string description;
    std::vector<ParamSpec> params;
    Factory create;
    // What the AutoML trainer may do with the family's models. automl/ reads
    // these and never switches on a family's name.
    // Worth another bag on a new fold split (repeated bagging): randomized
    // fits whose fold models are small to serve. Linear models and kNN barely
    // change between fold splits; forests are large.
    bool repeat_bags = false;
    // May feed level-2 models: its models are cheap enough to run on every
    // request as stack inputs (kNN keeps its training rows and forests keep
    // deep trees, so they are not).
    bool stack_input = true;
    // The tasks its learners fit (all three unless the family says otherwise).
    std::vector<Task> tasks = {Task::kBinary, Task::kMulticlass, Task::kRegression};
    // Random search after the curated portfolio: draws one configuration of
    // the family (none: the family is not searched). When several searched
    // families run, each draw picks one with probability search_share / the
    // sum of their shares.
    SearchSampler sample = nullptr;
    double search_share = 0;
    // Tried when a large table is searched on a sample of its rows
    // (automl/search_sample.h). Not kNN: its model is its training rows, so
    // it would know the sample alone and cannot be refit on the table; on a
    // table of near-duplicate rows the sample's validation also flatters it
    // (each held-out row's near copy is among its neighbours).
    bool in_sampled_search = true;
    // The boolean parameter that makes its learners read each categorical as
    // one code column (FeatureOptions::native_categorical) instead of one-hot
    // columns; empty = they cannot. A search on a sample turns it on for the
    // family's tree configs (automl/portfolio.h, ReadCategoricalsAsCodes).
    std::string native_categorical_param = {};
    // Its models grow with the rows they are fitted on (forests' deep trees,
    // kNN's stored rows): a search on a sample does not refit them on more
    // rows (automl/sampled_refit.h), which would multiply their size and
    // predict cost.
    bool grows_with_rows = false;
    // Bytes one fit of its learners holds at its peak beside the matrix it
    // reads (its working copies and the model it builds), for `rows` training
    // rows of `cols` columns, `outputs` values a row (classes, or 1) and the
    // learner's validated `params`. automl plans the folds fitted at once and
    // the configs it tries against --memory-limit with it
    // (automl/fit_memory_plan.h). Null: kFoldBytesPerCell a cell
    // (automl/bagging.h), a booster's or a dense learner's copy of its rows.
    std::function<double(size_t rows, size_t cols, int outputs, const Params& params)> fit_bytes = nullptr;
    // The integer parameter counting the models it averages (a forest's
    // trees), whose fit_bytes grow with it: a config whose fit would not fit
    // in what --memory-limit leaves gets fewer (as AutoGluon cuts a forest's
    // n_estimators when memory is short). Empty: none.
    std::string count_param = {};
    bool searched() const { return sample != nullptr && search_share > 0; }
  };

  // A registry with every built-in family (see learner_list.cpp).
  static LearnerRegistry WithBuiltins();

  void Register(Entry entry);
  // Creates a learner; unknown family -> InvalidInput listing the valid ones;
  // bad params -> InvalidInput naming the key.
  std::unique_ptr<Learner> Create(const std::string& family, const Json& params) const;
  const Entry& Get(const std::string& family) const;
  // Whether `family` is registered.
  bool Has(const std::string& family) const { return entries_.count(family) != 0; }
  // The registered family names, sorted.
  std::vector<std::string> Families() const;

 private:
  std::map<std::string, Entry> entries_;
};

// Called by WithBuiltins(); defined in learner_list.cpp.
void RegisterBuiltinLearners(LearnerRegistry& registry);

}  // namespace tabpilot
