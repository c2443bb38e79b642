// The additive_boost family: what its shapes learn (an additive truth, a
// categorical's levels in any order, missing values), that it has no
// interactions, that its shapes and intercept are the model, and its early stopping
// and refit. The learner contract (test_learner_contract.cpp) covers
// save/load, threads, deadlines and corrupt bytes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "core/hash.h"
#include "learners/additive_learner.h"
#include "learners/additive_model.h"
#include "support/matrix_blocks.h"
#include "support/test_support.h"

namespace tabpilot {
namespace {

const float kNaN = std::numeric_limits<float>::quiet_NaN();

class Uniform01 {
 public:
  explicit Uniform01(uint64_t seed) : state_(Mix64(seed) << 20) {}
  double operator()() { return static_cast<double>(Mix64(state_++) >> 11) * 0x1.0p-53; }

 private:
  uint64_t state_;
};

// The true per-column effects of MakeAdditive's rows.
double Effect0(double x0) { return 1.5 * std::sin(2.0 * x0); }
double Effect1(double x1) { return x1 > 0.3 ? 1.0 : -0.4; }
double Level(int code) { return (code * 7 % 11) / 5.0 - 1.0; }  // not monotone in the code
constexpr double kMissingEffect = 2.0;

struct Dataset {
  Matrix x;
  std::vector<float> y;
  std::vector<double> logit;
};

// Binary, additive logit: column 0 a sine, 1 a step (missing in 15% of the
// rows, with an effect of its own), 2 an 11-level category, 3 noise.
Dataset MakeAdditive(size_t rows, uint64_t seed) {
  Uniform01 u(seed);
  Dataset d{Matrix(rows, 4), std::vector<float>(rows), std::vector<double>(rows)};
  for (size_t r = 0; r < rows; ++r) {
    const double x0 = 4 * u() - 2;
    const double x1 = 2 * u() - 1;
    const bool missing = u() < 0.15;
    const auto code = static_cast<int>(u() * 11);
    d.x.at(r, 0) = static_cast<float>(x0);
    d.x.at(r, 1) = missing ? kNaN : static_cast<float>(x1);
    d.x.at(r, 2) = static_cast<float>(code);
    d.x.at(r, 3) = static_cast<float>(u());
    d.logit[r] = Effect0(x0) + (missing ? kMissingEffect : Effect1(x1)) + Level(code) - 0.3;
    d.y[r] = u() < 1.0 / (1.0 + std::exp(-d.logit[r])) ? 1.0f : 0.0f;
  }
  return d;
}

std::unique_ptr<Learner> MakeLearner(const Json& params = Json::object()) {
  LearnerRegistry registry;
  RegisterAdditiveLearner(registry);
  return registry.Create("additive_boost", params);
}

FitOptions Options(Task task, int num_classes, const std::vector<size_t>* categorical, int threads = 2) {
  FitOptions o;
  o.task = task;
  o.num_classes = num_classes;
  o.threads = threads;
  o.categorical_features = categorical;
  return o;
}

std::vector<float> PredictAll(const Model& m, const Matrix& x) {
  std::vector<float> out(x.rows * static_cast<size_t>(m.num_outputs()));
  m.Predict(x, out.data(), 2);
  return out;
}

double Correlation(const std::vector<double>& a, const std::vector<double>& b) {
  const double n = static_cast<double>(a.size());
  const double ma = std::accumulate(a.begin(), a.end(), 0.0) / n;
  const double mb = std::accumulate(b.begin(), b.end(), 0.0) / n;
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return sab / std::sqrt(saa * sbb);
}

// Each column's shape value (its decoded bytes) for every row of x: [col][row].
std::vector<std::vector<double>> Terms(const Model& model, const Matrix& x) {
  const AdditiveModelData m = DecodeAdditiveModel(model.Serialize());
  std::vector<std::vector<double>> out(x.cols, std::vector<double>(x.rows));
  for (size_t r = 0; r < x.rows; ++r) {
    for (size_t col = 0; col < x.cols; ++col) out[col][r] = m.shapes[col].values[m.shapes[col].SlotOf(x.at(r, col))];
  }
  return out;
}

struct Fitted {
  Dataset train, valid, test;
  std::vector<size_t> categorical{2};
  std::unique_ptr<Model> model;
};

const Fitted& AdditiveFit() {
  static const Fitted* fitted = [] {
    auto* f = new Fitted{MakeAdditive(8000, 1), MakeAdditive(2000, 2), MakeAdditive(4000, 3), {2}, nullptr};
    const TrainData train{&f->train.x, &f->train.y, nullptr};
    const TrainData valid{&f->valid.x, &f->valid.y, nullptr};
    f->model = MakeLearner()->Fit(train, &valid, Options(Task::kBinary, 2, &f->categorical));
    return f;
  }();
  return *fitted;
}

TEST(AdditiveBoost, ShapesRecoverEachColumnsEffect) {
  const Fitted& f = AdditiveFit();
  const Matrix& x = f.test.x;
  const std::vector<std::vector<double>> terms = Terms(*f.model, x);
  std::vector<double> want0, want1, want2, got1, got2;
  for (size_t r = 0; r < x.rows; ++r) {
    want0.push_back(Effect0(x.at(r, 0)));
    want2.push_back(Level(static_cast<int>(x.at(r, 2))));
    if (!std::isnan(x.at(r, 1))) {
      want1.push_back(Effect1(x.at(r, 1)));
      got1.push_back(terms[1][r]);
    }
  }
  EXPECT_GT(Correlation(terms[0], want0), 0.97);
  EXPECT_GT(Correlation(got1, want1), 0.93);
  EXPECT_GT(Correlation(terms[2], want2), 0.97);  // the levels' order, not the codes'
  // The noise column moves the score far less than the real ones.
  const auto deviation = [](const std::vector<double>& v) {
    const double mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
    double s = 0;
    for (double e : v) s += (e - mean) * (e - mean);
    return std::sqrt(s / static_cast<double>(v.size()));
  };
  EXPECT_LT(deviation(terms[3]), 0.25 * deviation(terms[0]));
  // A missing cell has its own value: the effect of missing (2.0) lies a
  // whole unit above the step's upper level (1.0).
  double missing = 0;
  std::vector<double> upper;
  for (size_t r = 0; r < x.rows; ++r) {
    if (std::isnan(x.at(r, 1))) {
      missing = terms[1][r];
    } else if (x.at(r, 1) > 0.3f) {
      upper.push_back(terms[1][r]);
    }
  }
  std::nth_element(upper.begin(), upper.begin() + static_cast<std::ptrdiff_t>(upper.size() / 2), upper.end());
  EXPECT_NEAR(missing - upper[upper.size() / 2], 1.0, 0.35);
}

TEST(AdditiveBoost, PredictsNearlyAsWellAsTheTrueLogit) {
  const Fitted& f = AdditiveFit();
  const std::vector<float> p = PredictAll(*f.model, f.test.x);
  std::vector<float> truth(f.test.logit.begin(), f.test.logit.end());
  const double got = testing::RankAuc(testing::PositiveColumn(p), f.test.y);
  const double best = testing::RankAuc(truth, f.test.y);
  EXPECT_GT(got, best - 0.01) << "AUC " << got << " against the true logit's " << best;
}

TEST(AdditiveBoost, ShapesAreCentredAndTheirSumIsTheModel) {
  const Fitted& f = AdditiveFit();
  const AdditiveModelData m = DecodeAdditiveModel(f.model->Serialize());
  ASSERT_EQ(m.dims, 1u);
  // Centred on the training rows: each column's mean term is ~0.
  const std::vector<std::vector<double>> train_terms = Terms(*f.model, f.train.x);
  for (size_t col = 0; col < train_terms.size(); ++col) {
    const double mean = std::accumulate(train_terms[col].begin(), train_terms[col].end(), 0.0) /
                        static_cast<double>(train_terms[col].size());
    EXPECT_NEAR(mean, 0.0, 1e-4) << "column " << col;
  }
  // The logistic of intercept + terms is what Predict writes.
  const Matrix& x = f.test.x;
  const std::vector<std::vector<double>> terms = Terms(*f.model, x);
  const std::vector<float> p = PredictAll(*f.model, x);
  for (size_t r = 0; r < x.rows; ++r) {
    double s = m.intercept[0];
    for (const auto& t : terms) s += t[r];
    ASSERT_NEAR(p[2 * r + 1], 1.0 / (1.0 + std::exp(-s)), 1e-6) << "row " << r;
  }
}

TEST(AdditiveBoost, CannotFitAnInteraction) {
  // y = xor of two coin-flip columns: every column alone says nothing, so an
  // additive model stays at chance while the truth is a perfect split.
  Uniform01 u(9);
  const size_t rows = 4000;
  Matrix x(rows, 2);
  std::vector<float> y(rows);
  for (size_t r = 0; r < rows; ++r) {
    const bool a = u() < 0.5, b = u() < 0.5;
    x.at(r, 0) = a ? 1.0f : 0.0f;
    x.at(r, 1) = b ? 1.0f : 0.0f;
    y[r] = a != b ? 1.0f : 0.0f;
  }
  const TrainData train{&x, &y, nullptr};
  const auto model = MakeLearner({{"max_cycles", 50}})->Fit(train, nullptr, Options(Task::kBinary, 2, nullptr));
  const double auc = testing::RankAuc(testing::PositiveColumn(PredictAll(*model, x)), y);
  EXPECT_LT(std::fabs(auc - 0.5), 0.05) << auc;
}

TEST(AdditiveBoost, EarlyStoppingKeepsTheBestCycleAndTheRefitRunsThatMany) {
  const Fitted& f = AdditiveFit();
  const Json info = f.model->Info();
  const int kept = info.at("cycles").get<int>();
  const int trained = info.at("cycles_trained").get<int>();
  EXPECT_GE(kept, 1);
  EXPECT_EQ(trained, kept + 50);  // early_stopping_rounds cycles past the best
  EXPECT_TRUE(info.contains("best_validation_loss"));
  // The bytes keep the effort, for fold models fitted in another process.
  const auto loaded = MakeLearner()->Load(f.model->Serialize(), FitOptions{});
  EXPECT_EQ(loaded->Info().at("cycles").get<int>(), kept);

  const auto learner = MakeLearner();
  const Json folds = Json::array({Json{{"cycles", 100}}, Json{{"cycles", 201}}});
  const std::optional<Json> refit = learner->RefitParams(folds);
  ASSERT_TRUE(refit.has_value());
  EXPECT_EQ(refit->at("max_cycles").get<int>(), 151);
  EXPECT_EQ(refit->at("early_stopping_rounds").get<int>(), 0);
  EXPECT_FALSE(learner->RefitParams(Json::array()).has_value());
}

TEST(AdditiveBoost, MulticlassAndRegressionLearnAdditiveTruths) {
  Uniform01 u(21);
  const size_t rows = 6000;
  Matrix x(rows, 3);
  std::vector<float> cls(rows), value(rows);
  for (size_t r = 0; r < rows; ++r) {
    const double a = 4 * u() - 2, b = 4 * u() - 2;
    x.at(r, 0) = static_cast<float>(a);
    x.at(r, 1) = static_cast<float>(b);
    x.at(r, 2) = static_cast<float>(u());
    // Class by which of three additive scores is largest (plus a little noise).
    const double s0 = a, s1 = -a + 0.5 * b, s2 = std::fabs(b) - 0.5 + 0.3 * (u() - 0.5);
    cls[r] = static_cast<float>(s0 > s1 && s0 > s2 ? 0 : (s1 > s2 ? 1 : 2));
    value[r] = static_cast<float>(std::sin(2 * a) + b * b + 0.1 * (u() - 0.5));
  }
  const Matrix train_x = x;
  {
    const TrainData train{&train_x, &cls, nullptr};
    const auto model = MakeLearner({{"max_cycles", 300}})->Fit(train, nullptr, Options(Task::kMulticlass, 3, nullptr));
    const std::vector<float> p = PredictAll(*model, x);
    size_t right = 0;
    for (size_t r = 0; r < rows; ++r) {
      const auto best = std::max_element(p.begin() + 3 * r, p.begin() + 3 * r + 3) - (p.begin() + 3 * r);
      right += static_cast<size_t>(best) == static_cast<size_t>(cls[r]) ? 1 : 0;
    }
    EXPECT_GT(static_cast<double>(right) / rows, 0.85);
  }
  {
    const TrainData train{&train_x, &value, nullptr};
    const auto model = MakeLearner({{"max_cycles", 300}})->Fit(train, nullptr, Options(Task::kRegression, 1, nullptr));
    const std::vector<float> p = PredictAll(*model, x);
    double se = 0;
    for (size_t r = 0; r < rows; ++r) se += (p[r] - value[r]) * (p[r] - value[r]);
    EXPECT_LT(std::sqrt(se / rows), 0.15);  // the target spans about 0..5
  }
}

TEST(AdditiveBoost, AViewOrBlocksOfRowsFitTheModelTheRowsThemselvesFit) {
  const Dataset d = MakeAdditive(3000, 4);
  testing::PickedRows rows(d.x, d.y);
  const std::vector<size_t> categorical{2};
  const FitOptions options = Options(Task::kBinary, 2, &categorical);
  const auto learner = MakeLearner({{"max_cycles", 30}});
  ASSERT_TRUE(learner->takes_row_view());
  const std::string want = learner->Fit(rows.whole(), nullptr, options)->Serialize();
  EXPECT_EQ(learner->Fit(rows.view(), nullptr, options)->Serialize(), want);
  EXPECT_EQ(learner->Fit(rows.read(), nullptr, options)->Serialize(), want);
  // An infinite value in a block is named by its row, as in a matrix.
  rows.picked().at(7, 1) = std::numeric_limits<float>::infinity();
  const std::string message = testing::InvalidMessage([&] { learner->Fit(rows.read(), nullptr, options); });
  EXPECT_NE(message.find("row 8"), std::string::npos) << message;
}

TEST(AdditiveBoost, RejectsAModelForAnotherColumnCount) {
  const Fitted& f = AdditiveFit();
  const Matrix wrong(3, 5, 0.5f);
  std::vector<float> out(6);
  const std::string message = testing::InvalidMessage([&] { f.model->Predict(wrong, out.data(), 1); });
  EXPECT_NE(message.find("expects 4 feature columns, got 5"), std::string::npos) << message;
}

}  // namespace
}  // namespace tabpilot
