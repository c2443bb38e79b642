// The non-tree units against brute force on a model made here: the linear
// unit's values are the interventional Shapley values of a linear function
// (w_j (x_j - mean_j), carried through the link), and the sampling unit's,
// when it enumerates coalitions, equal Shapley values computed by walking
// every ordering of the players; sampled, they still sum exactly and come
// close to the exact ones. Players group features (as one-hot columns do).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include "explain/linear_unit.h"
#include "explain/sampling_unit.h"
#include "learners/learner_registry.h"

namespace tabpilot {
namespace {

// A nonlinear binary model of 5 features: p = logistic(x0 x1 + sin(x2) - x3 x4 + 0.3).
class ToyModel final : public Model {
 public:
  int num_outputs() const override { return 2; }
  void Predict(const Matrix& x, float* out, int) const override {
    for (size_t i = 0; i < x.rows; ++i) {
      const float* r = x.row(i);
      const double z = r[0] * r[1] + std::sin(r[2]) - r[3] * r[4] + 0.3;
      const double p = 1.0 / (1.0 + std::exp(-z));
      out[2 * i] = static_cast<float>(1.0 - p);
      out[2 * i + 1] = static_cast<float>(p);
    }
  }
  std::string Serialize() const override { return {}; }
};

Matrix RandomRows(size_t n, size_t cols, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  Matrix m(n, cols);
  for (float& v : m.values) v = normal(rng);
  return m;
}

// Players: {x0, x1} (a column of two features), {x2}, {x3}, {x4}.
FeaturePlayers ToyPlayers() { return FeaturePlayers{5, {0, 0, 1, 2, 3}}; }

// Shapley values of output c of `model` for row x against `background`, by
// every ordering of the players (v(S) = mean over background rows with S's
// features from x).
std::vector<double> OrderingShapley(const Model& model, const FeaturePlayers& players, const float* x,
                                    const Matrix& background, size_t c) {
  std::vector<uint32_t> order;
  for (uint32_t p = 0; p < players.players; ++p) {
    if (std::find(players.of_feature.begin(), players.of_feature.end(), p) != players.of_feature.end()) {
      order.push_back(p);
    }
  }
  std::vector<double> phi(players.players, 0.0);
  auto value = [&](const std::vector<uint32_t>& in) {
    Matrix rows = background;
    for (size_t b = 0; b < rows.rows; ++b) {
      for (size_t f = 0; f < rows.cols; ++f) {
        if (std::find(in.begin(), in.end(), players.of_feature[f]) != in.end()) rows.values[b * rows.cols + f] = x[f];
      }
    }
    std::vector<float> out(rows.rows * static_cast<size_t>(model.num_outputs()));
    model.Predict(rows, out.data(), 1);
    double sum = 0;
    for (size_t b = 0; b < rows.rows; ++b) sum += out[b * static_cast<size_t>(model.num_outputs()) + c];
    return sum / static_cast<double>(rows.rows);
  };
  std::sort(order.begin(), order.end());
  size_t count = 0;
  do {
    std::vector<uint32_t> in;
    double before = value(in);
    for (uint32_t p : order) {
      in.push_back(p);
      const double after = value(in);
      phi[p] += after - before;
      before = after;
    }
    ++count;
  } while (std::next_permutation(order.begin(), order.end()));
  for (double& v : phi) v /= static_cast<double>(count);
  return phi;
}

TEST(SamplingUnit, EnumeratedCoalitionsAreExactShapleyValues) {
  ToyModel model;
  const FeaturePlayers players = ToyPlayers();
  const Matrix background = RandomRows(16, 5, 1);
  const Matrix x = RandomRows(6, 5, 2);
  SamplingOptions options;
  options.exact_players = 6;
  auto unit = MakeSamplingUnit(model, players, background, options);
  std::vector<double> out(x.rows * 2 * players.players);
  unit->Explain(x, out.data(), 2);
  for (size_t i = 0; i < x.rows; ++i) {
    for (size_t c = 0; c < 2; ++c) {
      const std::vector<double> want = OrderingShapley(model, players, x.row(i), background, c);
      for (size_t p = 0; p < players.players; ++p) {
        EXPECT_NEAR(out[(i * 2 + c) * players.players + p], want[p], 1e-6) << "row " << i << " player " << p;
      }
    }
  }
  // The player with no feature gets nothing.
  EXPECT_EQ(out[4], 0.0);
}

TEST(SamplingUnit, SampledOrderingsSumExactlyAndComeCloseToExact) {
  ToyModel model;
  const FeaturePlayers players = ToyPlayers();
  const Matrix background = RandomRows(16, 5, 3);
  const Matrix x = RandomRows(8, 5, 4);
  SamplingOptions exact_options;
  exact_options.exact_players = 6;
  SamplingOptions sampled_options;
  sampled_options.exact_players = 0;
  sampled_options.orderings = 200;
  sampled_options.seed = 9;
  auto exact = MakeSamplingUnit(model, players, background, exact_options);
  auto sampled = MakeSamplingUnit(model, players, background, sampled_options);
  const size_t width = 2 * players.players;
  std::vector<double> want(x.rows * width);
  std::vector<double> got(x.rows * width);
  exact->Explain(x, want.data(), 1);
  sampled->Explain(x, got.data(), 2);
  std::vector<float> pred(x.rows * 2);
  model.Predict(x, pred.data(), 1);
  double worst = 0;
  for (size_t i = 0; i < x.rows; ++i) {
    for (size_t c = 0; c < 2; ++c) {
      const double* g = got.data() + i * width + c * players.players;
      EXPECT_NEAR(std::accumulate(g, g + players.players, 0.0), pred[i * 2 + c] - sampled->base()[c], 1e-6);
      for (size_t p = 0; p < players.players; ++p)
        worst = std::max(worst, std::fabs(g[p] - want[i * width + c * players.players + p]));
    }
  }
  EXPECT_LT(worst, 0.02);
  // The same seed gives the same values on any thread count.
  std::vector<double> again(x.rows * width);
  sampled->Explain(x, again.data(), 1);
  EXPECT_EQ(again, got);
}

// The network builds coalitions from its first layer's per-feature vectors
// (FeatureSumForm) instead of running on mixed rows: the values must still
// be the Shapley values of the model's own Predict, and sum to it.
TEST(SamplingUnit, TheNetworksFeatureSumsGiveTheShapleyValuesOfItsPredict) {
  const Matrix train = RandomRows(400, 5, 11);
  std::vector<float> y(train.rows);
  for (size_t i = 0; i < train.rows; ++i) {
    const float* r = train.row(i);
    y[i] = r[0] * r[1] + std::sin(r[2]) - r[3] > 0 ? 1.0f : 0.0f;
  }
  FitOptions fit;
  fit.task = Task::kBinary;
  fit.num_classes = 2;
  fit.seed = 3;
  // Embedded numeric columns (periodic embedding) and two hidden layers.
  const auto model = LearnerRegistry::WithBuiltins()
                         .Create("mlp", Json{{"hidden", "16,8"}, {"epochs", 5}, {"numeric_embedding", "periodic"}})
                         ->Fit(TrainData{&train, &y, nullptr}, nullptr, fit);
  ASSERT_NE(model->AsFeatureSum(), nullptr);
  const FeaturePlayers players = ToyPlayers();
  const Matrix background = RandomRows(12, 5, 12);
  Matrix x = RandomRows(5, 5, 13);
  x.values[6] = NAN;  // missing, as the network reads it (0)
  SamplingOptions options;
  options.exact_players = 6;
  auto unit = MakeSamplingUnit(*model, players, background, options);
  std::vector<double> out(x.rows * 2 * players.players);
  unit->Explain(x, out.data(), 2);
  for (size_t i = 0; i < x.rows; ++i) {
    const std::vector<double> want = OrderingShapley(*model, players, x.row(i), background, 1);
    for (size_t p = 0; p < players.players; ++p) {
      EXPECT_NEAR(out[(i * 2 + 1) * players.players + p], want[p], 2e-5) << "row " << i << " player " << p;
    }
  }
  // Sampled: the values sum to the model's own prediction minus the base.
  options.exact_players = 0;
  auto sampled = MakeSamplingUnit(*model, players, background, options);
  sampled->Explain(x, out.data(), 1);
  std::vector<float> pred(x.rows * 2);
  model->Predict(x, pred.data(), 1);
  for (size_t i = 0; i < x.rows; ++i) {
    const double* v = out.data() + (i * 2 + 1) * players.players;
    EXPECT_NEAR(std::accumulate(v, v + players.players, 0.0), pred[i * 2 + 1] - sampled->base()[1], 2e-5);
  }
  // A player whose features are the same in the row and in every background
  // row (feature 3: player 2) moves nothing: its coalition rows are not
  // predicted again but taken from the row before. Its value is exactly 0,
  // the values still sum to the prediction, and the others stay close to
  // the exact ones. (Every ordering uses the whole background here: with a
  // share of it, an ordering's first addition, measured from the whole
  // background's mean, is not 0 even for such a player.)
  Matrix shared_background = background;
  Matrix shared_x = x;
  for (size_t b = 0; b < shared_background.rows; ++b) shared_background.at(b, 3) = 0.5f;
  for (size_t i = 0; i < shared_x.rows; ++i) shared_x.at(i, 3) = 0.5f;
  options.orderings = 200;
  options.background_per_ordering = 0;
  auto shared = MakeSamplingUnit(*model, players, shared_background, options);
  shared->Explain(shared_x, out.data(), 2);
  model->Predict(shared_x, pred.data(), 1);
  double worst = 0;
  for (size_t i = 0; i < shared_x.rows; ++i) {
    const double* v = out.data() + (i * 2 + 1) * players.players;
    EXPECT_EQ(v[2], 0.0) << "row " << i;
    EXPECT_NEAR(std::accumulate(v, v + players.players, 0.0), pred[i * 2 + 1] - shared->base()[1], 2e-5);
    const std::vector<double> want = OrderingShapley(*model, players, shared_x.row(i), shared_background, 1);
    for (size_t p = 0; p < players.players; ++p) worst = std::max(worst, std::fabs(v[p] - want[p]));
  }
  EXPECT_LT(worst, 0.02);
}

TEST(LinearUnit, ValuesAreTheLinearShapleyValuesThroughTheLink) {
  LinearForm form;
  form.link = LinearForm::Link::kIdentity;
  form.features = 5;
  form.raw = 1;
  form.weights = {0.5, -1.0, 2.0, 0.0, 0.25};
  form.intercepts = {1.0};
  const FeaturePlayers players = ToyPlayers();
  const Matrix background = RandomRows(32, 5, 5);
  Matrix x = RandomRows(4, 5, 6);
  x.values[3] = NAN;  // read as 0, as the linear family reads it
  std::vector<double> mean(5, 0.0);
  for (size_t b = 0; b < background.rows; ++b) {
    for (size_t f = 0; f < 5; ++f) mean[f] += background.at(b, f) / 32.0;
  }
  auto unit = MakeLinearUnit(form, players, background);
  std::vector<double> out(x.rows * players.players);
  unit->Explain(x, out.data(), 1);
  for (size_t i = 0; i < x.rows; ++i) {
    std::vector<double> want(players.players, 0.0);
    for (size_t f = 0; f < 5; ++f) {
      const double v = std::isfinite(x.at(i, f)) ? x.at(i, f) : 0.0;
      want[players.of_feature[f]] += form.weights[f] * (v - mean[f]);
    }
    for (size_t p = 0; p < players.players; ++p) EXPECT_NEAR(out[i * players.players + p], want[p], 1e-9);
  }
  // Logistic: two outputs, each summing to its probability's change, class 1 with the raw values' signs.
  form.link = LinearForm::Link::kLogistic;
  auto logistic = MakeLinearUnit(form, players, background);
  ASSERT_EQ(logistic->outputs(), 2u);
  std::vector<double> out2(x.rows * 2 * players.players);
  logistic->Explain(x, out2.data(), 2);
  for (size_t i = 0; i < x.rows; ++i) {
    double raw = form.intercepts[0];
    for (size_t f = 0; f < 5; ++f) raw += form.weights[f] * (std::isfinite(x.at(i, f)) ? x.at(i, f) : 0.0);
    const double p = 1.0 / (1.0 + std::exp(-raw));
    const double* one = out2.data() + (i * 2 + 1) * players.players;
    EXPECT_NEAR(std::accumulate(one, one + players.players, 0.0), p - logistic->base()[1], 1e-12);
    for (size_t q = 0; q < players.players; ++q) EXPECT_GE(one[q] * out[i * players.players + q], 0.0);
  }
}

TEST(Units, RefuseABackgroundOfTheWrongShape) {
  ToyModel model;
  EXPECT_THROW(MakeSamplingUnit(model, ToyPlayers(), Matrix(0, 5), SamplingOptions{}), InvalidInput);
  EXPECT_THROW(MakeSamplingUnit(model, ToyPlayers(), Matrix(3, 4), SamplingOptions{}), InvalidInput);
  LinearForm form;
  form.features = 5;
  form.weights.assign(5, 1.0);
  form.intercepts = {0.0};
  EXPECT_THROW(MakeLinearUnit(form, ToyPlayers(), Matrix(3, 4)), InvalidInput);
}

}  // namespace
}  // namespace tabpilot
