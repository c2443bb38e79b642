#include "explain/shap_summary.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <string>

#include "core/error.h"

namespace tabpilot {
namespace {

struct Bin {
  size_t rows = 0;
  double shap = 0;
};

Json NumericDependence(const Explanation& e, const Column& column, size_t output, size_t j) {
  std::vector<size_t> present;
  std::vector<size_t> missing;
  for (size_t i = 0; i < e.rows; ++i) (column.IsMissing(i) ? missing : present).push_back(i);
  std::sort(present.begin(), present.end(), [&](size_t a, size_t b) { return column.numbers[a] < column.numbers[b]; });
  Json bins = Json::array();
  size_t start = 0;
  const size_t n = present.size();
  for (size_t b = 0; b < kDependenceBins && start < n; ++b) {
    size_t end = std::max(start + 1, (b + 1) * n / kDependenceBins);
    // Equal values stay in one bin.
    while (end < n && column.numbers[present[end]] == column.numbers[present[end - 1]]) ++end;
    double shap = 0;
    double value = 0;
    for (size_t q = start; q < end; ++q) {
      shap += e.at(present[q], output, j);
      value += column.numbers[present[q]];
    }
    const auto count = static_cast<double>(end - start);
    bins.push_back({{"from", column.numbers[present[start]]},
                    {"to", column.numbers[present[end - 1]]},
                    {"rows", end - start},
                    {"mean_value", value / count},
                    {"mean_shap", shap / count}});
    start = end;
  }
  if (!missing.empty()) {
    double shap = 0;
    for (size_t i : missing) shap += e.at(i, output, j);
    bins.push_back(
        {{"missing", true}, {"rows", missing.size()}, {"mean_shap", shap / static_cast<double>(missing.size())}});
  }
  return bins;
}

Json ValueDependence(const Explanation& e, const Column& column, size_t output, size_t j) {
  std::map<std::string, Bin> by_value;
  for (size_t i = 0; i < e.rows; ++i) {
    Bin& b = by_value[column.IsMissing(i) ? std::string() : column.CellString(i)];
    b.rows += 1;
    b.shap += e.at(i, output, j);
  }
  std::vector<std::pair<std::string, Bin>> sorted(by_value.begin(), by_value.end());
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.second.rows > b.second.rows; });
  Json bins = Json::array();
  Bin other;
  for (size_t q = 0; q < sorted.size(); ++q) {
    const auto& [value, bin] = sorted[q];
    if (q >= kDependenceValues) {
      other.rows += bin.rows;
      other.shap += bin.shap;
      continue;
    }
    Json entry = {{"rows", bin.rows}, {"mean_shap", bin.shap / static_cast<double>(bin.rows)}};
    if (value.empty()) {
      entry["missing"] = true;
    } else {
      entry["value"] = value;
    }
    bins.push_back(std::move(entry));
  }
  if (other.rows > 0) {
    bins.push_back({{"value", "(other)"},
                    {"other_values", sorted.size() - kDependenceValues},
                    {"rows", other.rows},
                    {"mean_shap", other.shap / static_cast<double>(other.rows)}});
  }
  return bins;
}

}  // namespace

Json BuildShapSummary(const Explanation& e, const Table& rows, const std::vector<std::string>& columns,
                      const std::vector<size_t>& outputs, const std::vector<std::string>& labels, size_t top) {
  if (rows.num_rows() != e.rows || columns.size() != e.columns || labels.size() != e.outputs) {
    throw Internal("SHAP summary: the explanation and its rows disagree");
  }
  Json out;
  out["scale"] = ExplainScaleName(e.scale);
  out["rows"] = e.rows;
  Json per_output = Json::array();
  for (size_t c : outputs) {
    std::vector<double> importance(e.columns, 0.0);
    std::vector<double> mean(e.columns, 0.0);
    for (size_t i = 0; i < e.rows; ++i) {
      for (size_t j = 0; j < e.columns; ++j) {
        importance[j] += std::fabs(e.at(i, c, j));
        mean[j] += e.at(i, c, j);
      }
    }
    const double n = std::max<double>(1.0, static_cast<double>(e.rows));
    std::vector<size_t> order(e.columns);
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return importance[a] > importance[b]; });
    Json ranked = Json::array();
    for (size_t j : order) {
      ranked.push_back({{"column", columns[j]}, {"mean_abs_shap", importance[j] / n}, {"mean_shap", mean[j] / n}});
    }
    Json dependence = Json::array();
    for (size_t q = 0; q < std::min(top, order.size()); ++q) {
      const size_t j = order[q];
      const Column& column = rows.Get(columns[j]);
      const bool numeric = column.type == ColumnType::kNumeric || column.type == ColumnType::kBoolean ||
                           column.type == ColumnType::kDatetime;
      dependence.push_back({{"column", columns[j]},
                            {"type", ColumnTypeName(column.type)},
                            {"bins", numeric ? NumericDependence(e, column, c, j) : ValueDependence(e, column, c, j)}});
    }
    double prediction = 0;
    for (size_t i = 0; i < e.rows; ++i) prediction += e.prediction[i * e.outputs + c];
    per_output.push_back({{"output", labels[c]},
                          {"base_value", e.base[c]},
                          {"mean_prediction", prediction / n},
                          {"importance", std::move(ranked)},
                          {"dependence", std::move(dependence)}});
  }
  out["outputs"] = std::move(per_output);
  return out;
}

}  // namespace tabpilot
