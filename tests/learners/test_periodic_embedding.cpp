#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "core/error.h"
#include "learners/periodic_embedding.h"

namespace tabpilot {
namespace {

TEST(ContinuousColumns, PicksColumnsWithMoreThanTwoValues) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  // Columns: constant, one-hot (0/1), two values with NaN, three values, three values only after NaNs.
  Matrix x(5, 5);
  const float rows[5][5] = {
      {1, 0, 2, 0.5f, nan}, {1, 1, nan, 1.5f, nan}, {1, 0, 3, 0.5f, 4}, {1, 1, 2, 2.5f, 5}, {1, 0, 3, 0.5f, 6}};
  for (size_t i = 0; i < 5; ++i) {
    for (size_t j = 0; j < 5; ++j) x.at(i, j) = rows[i][j];
  }
  EXPECT_EQ(ContinuousColumns(x), (std::vector<uint32_t>{3, 4}));
  EXPECT_TRUE(ContinuousColumns(Matrix(0, 3)).empty());
}

TEST(PeriodicEmbedding, OutputHasDUnitsPerEmbeddedColumnThenTheRest) {
  std::mt19937_64 rng(1);
  const PeriodicEmbedding emb(4, {1, 3}, 5, 3, 1.0f, rng);
  EXPECT_EQ(emb.output_width(), 2u * 3u + 2u);
  RowMatrixXf x(2, 4), trig, out;
  x << 10, 0.5f, 20, -1, 30, 2, 40, std::numeric_limits<float>::quiet_NaN();
  emb.Forward(x, trig, out);
  ASSERT_EQ(out.rows(), 2);
  ASSERT_EQ(out.cols(), 8);
  EXPECT_EQ(trig.cols(), 2 * 2 * 5);
  // Passthrough columns 0 and 2 follow the embeddings, in order.
  EXPECT_EQ(out(0, 6), 10);
  EXPECT_EQ(out(0, 7), 20);
  EXPECT_EQ(out(1, 6), 30);
  EXPECT_EQ(out(1, 7), 40);
  // ReLU outputs; a NaN input is read as 0: sin 0 = 0, cos 0 = 1.
  EXPECT_GE(out.leftCols(6).minCoeff(), 0.0f);
  for (int f = 0; f < 5; ++f) {
    EXPECT_EQ(trig(1, 10 + f), 0.0f);
    EXPECT_EQ(trig(1, 15 + f), 1.0f);
  }
}

TEST(PeriodicEmbedding, BackwardMatchesFiniteDifferences) {
  std::mt19937_64 rng(3);
  PeriodicEmbedding emb(3, {0, 2}, 4, 3, 0.5f, rng);
  // Biases away from zero so that few units sit at the ReLU kink.
  EmbeddingParams& p = emb.mutable_params();
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (Eigen::Index i = 0; i < p.b.size(); ++i) p.b.data()[i] = 0.3f + 0.2f * u(rng);
  RowMatrixXf x(6, 3);
  for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = u(rng);
  // Loss = sum(out .* g) for a fixed random g: d loss / d out = g.
  RowMatrixXf trig, out;
  emb.Forward(x, trig, out);
  RowMatrixXf g(out.rows(), out.cols());
  for (Eigen::Index i = 0; i < g.size(); ++i) g.data()[i] = u(rng);
  auto loss = [&]() {
    RowMatrixXf t, o;
    emb.Forward(x, t, o);
    return static_cast<double>((o.array() * g.array()).sum());
  };
  EmbeddingParams grad = p.ZerosLike();
  emb.Backward(x, trig, out, g, grad);
  int checked = 0;
  for (auto [param, analytic] : {std::pair{&p.c, &grad.c}, std::pair{&p.w, &grad.w}, std::pair{&p.b, &grad.b}}) {
    for (Eigen::Index i = 0; i < param->size(); ++i) {
      const float saved = param->data()[i];
      const float h = 1e-3f;
      param->data()[i] = saved + h;
      const double up = loss();
      param->data()[i] = saved - h;
      const double down = loss();
      param->data()[i] = saved;
      const double numeric = (up - down) / (2 * h);
      EXPECT_NEAR(analytic->data()[i], numeric, 2e-2 + 2e-2 * std::abs(numeric)) << "parameter " << i;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 2 * 4 + 2 * 8 * 3 + 2 * 3);
  EXPECT_GT(grad.c.cwiseAbs().maxCoeff(), 0.0f);
}

TEST(PeriodicEmbedding, RejectsBadShapes) {
  std::mt19937_64 rng(1);
  EXPECT_THROW(PeriodicEmbedding(3, {1, 1}, 4, 3, 1.0f, rng), InvalidInput);
  EXPECT_THROW(PeriodicEmbedding(3, {3}, 4, 3, 1.0f, rng), InvalidInput);
  const PeriodicEmbedding good(3, {0, 2}, 4, 3, 1.0f, rng);
  EmbeddingParams wrong = good.params();
  wrong.w.resize(5, 3);
  EXPECT_THROW(PeriodicEmbedding(3, {0, 2}, 4, 3, wrong), InvalidInput);
  EXPECT_NO_THROW(PeriodicEmbedding(3, {0, 2}, 4, 3, good.params()));
}

}  // namespace
}  // namespace tabpilot
