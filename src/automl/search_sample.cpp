#include "automl/search_sample.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

#include "automl/folds.h"
#include "automl/memory_floor.h"
#include "core/log.h"

namespace tabpilot {

namespace {

// Targets that are whole numbers below this (class indices, counts) are
// ordered by buckets in one pass; others by a stable sort.
constexpr float kMaxBucketedTarget = 65536;

// Stably orders `order` by y: what std::stable_sort by y gives, in O(rows)
// when y holds small whole numbers (a classification's classes: sorting ten
// million rows took most of choosing their sample).
void StableOrderByTarget(const std::vector<float>& y, std::vector<size_t>& order) {
  size_t buckets = 0;
  for (float v : y) {
    if (!(v >= 0 && v < kMaxBucketedTarget) || v != std::floor(v)) {
      std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return y[a] < y[b]; });
      return;
    }
    buckets = std::max(buckets, static_cast<size_t>(v) + 1);
  }
  std::vector<size_t> start(buckets + 1, 0);
  for (size_t row : order) ++start[static_cast<size_t>(y[row]) + 1];
  std::partial_sum(start.begin(), start.end(), start.begin());
  std::vector<size_t> sorted(order.size());
  for (size_t row : order) sorted[start[static_cast<size_t>(y[row])]++] = row;
  order = std::move(sorted);
}

}  // namespace

std::vector<size_t> StratifiedRows(const std::vector<float>& y, size_t n, uint64_t seed) {
  std::vector<size_t> order(y.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed ^ 0x5a3c1e7b9d2f4861ULL);
  std::shuffle(order.begin(), order.end(), rng);
  StableOrderByTarget(y, order);
  const double step = static_cast<double>(y.size()) / static_cast<double>(n);
  const double start = std::uniform_real_distribution<double>(0.0, step)(rng);
  std::vector<size_t> rows;
  rows.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const auto at = static_cast<size_t>(start + step * static_cast<double>(i));
    rows.push_back(order[std::min(at, order.size() - 1)]);
  }
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  return rows;
}

size_t SearchRowsWithinMemory(double room_bytes, size_t columns) {
  if (!(room_bytes > 0)) return std::numeric_limits<size_t>::max();
  const double cell = kSearchBytesPerCell * static_cast<double>(std::max<size_t>(1, columns));
  const double rows = std::max(0.0, room_bytes - kSearchFloorBytes) / cell;
  return std::max(kMinSearchSampleRows, static_cast<size_t>(std::min(rows, 1e15)));
}

SearchSample ChooseSearchSample(const TrainingData& data, size_t columns, std::optional<size_t> requested,
                                double time_limit_seconds, uint64_t seed, double room_bytes) {
  SearchSample sample;
  sample.table_rows = data.y.size();
  size_t size = 0;
  if (requested.has_value()) {
    if (*requested == 0 || *requested >= sample.table_rows) return sample;
    size = *requested;
  } else {
    if (columns == 0) return sample;
    const size_t by_memory = SearchRowsWithinMemory(room_bytes, columns);
    // A table whose whole search does not fit is searched on the rows that do, whatever the budget.
    const bool over_memory = by_memory < sample.table_rows;
    if (time_limit_seconds <= 0 && !over_memory) return sample;
    const double cells = kSampleCellsPerSecond * time_limit_seconds / static_cast<double>(columns);
    size = std::max(kMinSearchSampleRows, static_cast<size_t>(cells));
    const bool by_time = time_limit_seconds > 0 && sample.table_rows >= kMinSampledTableRows &&
                         static_cast<double>(sample.table_rows) >= kSampleWhenRowsTimes * static_cast<double>(size);
    if (!by_time && !over_memory) return sample;
    if (!by_time || by_memory < size) {
      size = by_memory;
      sample.memory_bound = true;
    }
  }
  // The held-out rows first, so that whole groups of them stay out of the sample too.
  sample.held_out = RefitHeldOutRows(data, seed + 17);
  std::vector<size_t> others;
  std::vector<float> others_y;
  others.reserve(sample.table_rows - sample.held_out.size());
  others_y.reserve(others.capacity());
  size_t next_held = 0;
  for (size_t r = 0; r < sample.table_rows; ++r) {
    if (next_held < sample.held_out.size() && sample.held_out[next_held] == r) {
      ++next_held;
      continue;
    }
    others.push_back(r);
    others_y.push_back(data.y[r]);
  }
  for (size_t i : StratifiedRows(others_y, std::min(size, others.size()), seed)) sample.rows.push_back(others[i]);
  return sample;
}

std::vector<size_t> RefitHeldOutRows(const TrainingData& data, uint64_t seed) {
  const size_t rows = data.y.size();
  if (data.groups.empty()) {
    const auto wanted = static_cast<size_t>(kRefitHeldOutShare * static_cast<double>(rows));
    return StratifiedRows(data.y, std::min(kHeldOutChoiceRows, std::max<size_t>(wanted, 1)), seed);
  }
  const size_t num_groups = CountGroups(data.groups);
  if (num_groups < 2) return {};
  const auto parts = static_cast<int>(std::min<size_t>(num_groups, std::lround(1.0 / kRefitHeldOutShare)));
  const std::vector<int> folds = AssignFolds(data.y, parts, seed, data.groups);
  std::vector<size_t> held_out;
  for (size_t r = 0; r < rows; ++r) {
    if (folds[r] == 0) held_out.push_back(r);
  }
  return held_out;
}

TrainingData SampleTrainingData(const TrainingData& data, const std::vector<size_t>& rows) {
  TrainingData out;
  out.features = data.features.SelectRows(rows);
  out.features.set_source(data.features.source());
  out.feature_schema = data.feature_schema;
  out.y.reserve(rows.size());
  for (size_t r : rows) out.y.push_back(data.y[r]);
  if (!data.groups.empty()) {
    out.groups.reserve(rows.size());
    for (size_t r : rows) out.groups.push_back(data.groups[r]);
  }
  out.group_column = data.group_column;
  out.problem = data.problem;
  return out;
}

std::vector<std::string> SampledSearchExclusions(const TrainerOptions& options, const LearnerRegistry& learners) {
  std::vector<std::string> out = options.excluded_families;
  for (const std::string& f : learners.Families()) {
    const bool named = std::find(options.families.begin(), options.families.end(), f) != options.families.end();
    if (!learners.Get(f).in_sampled_search && !named) out.push_back(f);
  }
  return out;
}

void MarkSampledScores(const SearchSample& sample, std::vector<LeaderboardRow>& board) {
  for (LeaderboardRow& row : board)
    row.info["search_sample"] = Json{{"rows", sample.rows.size()}, {"of", sample.table_rows}};
}

std::string DescribeSearchSample(const SearchSample& sample) {
  return "searching on a stratified sample of " + FormatCount(sample.rows.size()) + " of " +
         FormatCount(sample.table_rows) + " rows" +
         (sample.memory_bound ? " (as many as --memory-limit leaves room to search)" : "") +
         ", boosters reading each categorical as one code column; the ensemble's members but forests are then "
         "refit on as many rows as the time and memory allow";
}

}  // namespace tabpilot
