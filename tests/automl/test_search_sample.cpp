// Searching a large table on a sample (search_sample.h), reading its rows
// encoded a block at a time (table_row_blocks.h), and a whole training that
// searches on a sample and refits on more rows (sampled_refit.h,
// held_out_ensemble.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "automl/leaderboard.h"
#include "automl/level_plan.h"
#include "automl/memory_floor.h"
#include "automl/sampled_refit.h"
#include "automl/search_sample.h"
#include "automl/table_row_blocks.h"
#include "automl/trainer.h"
#include "core/error.h"
#include "core/process_memory.h"
#include "features/feature_pipeline.h"
#include "learners/learner_registry.h"
#include "toy_learner.h"
#include "trainer_test_data.h"

namespace tabpilot {
namespace {

// Targets only: what the sample is chosen from. `every`: one row in `every` is class 1.
TrainingData Targets(size_t rows, size_t every = 10) {
  TrainingData data;
  for (size_t r = 0; r < rows; ++r) data.y.push_back(r % every == 0 ? 1.0f : 0.0f);
  return data;
}

size_t Automatic(size_t rows, double seconds, size_t columns = 14) {
  return ChooseSearchSample(Targets(rows), columns, std::nullopt, seconds, 0).rows.size();
}

TEST(SearchSample, AutomaticOnlyForLargeTablesUnderABudget) {
  // 2,000 cells a second of budget, at least 20,000 rows.
  EXPECT_EQ(Automatic(1000000, 120), 20000u);
  EXPECT_EQ(Automatic(1000000, 900), 128571u);
  EXPECT_EQ(Automatic(10000000, 900, 7), 257142u);
  // Not below 250,000 rows, nor unless the table holds four samples, nor without a budget.
  EXPECT_EQ(Automatic(200000, 120), 0u);
  EXPECT_EQ(Automatic(300000, 900), 0u);
  EXPECT_EQ(Automatic(1000000, 0), 0u);
}

// Under --memory-limit the sample takes no more rows than the room left
// searches (38 MB + 24 bytes a cell, memory_floor.h), at least 20,000; a
// table whose whole search does not fit is sampled whatever its size or the
// budget.
TEST(SearchSample, TheMemoryLimitCapsTheSampleAndSamplesWhatDoesNotFit) {
  const auto room_for = [](double rows, double columns) { return kSearchFloorBytes + 24.0 * columns * rows; };
  EXPECT_EQ(SearchRowsWithinMemory(0, 14), std::numeric_limits<size_t>::max());
  EXPECT_EQ(SearchRowsWithinMemory(room_for(50000, 14), 14), 50000u);
  EXPECT_EQ(SearchRowsWithinMemory(1e6, 14), kMinSearchSampleRows);  // below the floor: the least sample
  // The budget's 128,571 rows at 900 s, capped at the 50,000 the room holds.
  const SearchSample capped = ChooseSearchSample(Targets(1000000), 14, std::nullopt, 900, 0, room_for(50000, 14));
  EXPECT_EQ(capped.rows.size(), 50000u);
  EXPECT_TRUE(capped.memory_bound);
  EXPECT_NE(DescribeSearchSample(capped).find("--memory-limit"), std::string::npos);
  const SearchSample roomy = ChooseSearchSample(Targets(1000000), 14, std::nullopt, 900, 0, room_for(200000, 14));
  EXPECT_EQ(roomy.rows.size(), 128571u);
  EXPECT_FALSE(roomy.memory_bound);
  // 100,000 rows (too few for the budget to sample, no budget at all): sampled when only 30,000 fit.
  const SearchSample small = ChooseSearchSample(Targets(100000), 14, std::nullopt, 0, 0, room_for(30000, 14));
  EXPECT_EQ(small.rows.size(), 30000u);
  EXPECT_TRUE(small.memory_bound);
  EXPECT_EQ(small.held_out.size(), 5000u);
  // ... and not when all of it fits.
  EXPECT_EQ(ChooseSearchSample(Targets(100000), 14, std::nullopt, 0, 0, room_for(60000, 14)).rows.size(), 60000u);
  EXPECT_FALSE(ChooseSearchSample(Targets(100000), 14, std::nullopt, 0, 0, room_for(100000, 14)).sampled());
  EXPECT_FALSE(ChooseSearchSample(Targets(100000), 14, std::nullopt, 0, 0, 0).sampled());
}

TEST(SearchSample, AskedForSizes) {
  const TrainingData data = Targets(20000);
  EXPECT_FALSE(ChooseSearchSample(data, 3, size_t{0}, 60, 0).sampled());
  EXPECT_FALSE(ChooseSearchSample(data, 3, size_t{20000}, 60, 0).sampled());
  const SearchSample s = ChooseSearchSample(data, 3, size_t{5000}, 0, 0);  // asked: even without a budget
  EXPECT_EQ(s.rows.size(), 5000u);
  EXPECT_EQ(s.table_rows, 20000u);
  // 5 % held out (at most 200,000 rows), none of them in the sample.
  EXPECT_EQ(s.held_out.size(), 1000u);
  std::vector<size_t> both;
  std::set_intersection(s.rows.begin(), s.rows.end(), s.held_out.begin(), s.held_out.end(), std::back_inserter(both));
  EXPECT_TRUE(both.empty());
  EXPECT_EQ(ChooseSearchSample(Targets(2000000), 3, size_t{5000}, 0, 0).held_out.size(), 100000u);
}

// With row groups the held-out rows are whole groups (5 % of them), and no
// row of theirs is in the sample: a held-out row's copies are never trained on.
TEST(SearchSample, GroupsAreHeldOutWhole) {
  TrainingData data = Targets(3000);
  for (uint32_t r = 0; r < 3000; ++r) data.groups.push_back(r / 10);  // 300 groups of 10 rows
  const SearchSample s = ChooseSearchSample(data, 3, size_t{800}, 0, 0);
  EXPECT_EQ(s.rows.size(), 800u);
  std::set<uint32_t> held_groups;
  for (size_t r : s.held_out) held_groups.insert(data.groups[r]);
  EXPECT_EQ(held_groups.size(), 15u);
  EXPECT_EQ(s.held_out.size(), 150u);  // every row of those groups
  EXPECT_TRUE(std::is_sorted(s.held_out.begin(), s.held_out.end()));
  for (size_t r : s.rows) EXPECT_EQ(held_groups.count(data.groups[r]), 0u) << "row " << r;
  EXPECT_EQ(RefitHeldOutRows(data, 17), RefitHeldOutRows(data, 17));
}

// Large groups: every row of the held-out groups stays out of the refit, but
// a refit early-stops on 20,000 of them and the ensemble is weighed on
// 200,000 (each member predicts them), the first among the second.
TEST(SearchSample, ARefitScoresAFewOfTheHeldOutGroupsRowsTheChoiceMore) {
  constexpr size_t kRows = 4200000;
  TrainingData data = Targets(kRows);
  for (uint32_t r = 0; r < kRows; ++r) data.groups.push_back(r % 1000);  // 1,000 groups of 4,200 rows
  const SearchSample s = ChooseSearchSample(data, 3, size_t{5000}, 0, 0);
  EXPECT_EQ(s.held_out.size(), 210000u);  // 50 groups
  const RefitRows split = SplitRefitRows(data, s, 3);
  EXPECT_EQ(split.held_out.size(), kRefitHeldOutRows);
  EXPECT_EQ(split.held_out_y.size(), kRefitHeldOutRows);
  EXPECT_EQ(split.choice.size(), kHeldOutChoiceRows);
  EXPECT_EQ(split.choice_y.size(), kHeldOutChoiceRows);
  EXPECT_EQ(split.train.size(), kRows - 210000u);
  EXPECT_TRUE(std::includes(s.held_out.begin(), s.held_out.end(), split.choice.begin(), split.choice.end()));
  EXPECT_TRUE(std::includes(split.choice.begin(), split.choice.end(), split.held_out.begin(), split.held_out.end()));
  for (size_t i = 0; i < split.choice.size(); i += 997) EXPECT_EQ(split.choice_y[i], data.y[split.choice[i]]);
  std::set<uint32_t> held_groups;
  for (size_t r : s.held_out) held_groups.insert(data.groups[r]);
  for (size_t r : split.train) ASSERT_EQ(held_groups.count(data.groups[r]), 0u) << "row " << r;
}

// The refit's order and time shares: each family has an equal share, split
// among its members by weight, so a network the sample's ensemble gave 0.04
// refits first, with half the time.
TEST(RefitClaims, EachFamilyGetsAnEqualShareSplitByWeightWithinIt) {
  const std::vector<std::string> families = {"xgboost", "xgboost", "mlp", "xgboost"};
  const std::vector<double> weights = {0.32, 0.44, 0.04, 0.20};
  const std::vector<RefitClaim> claims = RefitClaims(families, weights);
  ASSERT_EQ(claims.size(), 4u);
  const std::vector<size_t> order = {claims[0].member, claims[1].member, claims[2].member, claims[3].member};
  EXPECT_EQ(order, (std::vector<size_t>{2, 1, 0, 3}));
  EXPECT_NEAR(claims[0].claim, 0.5, 1e-12);  // the network's family: half, however little its weight
  EXPECT_NEAR(claims[1].claim, 0.5 * 0.44 / 0.96, 1e-12);
  EXPECT_NEAR(claims[2].claim, 0.5 * 0.32 / 0.96, 1e-12);
  EXPECT_NEAR(claims[3].claim, 0.5 * 0.20 / 0.96, 1e-12);
  double total = 0;
  for (const RefitClaim& c : claims) total += c.claim;
  EXPECT_NEAR(total, 1.0, 1e-12);
  // One family: the weights' shares, heaviest first; none: nothing.
  const std::vector<RefitClaim> one = RefitClaims({"xgboost", "xgboost"}, {0.25, 0.75});
  ASSERT_EQ(one.size(), 2u);
  EXPECT_EQ(one[0].member, 1u);
  EXPECT_NEAR(one[0].claim, 0.75, 1e-12);
  EXPECT_NEAR(one[1].claim, 0.25, 1e-12);
  EXPECT_TRUE(RefitClaims({}, {}).empty());
  // A family without weight (held-out challengers): an equal share too, split evenly in it.
  const std::vector<RefitClaim> challenged =
      RefitClaims({"xgboost", "oblivious_boost", "additive_boost", "xgboost"}, {0.6, 0.0, 0.4, 0.0});
  ASSERT_EQ(challenged.size(), 4u);
  std::vector<double> claim(4);
  for (const RefitClaim& c : challenged) claim[c.member] = c.claim;
  EXPECT_NEAR(claim[0], 1.0 / 3, 1e-12);
  EXPECT_NEAR(claim[1], 1.0 / 3, 1e-12);
  EXPECT_NEAR(claim[2], 1.0 / 3, 1e-12);
  EXPECT_NEAR(claim[3], 0.0, 1e-12);  // a weightless member of a weighted family: nothing
  EXPECT_EQ(challenged[3].member, 3u);
  const std::vector<RefitClaim> two = RefitClaims({"xgboost", "mlp", "mlp"}, {1.0, 0.0, 0.0});
  ASSERT_EQ(two.size(), 3u);
  EXPECT_EQ(two[0].member, 0u);
  EXPECT_NEAR(two[0].claim, 0.5, 1e-12);
  EXPECT_NEAR(two[1].claim, 0.25, 1e-12);
  EXPECT_NEAR(two[2].claim, 0.25, 1e-12);
}

TEST(RefitRowsInTime, EveryRowWhenTheEstimateWithItsMarginFitsElseFewer) {
  EXPECT_EQ(RefitRowsInTime(1000, 10.0, 15.0), 1000u);  // 10 s x 1.5 fits in 15 s
  EXPECT_EQ(RefitRowsInTime(1000, 10.0, 30.0), 1000u);
  EXPECT_EQ(RefitRowsInTime(1000, 10.0, 10.0), 666u);  // 10 s of the 15 the margin asks for
  EXPECT_EQ(RefitRowsInTime(1000, 10.0, 7.5), 500u);
  EXPECT_EQ(RefitRowsInTime(1000, 0.0, 1.0), 1000u);  // no estimate (an instant fold fit)
  EXPECT_EQ(RefitRowsInTime(1000, 10.0, 0.0), 0u);
  EXPECT_EQ(RefitRowsInTime(1000, 10.0, -3.0), 0u);  // the deadline already passed
}

TEST(RefitsWithinShares, AMemberWhoseShareCannotHoldItsLeastRefitGivesItsClaimToTheOthers) {
  using Within = std::vector<char>;
  EXPECT_EQ(RefitsWithinShares({0.6, 0.4}, {5.0, 5.0}, 26.0), (Within{1, 1}));
  // kddcup99 at 60 s: the additive model's share (11.8 s) cannot hold its least refit.
  EXPECT_EQ(RefitsWithinShares({0.545, 0.455}, {2.0, 13.3}, 26.0), (Within{1, 0}));
  // The furthest short goes first; the others' shares then grow (15 s each) and hold theirs.
  EXPECT_EQ(RefitsWithinShares({1.0, 1.0, 1.0}, {9.0, 12.0, 30.0}, 30.0), (Within{1, 1, 0}));
  EXPECT_EQ(RefitsWithinShares({1.0, 1.0}, {1.0, 1.0}, 0.0), (Within{0, 0}));  // no time left
  EXPECT_EQ(RefitsWithinShares({1.0, 1.0}, {std::nan(""), 1.0}, 10.0), (Within{0, 1}));
  EXPECT_EQ(RefitsWithinShares({0.0, 0.0}, {1.0, 1.0}, 10.0), (Within{1, 1}));  // no claims: even shares
  EXPECT_TRUE(RefitsWithinShares({}, {}, 10.0).empty());
}

TEST(SearchSample, StratifiedAscendingAndSeeded) {
  const TrainingData data = Targets(100000, 10);
  const std::vector<size_t> rows = StratifiedRows(data.y, 10000, 3);
  ASSERT_EQ(rows.size(), 10000u);
  EXPECT_TRUE(std::is_sorted(rows.begin(), rows.end()));
  EXPECT_EQ(std::adjacent_find(rows.begin(), rows.end()), rows.end());
  size_t positives = 0;
  for (size_t r : rows) positives += data.y[r] > 0.5f ? 1 : 0;
  EXPECT_NEAR(static_cast<double>(positives), 1000.0, 1.0);
  EXPECT_EQ(StratifiedRows(data.y, 10000, 3), rows);
  EXPECT_NE(StratifiedRows(data.y, 10000, 4), rows);

  // A regression target's whole range: the sample reaches both ends.
  std::vector<float> y;
  for (int i = 0; i < 50000; ++i) y.push_back(static_cast<float>((i * 7919) % 50000));
  const std::vector<size_t> spread = StratifiedRows(y, 500, 1);
  float low = 1e9f, high = -1e9f;
  for (size_t r : spread) {
    low = std::min(low, y[r]);
    high = std::max(high, y[r]);
  }
  EXPECT_LT(low, 100.0f);
  EXPECT_GT(high, 49900.0f);

  // Whole-number targets (classes) are ordered by buckets, others by a
  // sort: the same order of the same ranks picks the same rows.
  std::vector<float> classes, shifted;
  for (int i = 0; i < 30000; ++i) {
    classes.push_back(static_cast<float>((i * 31) % 7));
    shifted.push_back(classes.back() + 0.5f);
  }
  EXPECT_EQ(StratifiedRows(classes, 3000, 5), StratifiedRows(shifted, 3000, 5));
  std::vector<float> y_shifted;
  for (float v : y) y_shifted.push_back(v + 0.25f);
  EXPECT_EQ(spread, StratifiedRows(y_shifted, 500, 1));
}

TEST(SearchSample, LeavesOutFamiliesWhoseModelIsTheirRows) {
  const LearnerRegistry learners = LearnerRegistry::WithBuiltins();
  TrainerOptions options;
  EXPECT_EQ(SampledSearchExclusions(options, learners), std::vector<std::string>{"knn"});
  options.excluded_families = SampledSearchExclusions(options, learners);
  EXPECT_FALSE(FamilyAllowed(options, "knn"));
  EXPECT_TRUE(FamilyAllowed(options, "xgboost"));
  // Opt-in configurations stay opt-in: leaving knn out names no other family.
  CandidateConfig opt_in;
  opt_in.family = "oblivious_boost";
  opt_in.opt_in = true;
  EXPECT_FALSE(ConfigAllowed(options, opt_in));
  // ... unless marked a default on a sample, and only in a search on one.
  opt_in.default_when_sampled = true;
  EXPECT_FALSE(ConfigAllowed(options, opt_in));
  options.sampled_search = true;
  EXPECT_TRUE(ConfigAllowed(options, opt_in));
  options.excluded_families.push_back("oblivious_boost");  // excluded stays excluded
  EXPECT_FALSE(ConfigAllowed(options, opt_in));
  options.excluded_families.pop_back();
  options.families = {"xgboost"};  // and --learners naming other families still leaves it out
  EXPECT_FALSE(ConfigAllowed(options, opt_in));
  options.families.clear();
  options.sampled_search = false;
  options.excluded_families.clear();
  options.families = {"knn", "xgboost"};  // named: as asked
  EXPECT_TRUE(SampledSearchExclusions(options, learners).empty());
}

TEST(TableRowBlocks, ReadsTheRowsTheTransformMakes) {
  const TrainingData data = testing::LoadCsv(testing::BinaryCsv(500, true));
  const std::vector<std::string> columns = {"a", "b", "c"};
  const FeaturePipeline pipeline = FeaturePipeline::Fit(data.features, columns, FeatureOptions{});
  const Matrix whole = pipeline.Transform(data.features, 1);
  const std::vector<size_t> listed = {499, 3, 250, 4};
  const TableRowBlocks all(data.features, pipeline, nullptr, 2);
  const TableRowBlocks some(data.features, pipeline, &listed, 1);
  EXPECT_EQ(all.rows(), 500u);
  EXPECT_EQ(some.rows(), 4u);
  EXPECT_EQ(all.cols(), whole.cols);
  std::vector<float> block;
  all.Read(100, 50, &block);
  EXPECT_EQ(block, std::vector<float>(whole.row(100), whole.row(150)));
  some.Read(1, 3, &block);
  ASSERT_EQ(block.size(), 3 * whole.cols);
  EXPECT_EQ(std::vector<float>(block.begin(), block.begin() + static_cast<long>(whole.cols)),
            std::vector<float>(whole.row(3), whole.row(4)));
  EXPECT_THROW(all.Read(490, 20, &block), Internal);
}

// A whole training on a sample: searched on 800 of 3,000 rows (no stacking),
// the boosters refit on every row but the held-out ones, the leaderboard
// saying which rows each score used.
TEST(SampledTraining, SearchesTheSampleAndRefitsOnMoreRows) {
  const TrainingData data = testing::LoadCsv(testing::BinaryCsv(3000, true));
  TrainerOptions options = testing::FourCandidateOptions();
  options.max_models = 3;
  options.stack_levels = 2;
  options.cost_tolerance_se = 0;
  options.search_sample_rows = 800;
  const TrainResult result = TrainAutoML(data, options);
  const Json& facts = result.bundle.training;
  EXPECT_EQ(facts.at("rows"), 3000);
  EXPECT_EQ(facts.at("search_sample_rows"), 800);
  EXPECT_EQ(facts.at("stacking"), false);
  EXPECT_FALSE(facts.contains("halving_rung_rows"));  // 800 rows: too few to halve on
  // The candidates' models waited on disk (model_spill.h); the bundle's were read back.
  EXPECT_GT(facts.at("search_models_on_disk_bytes").get<double>(), 0);
  size_t refits = 0;
  for (const LeaderboardRow& row : result.leaderboard) {
    if (row.family == "ensemble") continue;
    EXPECT_EQ(row.info.at("search_sample").at("rows"), 800) << row.model;
    EXPECT_EQ(row.info.at("search_sample").at("of"), 3000) << row.model;
    // The boosters read each categorical as one code column (the refit's matrix stays narrow).
    if (row.family == "xgboost") {
      EXPECT_EQ(row.params.at("enable_categorical"), true) << row.model;
    }
    if (!row.info.contains("refit")) continue;
    const Json& refit = row.info.at("refit");
    // The booster reads the table a block at a time, the linear model a dense copy of its rows.
    EXPECT_TRUE(row.family == "xgboost" || row.family == "linear") << row.family;
    // 5 % of the rows held out (from outside the sample), the rest trained on.
    EXPECT_EQ(refit.at("held_out_rows"), 150);
    EXPECT_EQ(refit.at("rows"), 2850);
    EXPECT_GT(refit.at("estimated_seconds").get<double>(), 0.0) << row.model;
    // Served only when it does at least as well there as the sample's fold models.
    const double refit_loss = refit.at("held_out_loss").get<double>();
    const double sample_loss = refit.at("sample_models_held_out_loss").get<double>();
    if (refit.at("served").get<bool>()) {
      EXPECT_LE(refit_loss, sample_loss) << row.model;
      refits += 1;
    } else {
      EXPECT_GT(refit_loss, sample_loss) << row.model;
    }
  }
  EXPECT_GT(refits, 0u);
  // A bundle member serves a full model exactly when its refit is served;
  // the weights (chosen again on the held-out rows) sum to 1.
  double weights = 0;
  for (const BundleMember& m : result.bundle.members) {
    const auto row = std::find_if(result.leaderboard.begin(), result.leaderboard.end(),
                                  [&](const LeaderboardRow& r) { return r.model == m.name; });
    ASSERT_NE(row, result.leaderboard.end()) << m.name;
    const bool served = row->info.contains("refit") && row->info.at("refit").at("served").get<bool>();
    EXPECT_EQ(m.full != nullptr, served) << m.name;
    weights += m.weight;
  }
  EXPECT_NEAR(weights, 1.0, 1e-9);
  // The weights are means over 32 resamples of the held-out rows (bagged_selection.h): with
  // more than one member, each was picked in at least half of them.
  for (const BundleMember& m : result.bundle.members) {
    const auto row = std::find_if(result.leaderboard.begin(), result.leaderboard.end(),
                                  [&](const LeaderboardRow& r) { return r.model == m.name; });
    const Json& choice = row->info.at("held_out_choice");
    EXPECT_EQ(choice.at("resamples"), 32) << m.name;
    EXPECT_NEAR(choice.at("weight").get<double>(), m.weight, 1e-9) << m.name;
    if (result.bundle.members.size() > 1) {
      EXPECT_GE(choice.at("picked_share").get<double>(), 0.5) << m.name;
    }
  }
  const auto full_models = std::count_if(result.bundle.members.begin(), result.bundle.members.end(),
                                         [](const BundleMember& m) { return m.full != nullptr; });
  EXPECT_EQ(facts.at("members_refitted"), full_models);
  EXPECT_LE(static_cast<size_t>(full_models), refits);  // the weights may drop a refit member

  // No room under the memory limit: the sample's models serve, nothing is refit. Half of
  // what the process holds now: with the search's models on disk (model_spill.h) the
  // process may hold less at the refit than here, so the limit must be below both.
  options.memory_limit_bytes = static_cast<double>(ResidentBytes()) / 2;
  const TrainResult no_room = TrainAutoML(data, options);
  EXPECT_EQ(no_room.bundle.training.at("members_refitted"), 0);
  EXPECT_EQ(no_room.bundle.training.at("memory_limit_bytes"), options.memory_limit_bytes);
  for (const LeaderboardRow& row : no_room.leaderboard) EXPECT_FALSE(row.info.contains("refit")) << row.model;
  for (const BundleMember& m : no_room.bundle.members) EXPECT_EQ(m.full, nullptr) << m.name;
  options.memory_limit_bytes = 0;

  // Row groups: the held-out rows are whole groups (5 % of them) and the facts say so.
  TrainingData grouped = data;
  for (uint32_t r = 0; r < 3000; ++r) grouped.groups.push_back(r / 5);  // 600 groups of 5 rows
  grouped.group_column = "g";
  const TrainResult by_group = TrainAutoML(grouped, options);
  EXPECT_EQ(by_group.bundle.training.at("group_column"), "g");
  EXPECT_EQ(by_group.bundle.training.at("groups"), 600);
  EXPECT_EQ(by_group.bundle.training.at("held_out_rows"), 150);  // 30 groups

  // The cost trade-off waits for the refit and compares ensembles on the
  // held-out rows, with the models that serve: with any loss tolerated, the
  // cheapest member alone.
  options.cost_tolerance_se = 1e9;
  const TrainResult cheapest = TrainAutoML(data, options);
  ASSERT_TRUE(cheapest.bundle.training.contains("cost_tradeoff"));
  EXPECT_EQ(cheapest.bundle.training.at("cost_tradeoff").at("rows"), 150);
  EXPECT_EQ(cheapest.bundle.members.size(), 1u);
  size_t left_out = 0;
  for (const LeaderboardRow& row : cheapest.leaderboard) left_out += row.status == kLeftOutForCost ? 1 : 0;
  EXPECT_GT(left_out, 0u);
  options.cost_tolerance_se = 0;

  options.search_sample_rows = 0;  // never: every row, as before
  const TrainResult every_row = TrainAutoML(data, options);
  EXPECT_FALSE(every_row.bundle.training.contains("search_sample_rows"));
  EXPECT_FALSE(every_row.bundle.training.contains("search_models_on_disk_bytes"));
  EXPECT_EQ(every_row.bundle.training.at("rows"), 3000);
}

// A family the sample's ensemble leaves out sends its best candidate, when
// near the best on the sample, to be refit and weighed on the held-out rows
// beside the members (held_out_challengers.h). On labels without signal the
// prior (the toy family) is the best model and the linear model, fitting
// noise, a little worse: no weight on the sample, within the margin, so it
// is refit and weighed again as a challenger. With signal the prior is far
// behind the linear model and is not.
TEST(SampledTraining, ALeftOutFamilysBestIsRefitAndWeighedAsAChallenger) {
  LearnerRegistry learners = LearnerRegistry::WithBuiltins();
  testing::RegisterToyLearner(learners);
  TrainerOptions options = testing::FourCandidateOptions();
  options.learners = &learners;
  options.families = {testing::kToyFamily, "linear"};
  options.max_models = 2;
  options.cost_tolerance_se = 0;
  options.search_sample_rows = 800;
  options.logger = Logger(Logger::Level::kInfo);
  const auto challengers = [](const TrainResult& result) {
    std::vector<std::string> out;
    for (const LeaderboardRow& row : result.leaderboard) {
      if (!row.info.contains("held_out_challenger")) continue;
      out.push_back(row.model);
      EXPECT_TRUE(row.info.contains("refit")) << row.model;  // refit like a member
    }
    return out;
  };
  ::testing::internal::CaptureStderr();
  const TrainResult noise = TrainAutoML(testing::LoadCsv(testing::BinaryCsv(3000, false)), options);
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(challengers(noise), std::vector<std::string>{"Linear_1"});
  EXPECT_NE(log.find("beside the members: Linear_1 (linear, sample loss"), std::string::npos) << log;
  EXPECT_NE(log.find("Linear_1 (challenger) 0.00 -> "), std::string::npos) << log;
  double weights = 0;
  for (const BundleMember& m : noise.bundle.members) weights += m.weight;
  EXPECT_NEAR(weights, 1.0, 1e-9);

  options.logger = Logger(Logger::Level::kQuiet);
  const TrainResult signal = TrainAutoML(testing::LoadCsv(testing::BinaryCsv(3000, true)), options);
  EXPECT_TRUE(challengers(signal).empty());
  // Under --infer-limit a challenger must keep the members within it: a loose limit, still sent.
  options.infer_limit_us_per_row = 1e9;
  const TrainResult limited = TrainAutoML(testing::LoadCsv(testing::BinaryCsv(3000, false)), options);
  EXPECT_EQ(challengers(limited), std::vector<std::string>{"Linear_1"});
}

// A bootstrapped forest's out-of-bag predictions stand in for its folds,
// except over row groups: a bootstrap draws rows, so a row's out-of-bag trees
// saw the rest of its group. Then the forest is bagged on group folds.
// Forests are not refit on more rows after a search on a sample (their trees
// would grow with the rows), even when bagged on folds and the ensemble's
// only member.
TEST(SampledTraining, ForestsKeepTheirSampleModels) {
  TrainingData data = testing::LoadCsv(testing::BinaryCsv(3000, true));
  for (uint32_t r = 0; r < 3000; ++r) data.groups.push_back(r / 3);
  TrainerOptions options = testing::FourCandidateOptions();
  options.families = {"random_forest"};
  options.max_models = 1;
  options.search_sample_rows = 600;
  const TrainResult result = TrainAutoML(data, options);
  ASSERT_EQ(result.bundle.members.size(), 1u);
  EXPECT_EQ(result.bundle.members[0].full, nullptr);
  EXPECT_EQ(result.bundle.training.at("members_refitted"), 0);
  for (const LeaderboardRow& row : result.leaderboard) {
    if (row.family != "random_forest") continue;
    EXPECT_GT(row.folds, 1);  // bagged on group folds, not out-of-bag
    EXPECT_FALSE(row.info.contains("refit"));
  }
}

TEST(GroupedTraining, ForestsBagOnGroupFoldsNotOutOfBag) {
  TrainingData data = testing::LoadCsv(testing::BinaryCsv(600, true));
  TrainerOptions options = testing::FourCandidateOptions();
  options.families = {"random_forest"};
  options.max_models = 1;
  options.num_folds = 4;
  const auto forest_folds = [&](const TrainResult& result) {
    for (const LeaderboardRow& row : result.leaderboard) {
      if (row.family == "random_forest") return row.folds;
    }
    return -1;
  };
  EXPECT_EQ(forest_folds(TrainAutoML(data, options)), 1);
  for (uint32_t r = 0; r < 600; ++r) data.groups.push_back(r / 3);
  data.group_column = "g";
  EXPECT_EQ(forest_folds(TrainAutoML(data, options)), 4);
}

// Under a memory limit the process already fills, folds are fitted one at
// a time, and train says so once; without one, one per thread as before.
TEST(SampledTraining, TheMemoryLimitCapsTheFoldsFittedAtOnceAndSaysSo) {
  const TrainingData data = testing::LoadCsv(testing::BinaryCsv(600, true));
  TrainerOptions options = testing::FourCandidateOptions();
  options.threads = 2;
  options.max_models = 2;
  options.logger = Logger(Logger::Level::kInfo);
  options.memory_limit_bytes = static_cast<double>(ResidentBytes());
  ::testing::internal::CaptureStderr();
  const TrainResult capped = TrainAutoML(data, options);
  const std::string told = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(told.find("fitting 1 fold(s) at a time, not one a thread: --memory-limit leaves room for no more fits"),
            std::string::npos)
      << told;
  // No room at all: the run's first candidate is fitted at its smallest, the others skipped.
  EXPECT_NE(told.find("fitted at its smallest as the run's first model"), std::string::npos) << told;
  size_t fitted = 0, over = 0;
  for (const LeaderboardRow& r : capped.leaderboard) {
    if (r.family == "ensemble") continue;
    fitted += r.status == "ok" ? 1 : 0;
    over += r.status == "over_memory_limit" ? 1 : 0;
  }
  EXPECT_EQ(fitted, 1u) << told;
  EXPECT_GE(over, 1u) << told;  // the next config (max_models 2 ends the search there)
  EXPECT_EQ(told.find("fold(s) at a time"), told.rfind("fold(s) at a time"));  // once
  EXPECT_NE(told.find("memory limit "), std::string::npos);                    // the plan line names it
  options.memory_limit_bytes = 0;
  ::testing::internal::CaptureStderr();
  TrainAutoML(data, options);
  EXPECT_EQ(::testing::internal::GetCapturedStderr().find("fold(s) at a time"), std::string::npos);
  EXPECT_FALSE(capped.bundle.members.empty());
}

}  // namespace
}  // namespace tabpilot
