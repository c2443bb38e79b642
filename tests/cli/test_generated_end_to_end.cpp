// End to end through the real binary on tables this test generates (no shared
// datasets), one per task: train with a 10 s budget, predict (plain, --join,
// and on the rows reversed), evaluate. Checks that the budget holds, the
// predictions CSV layout (header, one proba_<label> column per class in label
// order, rows in input order, --join appending the input columns in order),
// and that the metrics recomputed from the predictions file equal the
// `evaluate` report's values. Fast enough for the sanitizer build too, so it is
// not labelled "slow".
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/json.h"
#include "support/test_support.h"

namespace tabpilot {
namespace {
namespace fs = std::filesystem;

constexpr double kBudgetSeconds = 10;
// How far past the budget the measured wall time may go (see
// TrainPredictEvaluate).
#ifdef TABPILOT_TEST_ASAN
constexpr double kBudgetSlack = 1.30;
#else
constexpr double kBudgetSlack = 1.10;
#endif
constexpr double kTolerance = 1e-6;

// A CSV as strings: the files here never quote, so splitting on ',' is exact.
struct Csv {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

std::vector<std::string> Split(const std::string& line) {
  std::vector<std::string> out;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, ',')) out.push_back(field);
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

Csv ReadCsv(const fs::path& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  Csv csv;
  std::string line;
  if (std::getline(in, line)) csv.header = Split(line);
  while (std::getline(in, line)) csv.rows.push_back(Split(line));
  return csv;
}

void WriteCsv(const Csv& csv, const fs::path& path) {
  std::ofstream out(path);
  auto write = [&](const std::vector<std::string>& row) {
    for (size_t c = 0; c < row.size(); ++c) out << (c ? "," : "") << row[c];
    out << "\n";
  };
  write(csv.header);
  for (const auto& row : csv.rows) write(row);
  ASSERT_TRUE(out.good()) << path;
}

std::string Fixed(double v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

// A generated problem: numeric, categorical and ID-like columns, with missing
// cells in a numeric and a categorical column. The target depends on every
// feature, so a model has something to learn and the metrics are not trivial.
struct Generated {
  Csv train, test;
  std::string target;
};

enum class Kind { kBinary, kMulticlass, kRegression };

Generated Generate(Kind kind, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0, 1);
  std::uniform_real_distribution<double> uniform(0, 1);
  const std::vector<std::string> colors = {"red", "green", "blue", "amber"};
  const std::vector<double> color_effect = {0.8, -0.5, 0.1, -1.0};
  const std::vector<std::string> classes = {"alpha", "beta", "gamma"};
  Generated g;
  g.target = kind == Kind::kRegression ? "value" : "label";
  const std::vector<std::string> header = {"row_id", "x1", "x2", "color", "size", g.target};
  g.train.header = g.test.header = header;
  for (int r = 0; r < 4000; ++r) {
    const double x1 = normal(rng);
    const double x2 = uniform(rng) * 10;
    const size_t color = static_cast<size_t>(uniform(rng) * 4) % 4;
    const double size = std::round(uniform(rng) * 50);
    const bool x2_missing = uniform(rng) < 0.10, color_missing = uniform(rng) < 0.05;
    const double signal = 1.3 * x1 + 0.25 * (x2 - 5) + color_effect[color] + 0.02 * (size - 25);
    std::string target;
    if (kind == Kind::kBinary) {
      target = signal + normal(rng) * 0.8 > 0.6 ? "yes" : "no";
    } else if (kind == Kind::kMulticlass) {
      const double scores[3] = {signal + normal(rng), -signal + normal(rng), 0.6 * x2 - 3 + normal(rng)};
      target = classes[static_cast<size_t>(std::max_element(scores, scores + 3) - scores)];
    } else {
      target = Fixed(10 + 3 * signal + normal(rng) * 0.5, 4);
    }
    std::vector<std::string> row = {std::to_string(100000 + r),         Fixed(x1, 4),   x2_missing ? "" : Fixed(x2, 3),
                                    color_missing ? "" : colors[color], Fixed(size, 0), target};
    (r < 3000 ? g.train : g.test).rows.push_back(std::move(row));
  }
  return g;
}

size_t Column(const Csv& csv, const std::string& name) {
  auto it = std::find(csv.header.begin(), csv.header.end(), name);
  EXPECT_NE(it, csv.header.end()) << name;
  return static_cast<size_t>(it - csv.header.begin());
}

double Number(const std::string& s) {
  size_t used = 0;
  double v = std::stod(s, &used);
  EXPECT_EQ(used, s.size()) << "'" << s << "' is not a number";
  return v;
}

// The outputs of one train -> predict -> evaluate run.
struct Outputs {
  Json problem;     // manifest.json "problem"
  Json report;      // evaluate's report
  Csv predictions;  // predict on the test rows
  Csv joined;       // predict --join on the test rows
  Csv reversed;     // predict on the test rows in reverse order
};

// Trains with the 10 s budget and checks the wall time: the budget covers the
// whole command ("load to bundle written"), so the time measured around the
// process may exceed it by 10 % in the Release build (which runs this test
// too). The trainer watches a wall-clock deadline, so instrumented code fits
// fewer candidates rather than overrunning, but its final phases (ensemble,
// refit, timing the deployed form, the bundle) are reserved time from
// estimates, and under the sanitizers with other two-thread tests running
// beside it (ctest -j2) they once took 3.0 s of a 2.1 s reserve (CI,
// 2026-12-04: 10.9 s): there the bound is 30 %.
// (Measured on 2 cores: 7-10 s per train in both builds, also with the three
// tests running at once under ASan, so no looser bound for that build.)
Outputs TrainPredictEvaluate(const Generated& g, const testing::TempDir& dir) {
  Outputs run;
  WriteCsv(g.train, dir / "train.csv");
  WriteCsv(g.test, dir / "test.csv");
  Csv reversed_input = g.test;
  std::reverse(reversed_input.rows.begin(), reversed_input.rows.end());
  WriteCsv(reversed_input, dir / "test_reversed.csv");
  const std::string bin = testing::TabpilotBinary().string();
  const std::string model = (dir / "model").string();

  const auto start = std::chrono::steady_clock::now();
  auto train =
      testing::RunCommand(bin + " train --data " + (dir / "train.csv").string() + " --target " + g.target +
                          " --time-limit " + Fixed(kBudgetSeconds, 0) + " --threads 2 --seed 7 --output " + model);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "train " << g.target << ": " << seconds << " s wall for a " << kBudgetSeconds << " s budget\n";
  EXPECT_EQ(train.exit_code, 0) << train.output;
  EXPECT_LE(seconds, kBudgetSeconds * kBudgetSlack) << "train overran its budget:\n" << train.output;
  // The binary's own account of its run ("model written to DIR in 9.8s")
  // must agree with the budget too.
  const std::string written = "model written to " + model + " in ";
  const size_t at = train.output.find(written);
  EXPECT_NE(at, std::string::npos) << train.output;
  if (at != std::string::npos) {
    EXPECT_LE(std::stod(train.output.substr(at + written.size())), kBudgetSeconds * kBudgetSlack) << train.output;
  }
  EXPECT_NE(train.output.find("WeightedEnsemble"), std::string::npos) << train.output;

  std::ifstream manifest(fs::path(model) / "manifest.json");
  EXPECT_TRUE(manifest.good()) << train.output;
  if (!manifest.good()) return run;
  run.problem = Json::parse(manifest).at("problem");

  auto predict = [&](const std::string& data, const std::string& out, const std::string& extra) {
    auto r = testing::RunCommand(bin + " predict --model " + model + " --data " + (dir / data).string() + " --output " +
                                 (dir / out).string() + extra);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("wrote " + std::to_string(g.test.rows.size()) + " predictions to "), std::string::npos)
        << r.output;
    return ReadCsv(dir / out);
  };
  run.predictions = predict("test.csv", "p.csv", "");
  run.joined = predict("test.csv", "pj.csv", " --join");
  run.reversed = predict("test_reversed.csv", "pr.csv", "");

  auto eval = testing::RunCommand(bin + " evaluate --model " + model + " --data " + (dir / "test.csv").string() +
                                  " --output " + (dir / "report.json").string());
  EXPECT_EQ(eval.exit_code, 0) << eval.output;
  std::ifstream report(dir / "report.json");
  EXPECT_TRUE(report.good()) << eval.output;
  if (report.good()) run.report = Json::parse(report);
  return run;
}

// Layout shared by every task: the header is predicted_label, then one
// proba_<label> per class in the manifest's label order; one row per input
// row in input order; --join appends the input columns, in order, verbatim.
void CheckLayout(const Generated& g, const Outputs& run, const std::vector<std::string>& labels) {
  std::vector<std::string> header = {"predicted_label"};
  for (const auto& l : labels) header.push_back("proba_" + l);
  EXPECT_EQ(run.predictions.header, header);
  ASSERT_EQ(run.predictions.rows.size(), g.test.rows.size());
  for (const auto& row : run.predictions.rows) ASSERT_EQ(row.size(), header.size());

  std::vector<std::string> joined_header = header;
  joined_header.insert(joined_header.end(), g.test.header.begin(), g.test.header.end());
  EXPECT_EQ(run.joined.header, joined_header);
  ASSERT_EQ(run.joined.rows.size(), g.test.rows.size());
  for (size_t r = 0; r < g.test.rows.size(); ++r) {
    std::vector<std::string> expected = run.predictions.rows[r];
    expected.insert(expected.end(), g.test.rows[r].begin(), g.test.rows[r].end());
    ASSERT_EQ(run.joined.rows[r], expected) << "row " << r;
  }
  // Rows follow the input order: reversing the input reverses the output.
  ASSERT_EQ(run.reversed.rows.size(), g.test.rows.size());
  for (size_t r = 0; r < g.test.rows.size(); ++r) {
    ASSERT_EQ(run.reversed.rows[g.test.rows.size() - 1 - r], run.predictions.rows[r]) << "row " << r;
  }
}

// Classification rows: probabilities in [0, 1] summing to 1 (up to the
// file's 6 significant digits), and the predicted label is the argmax, or
// for binary the positive class when its probability reaches the threshold.
// Returns the probability matrix (rows x classes).
std::vector<std::vector<double>> CheckProbabilities(const Outputs& run, const std::vector<std::string>& labels) {
  std::vector<std::vector<double>> proba;
  const bool binary = run.problem.at("task") == "binary";
  for (const auto& row : run.predictions.rows) {
    std::vector<double> p;
    double sum = 0;
    for (size_t c = 0; c < labels.size(); ++c) {
      p.push_back(Number(row[1 + c]));
      EXPECT_GE(p.back(), 0.0);
      EXPECT_LE(p.back(), 1.0);
      sum += p.back();
    }
    EXPECT_NEAR(sum, 1.0, 1e-5);
    std::string expected;
    if (binary) {
      const size_t pos = run.problem.at("positive_class").get<size_t>();
      const double threshold = run.problem.at("decision_threshold").get<double>();
      // A probability within rounding of the threshold may fall either way.
      if (std::fabs(p[pos] - threshold) > 1e-6) expected = labels[p[pos] >= threshold ? pos : 1 - pos];
    } else {
      expected = labels[static_cast<size_t>(std::max_element(p.begin(), p.end()) - p.begin())];
    }
    if (!expected.empty()) {
      EXPECT_EQ(row[0], expected);
    }
    proba.push_back(std::move(p));
  }
  return proba;
}

// Rank AUC of `score` for rows whose label is `positive` (ties count half).
double Auc(const std::vector<double>& score, const std::vector<std::string>& truth, const std::string& positive) {
  std::vector<float> s, y;
  for (size_t r = 0; r < score.size(); ++r) {
    s.push_back(static_cast<float>(score[r]));
    y.push_back(truth[r] == positive ? 1.0f : 0.0f);
  }
  return testing::RankAuc(s, y);
}

// How far an AUC from the predictions file may be from evaluate's, which
// ranks the probabilities before they are printed to 6 significant digits:
// a positive and a negative printed alike are a tie (half a pair) in the
// file's AUC and ordered in evaluate's, so the two differ by at most half
// the share of such pairs (plus the rounding of the sums).
double PrintedTieBound(const std::vector<double>& score, const std::vector<std::string>& truth,
                       const std::string& positive) {
  std::map<double, std::pair<double, double>> groups;  // printed value -> (positives, negatives)
  double positives = 0, negatives = 0;
  for (size_t r = 0; r < score.size(); ++r) {
    const bool is_positive = truth[r] == positive;
    (is_positive ? groups[score[r]].first : groups[score[r]].second) += 1;
    (is_positive ? positives : negatives) += 1;
  }
  double tied = 0;
  for (const auto& [value, counts] : groups) tied += counts.first * counts.second;
  return 0.5 * tied / std::max(1.0, positives * negatives) + kTolerance;
}

struct Counts {
  double tp = 0, fp = 0, fn = 0, support = 0;
  double F1() const { return 2 * tp + fp + fn > 0 ? 2 * tp / (2 * tp + fp + fn) : 0.0; }
};

// One-vs-rest counts of `label` from the predicted and true labels.
Counts CountsOf(const std::vector<std::string>& predicted, const std::vector<std::string>& truth,
                const std::string& label) {
  Counts c;
  for (size_t r = 0; r < truth.size(); ++r) {
    const bool p = predicted[r] == label, t = truth[r] == label;
    c.tp += p && t;
    c.fp += p && !t;
    c.fn += !p && t;
    c.support += t;
  }
  return c;
}

double Accuracy(const std::vector<std::string>& predicted, const std::vector<std::string>& truth) {
  double correct = 0;
  for (size_t r = 0; r < truth.size(); ++r) correct += predicted[r] == truth[r];
  return correct / static_cast<double>(truth.size());
}

double Value(const Json& section, const std::string& key) { return section.at(key).at("value").get<double>(); }

std::vector<std::string> ColumnOf(const Csv& csv, size_t c) {
  std::vector<std::string> out;
  for (const auto& row : csv.rows) out.push_back(row[c]);
  return out;
}

TEST(GeneratedEndToEnd, Binary) {
  testing::TempDir dir;
  const Generated g = Generate(Kind::kBinary, 11);
  const Outputs run = TrainPredictEvaluate(g, dir);
  ASSERT_FALSE(run.problem.is_null());
  ASSERT_FALSE(run.report.is_null());
  EXPECT_EQ(run.problem.at("task"), "binary");
  // Binary labels are stored negative first, positive (by default the
  // minority) second, so proba_<positive> is the last column.
  const std::vector<std::string> labels = {"no", "yes"};
  EXPECT_EQ(run.problem.at("class_labels"), Json(labels));
  EXPECT_EQ(run.problem.at("positive_class"), 1);
  CheckLayout(g, run, labels);
  const auto proba = CheckProbabilities(run, labels);

  const std::vector<std::string> truth = ColumnOf(g.test, Column(g.test, "label"));
  const std::vector<std::string> predicted = ColumnOf(run.predictions, 0);
  const Json& m = run.report.at("binary_classification_metrics");
  const std::string positive = m.at("positive_label").get<std::string>();
  EXPECT_EQ(positive, run.problem.at("positive_label"));
  EXPECT_EQ(positive, "yes");  // the minority class by default
  std::vector<double> positive_proba;
  for (const auto& p : proba) positive_proba.push_back(p[Column(run.predictions, "proba_" + positive) - 1]);

  const Counts c = CountsOf(predicted, truth, positive);
  EXPECT_EQ(run.report.at("dataset").at("item_count").get<size_t>(), truth.size());
  EXPECT_NEAR(Value(m, "accuracy"), Accuracy(predicted, truth), kTolerance);
  EXPECT_NEAR(Value(m, "f1"), c.F1(), kTolerance);
  EXPECT_NEAR(Value(m, "precision"), c.tp / (c.tp + c.fp), kTolerance);
  EXPECT_NEAR(Value(m, "recall"), c.tp / c.support, kTolerance);
  EXPECT_NEAR(Value(m, "auc"), Auc(positive_proba, truth, positive), PrintedTieBound(positive_proba, truth, positive));
  const Json& cm = m.at("confusion_matrix");
  EXPECT_EQ(cm.at(positive).at(positive).get<double>(), c.tp);
  EXPECT_EQ(cm.at(positive).at("no").get<double>(), c.fn);
  EXPECT_EQ(cm.at("no").at(positive).get<double>(), c.fp);
  // A learnable problem: the model is far from chance.
  EXPECT_GT(Value(m, "auc"), 0.85);
}

TEST(GeneratedEndToEnd, Multiclass) {
  testing::TempDir dir;
  const Generated g = Generate(Kind::kMulticlass, 12);
  const Outputs run = TrainPredictEvaluate(g, dir);
  ASSERT_FALSE(run.problem.is_null());
  ASSERT_FALSE(run.report.is_null());
  EXPECT_EQ(run.problem.at("task"), "multiclass");
  const std::vector<std::string> labels = {"alpha", "beta", "gamma"};
  EXPECT_EQ(run.problem.at("class_labels"), Json(labels));
  CheckLayout(g, run, labels);
  const auto proba = CheckProbabilities(run, labels);

  const std::vector<std::string> truth = ColumnOf(g.test, Column(g.test, "label"));
  const std::vector<std::string> predicted = ColumnOf(run.predictions, 0);
  const Json& m = run.report.at("multiclass_classification_metrics");
  EXPECT_EQ(run.report.at("dataset").at("item_count").get<size_t>(), truth.size());
  EXPECT_NEAR(Value(m, "accuracy"), Accuracy(predicted, truth), kTolerance);
  double macro_f1 = 0, weighted_f1 = 0, macro_auc = 0, macro_auc_bound = 0;
  for (size_t k = 0; k < labels.size(); ++k) {
    const Counts c = CountsOf(predicted, truth, labels[k]);
    macro_f1 += c.F1() / static_cast<double>(labels.size());
    weighted_f1 += c.F1() * c.support / static_cast<double>(truth.size());
    EXPECT_NEAR(m.at("per_class").at(labels[k]).at("f1").get<double>(), c.F1(), kTolerance) << labels[k];
    EXPECT_EQ(m.at("per_class").at(labels[k]).at("support").get<double>(), c.support) << labels[k];
    std::vector<double> column;
    for (const auto& p : proba) column.push_back(p[k]);
    macro_auc += Auc(column, truth, labels[k]) / static_cast<double>(labels.size());
    macro_auc_bound += PrintedTieBound(column, truth, labels[k]) / static_cast<double>(labels.size());
  }
  EXPECT_NEAR(Value(m, "f1_macro"), macro_f1, kTolerance);
  EXPECT_NEAR(Value(m, "weighted_f1"), weighted_f1, kTolerance);
  EXPECT_NEAR(Value(m, "auc"), macro_auc, macro_auc_bound);
  EXPECT_GT(Value(m, "accuracy"), 0.6);
}

TEST(GeneratedEndToEnd, Regression) {
  testing::TempDir dir;
  const Generated g = Generate(Kind::kRegression, 13);
  const Outputs run = TrainPredictEvaluate(g, dir);
  ASSERT_FALSE(run.problem.is_null());
  ASSERT_FALSE(run.report.is_null());
  EXPECT_EQ(run.problem.at("task"), "regression");
  CheckLayout(g, run, {});

  // The report scores float predictions against float targets; the file's
  // predicted_label holds each float exactly (9 significant digits), so the
  // recomputation follows the same arithmetic.
  const std::vector<std::string> truth = ColumnOf(g.test, Column(g.test, "value"));
  double sq = 0, abs = 0, mean = 0;
  for (const auto& t : truth) mean += static_cast<float>(Number(t));
  mean /= static_cast<double>(truth.size());
  double total = 0;
  for (size_t r = 0; r < truth.size(); ++r) {
    const double y = static_cast<float>(Number(truth[r]));
    const double p = static_cast<float>(Number(run.predictions.rows[r][0]));
    sq += (p - y) * (p - y);
    abs += std::fabs(p - y);
    total += (y - mean) * (y - mean);
  }
  const double n = static_cast<double>(truth.size());
  const Json& m = run.report.at("regression_metrics");
  EXPECT_EQ(run.report.at("dataset").at("item_count").get<size_t>(), truth.size());
  EXPECT_NEAR(Value(m, "mse"), sq / n, kTolerance);
  EXPECT_NEAR(Value(m, "rmse"), std::sqrt(sq / n), kTolerance);
  EXPECT_NEAR(Value(m, "mae"), abs / n, kTolerance);
  EXPECT_NEAR(Value(m, "r2"), 1 - sq / total, kTolerance);
  EXPECT_GT(Value(m, "r2"), 0.8);
}

}  // namespace
}  // namespace tabpilot
