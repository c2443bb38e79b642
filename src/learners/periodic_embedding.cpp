#include "learners/periodic_embedding.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>
#include <utility>

#include "core/error.h"
#include "learners/sincos_kernel.h"

namespace tabpilot {
namespace {

constexpr float kTwoPi = 2.0f * std::numbers::pi_v<float>;

float FiniteOrZero(float v) { return std::isfinite(v) ? v : 0.0f; }

}  // namespace

std::vector<uint32_t> ContinuousColumns(const Matrix& x) {
  std::vector<uint32_t> out;
  for (size_t j = 0; j < x.cols; ++j) {
    bool have_first = false, have_second = false, third = false;
    float first = 0, second = 0;
    for (size_t i = 0; i < x.rows && !third; ++i) {
      const float v = x.at(i, j);
      if (!std::isfinite(v)) continue;
      if (!have_first) {
        first = v;
        have_first = true;
      } else if (v != first) {
        if (!have_second) {
          second = v;
          have_second = true;
        } else if (v != second) {
          third = true;
        }
      }
    }
    if (third) out.push_back(static_cast<uint32_t>(j));
  }
  return out;
}

EmbeddingParams EmbeddingParams::ZerosLike() const {
  EmbeddingParams z;
  z.c = RowMatrixXf::Zero(c.rows(), c.cols());
  z.w = RowMatrixXf::Zero(w.rows(), w.cols());
  z.b = RowMatrixXf::Zero(b.rows(), b.cols());
  return z;
}

bool EmbeddingParams::AllFinite() const { return c.allFinite() && w.allFinite() && b.allFinite(); }

namespace {

std::vector<uint32_t> Passthrough(size_t num_inputs, const std::vector<uint32_t>& columns) {
  std::vector<uint32_t> rest;
  size_t next = 0;
  for (size_t j = 0; j < num_inputs; ++j) {
    if (next < columns.size() && columns[next] == j) {
      ++next;
    } else {
      rest.push_back(static_cast<uint32_t>(j));
    }
  }
  return rest;
}

void CheckShape(size_t num_inputs, const std::vector<uint32_t>& columns, int frequencies, int dim) {
  for (size_t e = 0; e < columns.size(); ++e) {
    if (columns[e] >= num_inputs || (e > 0 && columns[e] <= columns[e - 1])) {
      throw InvalidInput("periodic embedding: embedded columns must be ascending and < " + std::to_string(num_inputs));
    }
  }
  if (!columns.empty() && (frequencies < 1 || dim < 1)) {
    throw InvalidInput("periodic embedding: frequencies and dim must be at least 1");
  }
}

}  // namespace

PeriodicEmbedding::PeriodicEmbedding(size_t num_inputs, std::vector<uint32_t> columns, int frequencies, int dim,
                                     float sigma, std::mt19937_64& rng)
    : num_inputs_(num_inputs), columns_(std::move(columns)), frequencies_(frequencies), dim_(dim) {
  CheckShape(num_inputs_, columns_, frequencies_, dim_);
  passthrough_ = Passthrough(num_inputs_, columns_);
  const auto e = static_cast<Eigen::Index>(columns_.size());
  const auto k = static_cast<Eigen::Index>(frequencies_);
  const auto d = static_cast<Eigen::Index>(dim_);
  params_.c.resize(e, k);
  params_.w.resize(e * 2 * k, d);
  params_.b = RowMatrixXf::Zero(e, d);
  std::normal_distribution<float> freq(0.0f, sigma);
  for (Eigen::Index i = 0; i < params_.c.size(); ++i) params_.c.data()[i] = freq(rng);
  // PyTorch's nn.Linear initialization: U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
  const float limit = 1.0f / std::sqrt(static_cast<float>(2 * k));
  std::uniform_real_distribution<float> weight(-limit, limit);
  for (Eigen::Index i = 0; i < params_.w.size(); ++i) params_.w.data()[i] = weight(rng);
}

PeriodicEmbedding::PeriodicEmbedding(size_t num_inputs, std::vector<uint32_t> columns, int frequencies, int dim,
                                     EmbeddingParams params)
    : num_inputs_(num_inputs),
      columns_(std::move(columns)),
      frequencies_(frequencies),
      dim_(dim),
      params_(std::move(params)) {
  CheckShape(num_inputs_, columns_, frequencies_, dim_);
  passthrough_ = Passthrough(num_inputs_, columns_);
  const auto e = static_cast<Eigen::Index>(columns_.size());
  const auto k = static_cast<Eigen::Index>(frequencies_);
  const auto d = static_cast<Eigen::Index>(dim_);
  if (!columns_.empty() && (params_.c.rows() != e || params_.c.cols() != k || params_.w.rows() != e * 2 * k ||
                            params_.w.cols() != d || params_.b.rows() != e || params_.b.cols() != d)) {
    throw InvalidInput("periodic embedding: parameter shapes do not match " + std::to_string(e) + " columns, " +
                       std::to_string(k) + " frequencies, dim " + std::to_string(d));
  }
}

size_t PeriodicEmbedding::output_width() const {
  return columns_.size() * static_cast<size_t>(dim_) + passthrough_.size();
}

void PeriodicEmbedding::Forward(const RowMatrixXf& x, RowMatrixXf& trig, RowMatrixXf& out) const {
  const Eigen::Index rows = x.rows();
  const auto e_count = static_cast<Eigen::Index>(columns_.size());
  const auto k = static_cast<Eigen::Index>(frequencies_);
  const auto d = static_cast<Eigen::Index>(dim_);
  const Eigen::Index embedded_width = e_count * d;
  out.resize(rows, static_cast<Eigen::Index>(output_width()));
  trig.resize(rows, e_count * 2 * k);
  for (Eigen::Index r = 0; r < rows; ++r) {
    RowTrig(x.data() + r * x.cols(), trig.data() + r * trig.cols());
    for (size_t p = 0; p < passthrough_.size(); ++p) {
      out(r, embedded_width + static_cast<Eigen::Index>(p)) = FiniteOrZero(x(r, passthrough_[p]));
    }
  }
  for (Eigen::Index e = 0; e < e_count; ++e) {
    auto block = out.middleCols(e * d, d);
    block.noalias() = trig.middleCols(e * 2 * k, 2 * k) * params_.w.middleRows(e * 2 * k, 2 * k);
    block.rowwise() += params_.b.row(e);
    block = block.cwiseMax(0.0f);
  }
}

void PeriodicEmbedding::RowTrig(const float* x, float* trig) const {
  const auto k = static_cast<size_t>(frequencies_);
  const float* c = params_.c.data();
  constexpr size_t kStep = 64;
  float u[kStep];
  for (size_t e = 0; e < columns_.size(); ++e) {
    const float v = FiniteOrZero(x[columns_[e]]);
    float* t = trig + e * 2 * k;
    for (size_t f0 = 0; f0 < k; f0 += kStep) {
      const size_t n = std::min(kStep, k - f0);
      for (size_t f = 0; f < n; ++f) u[f] = kTwoPi * c[e * k + f0 + f] * v;
      SinCos(u, n, t + f0, t + k + f0);
    }
  }
}

std::vector<PackedDense> PeriodicEmbedding::PackColumns() const {
  const auto k2 = 2 * static_cast<size_t>(frequencies_);
  const auto d = static_cast<size_t>(dim_);
  std::vector<PackedDense> packed;
  packed.reserve(columns_.size());
  for (size_t e = 0; e < columns_.size(); ++e) {
    packed.emplace_back(params_.w.data() + e * k2 * d, params_.b.data() + e * d, k2, d);
  }
  return packed;
}

void PeriodicEmbedding::Infer(const float* x, size_t x_stride, size_t rows, const std::vector<PackedDense>& columns,
                              float* trig, float* out) const {
  if (columns.size() != columns_.size()) throw Internal("periodic embedding: packed columns do not match");
  const size_t width = output_width();
  const size_t trig_width = columns_.size() * 2 * static_cast<size_t>(frequencies_);
  const auto d = static_cast<size_t>(dim_);
  const size_t embedded_width = columns_.size() * d;
  for (size_t r = 0; r < rows; ++r) {
    const float* xr = x + r * x_stride;
    RowTrig(xr, trig + r * trig_width);
    float* o = out + r * width + embedded_width;
    for (size_t p = 0; p < passthrough_.size(); ++p) o[p] = FiniteOrZero(xr[passthrough_[p]]);
  }
  const auto k2 = 2 * static_cast<size_t>(frequencies_);
  for (size_t e = 0; e < columns_.size(); ++e) {
    DenseForward(columns[e], trig + e * k2, trig_width, rows, /*relu=*/true, out + e * d, width);
  }
}

void PeriodicEmbedding::Backward(const RowMatrixXf& x, const RowMatrixXf& trig, const RowMatrixXf& out,
                                 const RowMatrixXf& dout, EmbeddingParams& grad) const {
  const Eigen::Index rows = x.rows();
  const auto e_count = static_cast<Eigen::Index>(columns_.size());
  const auto k = static_cast<Eigen::Index>(frequencies_);
  const auto d = static_cast<Eigen::Index>(dim_);
  RowMatrixXf dh, dtrig;
  for (Eigen::Index e = 0; e < e_count; ++e) {
    // Through the ReLU: out > 0 exactly where the pre-activation was.
    dh = (out.middleCols(e * d, d).array() > 0.0f).select(dout.middleCols(e * d, d), 0.0f);
    const auto t = trig.middleCols(e * 2 * k, 2 * k);
    grad.w.middleRows(e * 2 * k, 2 * k).noalias() += t.transpose() * dh;
    grad.b.row(e) += dh.colwise().sum();
    dtrig.noalias() = dh * params_.w.middleRows(e * 2 * k, 2 * k).transpose();
    // d sin(u)/dc = cos(u) 2 pi x; d cos(u)/dc = -sin(u) 2 pi x.
    const uint32_t col = columns_[static_cast<size_t>(e)];
    for (Eigen::Index f = 0; f < k; ++f) {
      double g = 0;
      for (Eigen::Index r = 0; r < rows; ++r) {
        const float v = FiniteOrZero(x(r, col));
        g += static_cast<double>(kTwoPi * v * (dtrig(r, f) * t(r, k + f) - dtrig(r, k + f) * t(r, f)));
      }
      grad.c(e, f) += static_cast<float>(g);
    }
  }
}

}  // namespace tabpilot
