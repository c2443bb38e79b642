#include "learners/linear_learner.h"

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "core/error.h"
#include "core/parallel.h"
#include "learners/byte_io.h"
#include "learners/train_data_check.h"

namespace tabpilot {
namespace {

using RowMatrixXd = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

const std::string kFamily = "linear";

// Serialized layout (all integers little-endian, doubles as IEEE-754 bits):
//   magic "TPLINEAR" | u32 version | u8 task | u32 num_classes | u64 num_features
//   | u32 num_columns | u32 iterations | u8 flags (bit0 converged, bit1 deadline)
//   | f64 objective | f64 C | num_columns * (num_features + 1) f64 coefficients
//   | (version >= 2) u64 checksum (byte_io.h's seal)
// Coefficients are column-major: per output column, the feature weights then the intercept.
// Version 1 (no checksum) is still read.
constexpr char kMagic[8] = {'T', 'P', 'L', 'I', 'N', 'E', 'A', 'R'};
constexpr uint32_t kVersion = 2;
constexpr uint32_t kOldestVersion = 1;
constexpr const char* kCorrupt = "corrupt linear model";
constexpr size_t kHeaderBytes = 8 + 4 + 1 + 4 + 8 + 4 + 4 + 1 + 8 + 8;

double Finite(float v) { return std::isfinite(v) ? static_cast<double>(v) : 0.0; }

// The caller's sample weights, or all ones when absent.
Eigen::VectorXd RawWeights(const TrainData& train, size_t n) {
  if (train.weights == nullptr || train.weights->empty()) return Eigen::VectorXd::Ones(static_cast<Eigen::Index>(n));
  Eigen::VectorXd s(static_cast<Eigen::Index>(n));
  for (size_t i = 0; i < n; ++i) s[static_cast<Eigen::Index>(i)] = (*train.weights)[i];
  return s;
}

RowMatrixXd ToDouble(const Matrix& x) {
  RowMatrixXd out(static_cast<Eigen::Index>(x.rows), static_cast<Eigen::Index>(x.cols));
  const float* src = x.values.data();
  double* dst = out.data();
  for (size_t i = 0, n = x.rows * x.cols; i < n; ++i) dst[i] = Finite(src[i]);
  return out;
}

// The logistic objective, scaled by 1 / (C * sum s):
//   f(W) = sum_i s'_i * loss_i + ||W_features||^2 / (2 * C * sum s)
// with s' the normalized weights. Theta is (d + 1) x m column-major; row d holds intercepts.
//
// Rows are processed in fixed chunks of kChunkRows whose partial sums are added
// in chunk order, so the result does not depend on how many threads ran them.
class LogisticObjective {
 public:
  static constexpr Eigen::Index kChunkRows = 4096;

  // Binary tasks fit one logit; multiclass tasks one per class (even for 2 classes).
  LogisticObjective(const RowMatrixXd& x, const std::vector<float>& y, Eigen::VectorXd s, Task task, int classes,
                    double penalty, int threads)
      : x_(x),
        s_(std::move(s)),
        classes_(classes),
        cols_(task == Task::kBinary ? 1 : classes),
        penalty_(penalty),
        threads_(threads),
        chunks_(static_cast<size_t>((x.rows() + kChunkRows - 1) / kChunkRows)) {
    label_.resize(y.size());
    for (size_t i = 0; i < y.size(); ++i) label_[i] = static_cast<int>(y[i]);
  }
  int cols() const { return cols_; }
  Eigen::Index size() const { return (x_.cols() + 1) * cols_; }

  // Returns f(theta) and writes its gradient.
  double Evaluate(const Eigen::VectorXd& theta, Eigen::VectorXd& grad) {
    const Eigen::Index d = x_.cols();
    Eigen::Map<const Eigen::MatrixXd> w(theta.data(), d + 1, cols_);
    ParallelFor(chunks_.size(), threads_, [&](size_t c0, size_t c1, int) {
      for (size_t c = c0; c < c1; ++c) EvaluateChunk(c, w);
    });
    grad.setZero(size());
    Eigen::Map<Eigen::MatrixXd> g(grad.data(), d + 1, cols_);
    double loss = 0;
    for (const Chunk& chunk : chunks_) {
      loss += chunk.loss;
      g += chunk.grad;
    }
    g.topRows(d) += penalty_ * w.topRows(d);
    return loss + 0.5 * penalty_ * w.topRows(d).squaredNorm();
  }
  // Intercepts at the (weighted) class log-frequencies: the optimum when all
  // weights are zero, and what the model predicts if fitting stops at once.
  Eigen::VectorXd Start() const {
    Eigen::VectorXd theta = Eigen::VectorXd::Zero(size());
    std::vector<double> freq(static_cast<size_t>(classes_), 0.0);
    for (size_t i = 0; i < label_.size(); ++i) freq[static_cast<size_t>(label_[i])] += s_[static_cast<Eigen::Index>(i)];
    constexpr double kFloor = 1e-6;  // an absent class gets a finite, very negative intercept
    const Eigen::Index d = x_.cols();
    if (cols_ == 1) {
      double p = std::clamp(freq[1], kFloor, 1 - kFloor);
      theta[d] = std::log(p / (1 - p));
    } else {
      for (int k = 0; k < classes_; ++k)
        theta[(d + 1) * k + d] = std::log(std::max(freq[static_cast<size_t>(k)], kFloor));
    }
    return theta;
  }

 private:
  const RowMatrixXd& x_;
  Eigen::VectorXd s_;
  std::vector<int> label_;
  int classes_;
  int cols_;
  double penalty_;
  int threads_;

  struct Chunk {
    RowMatrixXd z;         // scratch: logits, then d loss / d logits (row-major: rows are scanned)
    Eigen::MatrixXd grad;  // (d + 1) x m partial gradient, without the penalty
    double loss = 0;
  };
  std::vector<Chunk> chunks_;

  // Loss and (unpenalized) gradient of rows [c * kChunkRows, ...) into chunks_[c].
  void EvaluateChunk(size_t c, const Eigen::Map<const Eigen::MatrixXd>& w) {
    const Eigen::Index d = x_.cols();
    const Eigen::Index begin = static_cast<Eigen::Index>(c) * kChunkRows;
    const Eigen::Index rows = std::min(kChunkRows, x_.rows() - begin);
    const auto x = x_.middleRows(begin, rows);
    Chunk& chunk = chunks_[c];
    chunk.z.noalias() = x * w.topRows(d);
    chunk.z.rowwise() += w.row(d);
    double loss = 0;
    for (Eigen::Index r = 0; r < rows; ++r) {
      const Eigen::Index i = begin + r;
      const double si = s_[i];
      const int yi = label_[static_cast<size_t>(i)];
      auto z = chunk.z.row(r);
      if (cols_ == 1) {
        const double v = z[0];
        // softplus(v) - y v and sigmoid(v), computed without overflow from e = exp(-|v|).
        const double e = std::exp(-std::abs(v));
        loss += si * (std::max(v, 0.0) + std::log1p(e) - yi * v);
        const double p = v >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
        z[0] = si * (p - yi);
      } else {
        const double zmax = z.maxCoeff();
        const double zy = z[yi];
        double sum = 0;
        for (Eigen::Index k = 0; k < cols_; ++k) sum += (z[k] = std::exp(z[k] - zmax));
        loss += si * (zmax + std::log(sum) - zy);
        const double scale = si / sum;
        for (Eigen::Index k = 0; k < cols_; ++k) z[k] *= scale;
        z[yi] -= si;
      }
    }
    chunk.loss = loss;
    chunk.grad.resize(d + 1, cols_);
    chunk.grad.topRows(d).noalias() = x.transpose() * chunk.z;
    chunk.grad.row(d) = chunk.z.colwise().sum();
  }
};

struct SolveResult {
  Eigen::VectorXd theta;
  double objective = 0;
  int iterations = 0;
  bool converged = false;
  bool deadline_hit = false;
};

// Limited-memory BFGS with a backtracking (Armijo) line search. The objective
// is convex, so curvature pairs with s.y <= 0 only arise from rounding and are skipped.
SolveResult MinimizeLbfgs(LogisticObjective& objective, int max_iter, double tol, const Deadline& deadline) {
  constexpr int kMemory = 10;
  constexpr int kMaxHalvings = 50;
  constexpr double kArmijo = 1e-4;
  const double ftol = 64 * std::numeric_limits<double>::epsilon();

  SolveResult r;
  r.theta = objective.Start();
  Eigen::VectorXd grad;
  double f = objective.Evaluate(r.theta, grad);
  std::vector<Eigen::VectorXd> s_hist, y_hist;
  std::vector<double> rho_hist;
  Eigen::VectorXd direction, trial, trial_grad;
  std::vector<double> alpha(kMemory);

  while (true) {
    if (grad.lpNorm<Eigen::Infinity>() <= tol) {
      r.converged = true;
      break;
    }
    if (r.iterations >= max_iter) break;
    if (deadline.Expired()) {
      r.deadline_hit = true;
      break;
    }
    // Two-loop recursion: direction = -H * grad.
    direction = grad;
    const int m = static_cast<int>(s_hist.size());
    for (int i = m - 1; i >= 0; --i) {
      alpha[static_cast<size_t>(i)] = rho_hist[static_cast<size_t>(i)] * s_hist[static_cast<size_t>(i)].dot(direction);
      direction -= alpha[static_cast<size_t>(i)] * y_hist[static_cast<size_t>(i)];
    }
    if (m > 0) direction *= 1.0 / (rho_hist.back() * y_hist.back().squaredNorm());
    for (int i = 0; i < m; ++i) {
      double beta = rho_hist[static_cast<size_t>(i)] * y_hist[static_cast<size_t>(i)].dot(direction);
      direction += (alpha[static_cast<size_t>(i)] - beta) * s_hist[static_cast<size_t>(i)];
    }
    direction = -direction;
    double slope = grad.dot(direction);
    if (!(slope < 0)) {  // not a descent direction: restart from steepest descent
      s_hist.clear();
      y_hist.clear();
      rho_hist.clear();
      direction = -grad;
      slope = -grad.squaredNorm();
    }
    double step = s_hist.empty() ? std::min(1.0, 1.0 / grad.norm()) : 1.0;
    double f_trial = 0;
    bool accepted = false;
    for (int h = 0; h < kMaxHalvings; ++h, step *= 0.5) {
      trial = r.theta + step * direction;
      f_trial = objective.Evaluate(trial, trial_grad);
      if (std::isfinite(f_trial) && f_trial <= f + kArmijo * step * slope) {
        accepted = true;
        break;
      }
    }
    if (!accepted) break;  // no decrease possible in floating point; gradient still above tol
    Eigen::VectorXd s_new = trial - r.theta;
    Eigen::VectorXd y_new = trial_grad - grad;
    const double sy = s_new.dot(y_new);
    if (sy > 1e-12 * s_new.norm() * y_new.norm()) {
      if (static_cast<int>(s_hist.size()) == kMemory) {
        s_hist.erase(s_hist.begin());
        y_hist.erase(y_hist.begin());
        rho_hist.erase(rho_hist.begin());
      }
      s_hist.push_back(std::move(s_new));
      y_hist.push_back(std::move(y_new));
      rho_hist.push_back(1.0 / sy);
    }
    const double f_old = f;
    r.theta.swap(trial);
    grad.swap(trial_grad);
    f = f_trial;
    ++r.iterations;
    if (f_old - f <= ftol * std::max({std::abs(f_old), std::abs(f), 1.0})) {
      r.converged = true;
      break;
    }
  }
  r.objective = f;
  return r;
}

class LinearModel final : public Model {
 public:
  LinearModel(Task task, int num_classes, size_t num_features, int cols, std::vector<double> coef, int iterations,
              bool converged, bool deadline_hit, double objective, double c)
      : task_(task),
        num_classes_(num_classes),
        num_features_(num_features),
        cols_(cols),
        coef_(std::move(coef)),
        iterations_(iterations),
        converged_(converged),
        deadline_hit_(deadline_hit),
        objective_(objective),
        c_(c) {}

  int num_outputs() const override { return IsClassification(task_) ? num_classes_ : 1; }

  void Predict(const Matrix& x, float* out, int threads) const override {
    if (x.cols != num_features_) {
      throw InvalidInput("linear model expects " + std::to_string(num_features_) + " feature columns, got " +
                         std::to_string(x.cols));
    }
    const size_t stride = num_features_ + 1;
    const size_t outputs = static_cast<size_t>(num_outputs());
    ParallelFor(x.rows, threads, [&](size_t begin, size_t end, int) {
      // On the stack for up to 16 classes: one row (the one-row path) allocates nothing.
      std::array<double, 16> small{};
      std::vector<double> big;
      if (static_cast<size_t>(cols_) > small.size()) big.resize(static_cast<size_t>(cols_));
      double* z = big.empty() ? small.data() : big.data();
      for (size_t r = begin; r < end; ++r) {
        const float* row = x.row(r);
        for (size_t k = 0; k < static_cast<size_t>(cols_); ++k) {
          const double* w = coef_.data() + k * stride;
          double acc = w[num_features_];
          for (size_t j = 0; j < num_features_; ++j) acc += w[j] * Finite(row[j]);
          z[k] = acc;
        }
        float* o = out + r * outputs;
        if (task_ == Task::kRegression) {
          o[0] = static_cast<float>(z[0]);
        } else if (task_ == Task::kBinary) {
          const double p = z[0] >= 0 ? 1.0 / (1.0 + std::exp(-z[0])) : std::exp(z[0]) / (1.0 + std::exp(z[0]));
          o[0] = static_cast<float>(1.0 - p);
          o[1] = static_cast<float>(p);
        } else {
          const double zmax = *std::max_element(z, z + cols_);
          double sum = 0;
          for (double* v = z; v != z + cols_; ++v) sum += (*v = std::exp(*v - zmax));
          for (size_t k = 0; k < outputs; ++k) o[k] = static_cast<float>(z[k] / sum);
        }
      }
    });
  }

  std::optional<LinearForm> AsLinear() const override {
    LinearForm form;
    form.link = task_ == Task::kRegression ? LinearForm::Link::kIdentity
                : task_ == Task::kBinary   ? LinearForm::Link::kLogistic
                                           : LinearForm::Link::kSoftmax;
    form.features = num_features_;
    form.raw = static_cast<size_t>(cols_);
    const size_t stride = num_features_ + 1;
    for (size_t k = 0; k < form.raw; ++k) {
      const double* w = coef_.data() + k * stride;
      form.weights.insert(form.weights.end(), w, w + num_features_);
      form.intercepts.push_back(w[num_features_]);
    }
    return form;
  }

  std::string Serialize() const override {
    ByteWriter w;
    w.Reserve(kHeaderBytes + 8 * coef_.size());
    WriteModelHeader(w, std::string_view(kMagic, sizeof kMagic), kVersion, task_, num_classes_);
    w.U64(num_features_);
    w.U32(static_cast<uint32_t>(cols_));
    w.U32(static_cast<uint32_t>(iterations_));
    w.U8(static_cast<uint8_t>((converged_ ? 1 : 0) | (deadline_hit_ ? 2 : 0)));
    w.F64(objective_);
    w.F64(c_);
    for (double v : coef_) w.F64(v);
    return w.TakeSealed();
  }

  static std::unique_ptr<Model> Deserialize(std::string_view bytes) {
    ByteReader r(bytes, kCorrupt);
    const ModelHeader header =
        ReadModelHeader(r, std::string_view(kMagic, sizeof kMagic), kVersion, "a linear model", kOldestVersion);
    if (header.version >= 2) r.Unseal();
    const Task task = header.task;
    const uint32_t num_classes = header.num_classes;
    const uint64_t num_features = r.U64("num_features");
    const uint32_t cols = r.U32("num_columns");
    const uint32_t iterations = r.U32("iterations");
    const uint8_t flags = r.U8("flags");
    const double objective = r.F64("objective");
    const double c = r.F64("C");
    const uint32_t expected_cols = task == Task::kMulticlass ? num_classes : 1;
    if (cols != expected_cols) r.Fail("column count " + std::to_string(cols) + " does not match the task");
    if (num_features == 0 || flags > 3) r.Fail("bad header");
    // Exact size check before allocating anything: guards against huge counts in garbage bytes.
    if (num_features > r.remaining() / 8 || (num_features + 1) > r.remaining() / 8 / cols ||
        r.remaining() != (num_features + 1) * cols * 8) {
      r.Fail(std::to_string(r.remaining()) + " coefficient bytes do not match " + std::to_string(num_features) +
             " features x " + std::to_string(cols) + " columns");
    }
    std::vector<double> coef((num_features + 1) * cols);
    for (double& v : coef) {
      v = r.F64("coefficients");
      if (!std::isfinite(v)) r.Fail("non-finite coefficient");
    }
    return std::make_unique<LinearModel>(task, static_cast<int>(num_classes), static_cast<size_t>(num_features),
                                         static_cast<int>(cols), std::move(coef), static_cast<int>(iterations),
                                         (flags & 1) != 0, (flags & 2) != 0, objective, c);
  }

  Json Info() const override {
    Json info = Json::object();
    info["model"] =
        task_ == Task::kRegression ? "ridge" : (task_ == Task::kBinary ? "logistic" : "multinomial_logistic");
    info["C"] = c_;
    info["num_features"] = num_features_;
    info["iterations"] = iterations_;
    info["converged"] = converged_;
    info["stopped_by_deadline"] = deadline_hit_;
    info["objective"] = objective_;
    return info;
  }

 private:
  Task task_;
  int num_classes_;
  size_t num_features_;
  int cols_;                  // 1 for binary and regression, num_classes for multiclass
  std::vector<double> coef_;  // cols_ * (num_features_ + 1), column-major, intercept last
  int iterations_;
  bool converged_;
  bool deadline_hit_;
  double objective_;
  double c_;
};

// Ridge in closed form on weighted, centered data:
//   w = (Xc' S Xc + I / C)^-1 Xc' S yc,   b = ybar - xbar' w.
std::unique_ptr<Model> FitRidge(const TrainData& train, size_t n, double c) {
  RowMatrixXd x = ToDouble(*train.x);
  const Eigen::Index d = x.cols();
  const Eigen::VectorXd raw = RawWeights(train, n);
  const Eigen::VectorXd s = raw / raw.sum();
  Eigen::VectorXd y(static_cast<Eigen::Index>(n));
  for (size_t i = 0; i < n; ++i) y[static_cast<Eigen::Index>(i)] = (*train.y)[i];
  const Eigen::RowVectorXd xbar = s.transpose() * x;
  const double ybar = s.dot(y);
  // Rows scaled by sqrt(raw weight): then X'X is the weighted Gram matrix.
  const Eigen::VectorXd root = raw.cwiseSqrt();
  x.rowwise() -= xbar;
  x.array().colwise() *= root.array();
  y.array() -= ybar;
  y.array() *= root.array();
  Eigen::MatrixXd gram = Eigen::MatrixXd::Zero(d, d);
  gram.selfadjointView<Eigen::Lower>().rankUpdate(x.transpose());
  gram.diagonal().array() += 1.0 / c;
  const Eigen::VectorXd rhs = x.transpose() * y;
  Eigen::LLT<Eigen::MatrixXd> llt(gram.selfadjointView<Eigen::Lower>());
  if (llt.info() != Eigen::Success) throw Internal("linear: ridge normal equations are not positive definite");
  const Eigen::VectorXd w = llt.solve(rhs);
  std::vector<double> coef(static_cast<size_t>(d) + 1);
  for (Eigen::Index j = 0; j < d; ++j) coef[static_cast<size_t>(j)] = w[j];
  coef[static_cast<size_t>(d)] = ybar - xbar.dot(w);
  for (double v : coef) {
    if (!std::isfinite(v)) throw Internal("linear: ridge solution is not finite");
  }
  const double objective = (y - x * w).squaredNorm() + w.squaredNorm() / c;
  return std::make_unique<LinearModel>(Task::kRegression, 1, static_cast<size_t>(d), 1, std::move(coef), 0, true, false,
                                       objective, c);
}

std::unique_ptr<Model> FitLogistic(const TrainData& train, size_t n, const FitOptions& options, double c, int max_iter,
                                   double tol) {
  const RowMatrixXd x = ToDouble(*train.x);
  const Eigen::VectorXd raw = RawWeights(train, n);
  const double total = raw.sum();
  LogisticObjective objective(x, *train.y, raw / total, options.task, options.num_classes, 1.0 / (c * total),
                              std::max(1, options.threads));
  SolveResult r = MinimizeLbfgs(objective, max_iter, tol, options.deadline);
  std::vector<double> coef(r.theta.data(), r.theta.data() + r.theta.size());
  for (double v : coef) {
    if (!std::isfinite(v)) throw Internal("linear: logistic regression diverged");
  }
  return std::make_unique<LinearModel>(options.task, options.num_classes, x.cols(), objective.cols(), std::move(coef),
                                       r.iterations, r.converged, r.deadline_hit, r.objective, c);
}

class LinearLearner final : public Learner {
 public:
  explicit LinearLearner(Params params) : params_(std::move(params)) {}
  const std::string& family() const override { return kFamily; }
  const Params& params() const override { return params_; }
  FeatureFlavor flavor() const override { return FeatureFlavor::kDense; }
  bool early_stops() const override { return false; }

  std::unique_ptr<Model> Fit(const TrainData& train, const TrainData* valid, const FitOptions& options) const override {
    CheckFitData(kFamily, train, valid, options);
    const size_t n = train.x->rows;
    const double c = params_.Float("C");
    if (options.task == Task::kRegression) return FitRidge(train, n, c);
    return FitLogistic(train, n, options, c, static_cast<int>(params_.Int("max_iter")), params_.Float("tol"));
  }

  std::unique_ptr<Model> Load(std::string_view bytes, const FitOptions& /*options*/) const override {
    return LinearModel::Deserialize(bytes);
  }

 private:
  Params params_;
};

}  // namespace

const std::vector<ParamSpec>& LinearParamSpecs() {
  static const std::vector<ParamSpec> specs = {
      {"C",
       ParamSpec::Kind::kFloat,
       1.0,
       1e-6,
       1e6,
       {},
       "inverse L2 regularization strength (scikit-learn's C; ridge uses alpha = 1/C)"},
      {"max_iter", ParamSpec::Kind::kInt, 200, 1, 100000, {}, "maximum L-BFGS iterations (logistic models)"},
      {"tol",
       ParamSpec::Kind::kFloat,
       1e-6,
       1e-12,
       1.0,
       {},
       "stop when the largest gradient component of the per-sample objective is below this"},
  };
  return specs;
}

std::unique_ptr<Learner> CreateLinearLearner(const Json& params) {
  return std::make_unique<LinearLearner>(Params::Validate(LinearParamSpecs(), params, kFamily));
}

void RegisterLinearLearner(LearnerRegistry& registry) {
  registry.Register({kFamily, "L2-regularized logistic (binary, multinomial) and ridge regression", LinearParamSpecs(),
                     [](const Json& params) { return CreateLinearLearner(params); }});
}

}  // namespace tabpilot
