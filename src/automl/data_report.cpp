#include "automl/data_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace tabpilot {
namespace {

constexpr size_t kTopValues = 10;
constexpr size_t kLeakBins = 20;
constexpr double kMostlyMissing = 0.5;

bool IsNumber(ColumnType t) {
  return t == ColumnType::kNumeric || t == ColumnType::kBoolean || t == ColumnType::kDatetime;
}

double Quantile(const std::vector<double>& sorted, double q) {
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<size_t>(pos);
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (pos - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

// Each row's bucket for the leak check: a number's quantile bin, a
// category's code, missing last; returns the bucket count.
size_t Buckets(const Column& c, std::vector<size_t>& bucket) {
  const size_t n = c.size();
  bucket.assign(n, 0);
  if (IsNumber(c.type)) {
    std::vector<double> sorted;
    for (size_t i = 0; i < n; ++i) {
      if (!c.IsMissing(i)) sorted.push_back(c.numbers[i]);
    }
    std::sort(sorted.begin(), sorted.end());
    std::vector<double> cuts;
    for (size_t b = 1; b < kLeakBins && !sorted.empty(); ++b) cuts.push_back(Quantile(sorted, double(b) / kLeakBins));
    for (size_t i = 0; i < n; ++i) {
      bucket[i] = c.IsMissing(i)
                      ? kLeakBins
                      : static_cast<size_t>(std::upper_bound(cuts.begin(), cuts.end(), c.numbers[i]) - cuts.begin());
    }
    return kLeakBins + 1;
  }
  std::unordered_map<std::string, size_t> ids;
  for (size_t i = 0; i < n; ++i) {
    const std::string key = c.IsMissing(i) ? std::string("\x01missing") : c.CellString(i);
    bucket[i] = ids.emplace(key, ids.size()).first->second;
  }
  return ids.size();
}

// The share of rows each bucket's majority class gets right.
double BucketAccuracy(const std::vector<size_t>& bucket, size_t buckets, const std::vector<float>& y, size_t classes) {
  std::vector<size_t> counts(buckets * classes, 0);
  for (size_t i = 0; i < y.size(); ++i) ++counts[bucket[i] * classes + static_cast<size_t>(y[i])];
  size_t right = 0;
  for (size_t b = 0; b < buckets; ++b) {
    right += *std::max_element(counts.begin() + static_cast<long>(b * classes),
                               counts.begin() + static_cast<long>((b + 1) * classes));
  }
  return static_cast<double>(right) / static_cast<double>(std::max<size_t>(1, y.size()));
}

double Pearson(const Column& c, const std::vector<float>& y) {
  double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, n = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    if (c.IsMissing(i)) continue;
    const double x = c.numbers[i], v = y[i];
    sx += x, sy += v, sxx += x * x, syy += v * v, sxy += x * v, n += 1;
  }
  if (n < 3) return 0;
  const double cov = sxy / n - sx / n * sy / n;
  const double vx = sxx / n - sx / n * sx / n, vy = syy / n - sy / n * sy / n;
  return vx > 0 && vy > 0 ? cov / std::sqrt(vx * vy) : 0;
}

Json Summary(const Column& c, size_t* distinct) {
  const size_t n = c.size();
  if (IsNumber(c.type)) {
    std::vector<double> v;
    for (size_t i = 0; i < n; ++i) {
      if (!c.IsMissing(i)) v.push_back(c.numbers[i]);
    }
    std::sort(v.begin(), v.end());
    *distinct = 0;
    for (size_t i = 0; i < v.size(); ++i) *distinct += i == 0 || v[i] != v[i - 1] ? 1 : 0;
    if (v.empty()) return Json::object();
    double mean = 0;
    for (double x : v) mean += x;
    mean /= static_cast<double>(v.size());
    double var = 0;
    for (double x : v) var += (x - mean) * (x - mean);
    var /= static_cast<double>(v.size());
    return {{"min", v.front()},         {"p05", Quantile(v, 0.05)},
            {"p25", Quantile(v, 0.25)}, {"median", Quantile(v, 0.5)},
            {"p75", Quantile(v, 0.75)}, {"p95", Quantile(v, 0.95)},
            {"max", v.back()},          {"mean", mean},
            {"std", std::sqrt(var)}};
  }
  std::map<std::string, size_t> counts;
  for (size_t i = 0; i < n; ++i) {
    if (!c.IsMissing(i)) ++counts[c.CellString(i)];
  }
  *distinct = counts.size();
  std::vector<std::pair<std::string, size_t>> sorted(counts.begin(), counts.end());
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  Json top = Json::array();
  size_t shown = 0;
  for (size_t i = 0; i < sorted.size() && i < kTopValues; ++i) {
    top.push_back({{"value", sorted[i].first}, {"count", sorted[i].second}});
    shown += sorted[i].second;
  }
  size_t present = 0;
  for (const auto& [value, count] : sorted) present += count;
  return {{"top_values", std::move(top)}, {"other_count", present - shown}};
}

std::string Percent(double share) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100.0 * share);
  return buf;
}

}  // namespace

Json BuildDataReport(const TrainingData& data, const ScreenResult& screen) {
  const Table& table = data.features;
  const size_t n = table.num_rows();
  const ProblemInfo& problem = data.problem;
  const bool classification = IsClassification(problem.task);
  std::map<std::string, std::string> dropped(screen.dropped.begin(), screen.dropped.end());
  Json warnings = Json::array();
  Json columns = Json::array();

  // The target's balance, and the majority class's share (the leak check's baseline).
  Json target{{"name", problem.target}, {"task", TaskName(problem.task)}};
  double majority = 0;
  if (classification) {
    std::vector<size_t> counts(problem.class_labels.size(), 0);
    for (float v : data.y) ++counts[static_cast<size_t>(v)];
    Json classes = Json::array();
    for (size_t c = 0; c < counts.size(); ++c) {
      const double share = static_cast<double>(counts[c]) / static_cast<double>(std::max<size_t>(1, n));
      majority = std::max(majority, share);
      classes.push_back({{"label", problem.class_labels[c]}, {"count", counts[c]}, {"fraction", share}});
    }
    target["classes"] = std::move(classes);
    if (majority >= 0.9) {
      warnings.push_back("the target is imbalanced: its most frequent class is " + Percent(majority) + " of the rows");
    }
  } else {
    Column y;
    y.name = problem.target;
    y.numbers.assign(data.y.begin(), data.y.end());
    size_t distinct = 0;
    target["summary"] = Summary(y, &distinct);
  }

  std::vector<size_t> bucket;
  for (const Column& c : table.columns()) {
    size_t distinct = 0;
    const double missing = static_cast<double>(c.CountMissing()) / static_cast<double>(std::max<size_t>(1, n));
    Json entry{{"name", c.name}, {"type", ColumnTypeName(c.type)}, {"missing_fraction", missing}};
    entry["summary"] = Summary(c, &distinct);
    entry["distinct"] = distinct;
    Json column_warnings = Json::array();
    auto reason = dropped.find(c.name);
    entry["used"] = reason == dropped.end();
    if (reason != dropped.end()) {
      entry["dropped"] = reason->second;
      warnings.push_back("column '" + c.name + "' was not used: " + reason->second);
    }
    if (missing > kMostlyMissing && reason == dropped.end()) {
      column_warnings.push_back("mostly missing (" + Percent(missing) + ")");
    }
    if (reason == dropped.end() && distinct >= 2 && (IsNumber(c.type) || distinct * 10 <= n)) {
      if (classification) {
        const size_t buckets = Buckets(c, bucket);
        const double accuracy = BucketAccuracy(bucket, buckets, data.y, problem.class_labels.size());
        entry["alone_accuracy"] = accuracy;
        if (accuracy >= kLeakAccuracy && majority <= kLeakAccuracy - 0.05) {
          column_warnings.push_back("predicts the target almost alone (accuracy " + Percent(accuracy) +
                                    "): a possible leak");
        }
      } else if (IsNumber(c.type)) {
        const double r = Pearson(c, data.y);
        entry["target_correlation"] = r;
        if (std::fabs(r) >= kLeakAccuracy) {
          column_warnings.push_back("correlates with the target almost perfectly (r = " + std::to_string(r) +
                                    "): a possible leak");
        }
      }
    }
    for (const Json& w : column_warnings) warnings.push_back("column '" + c.name + "': " + w.get<std::string>());
    entry["warnings"] = std::move(column_warnings);
    columns.push_back(std::move(entry));
  }
  return {
      {"rows", n}, {"target", std::move(target)}, {"columns", std::move(columns)}, {"warnings", std::move(warnings)}};
}

}  // namespace tabpilot
