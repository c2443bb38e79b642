#include "automl/bagging.h"

#include <algorithm>
#include <cmath>

#include "automl/folds.h"
#include "core/error.h"
#include "core/parallel.h"

namespace tabpilot {
namespace {

// What one fold produced; merged into BaggedFit in fold order.
struct FoldFit {
  std::unique_ptr<Model> model;
  std::vector<size_t> held_rows;
  std::vector<float> pred;  // held_rows.size() x outputs
  double fit_seconds = 0;
};

FoldFit FitFold(const Learner& learner, const Matrix& x, const std::vector<float>& y, const std::vector<int>& folds,
                int fold, size_t outputs, FitOptions fo) {
  FoldFit out;
  std::vector<size_t> train_rows;
  SplitFold(folds, fold, &train_rows, &out.held_rows);
  if (out.held_rows.empty() || train_rows.empty()) throw Internal("empty fold in bagging");
  // Learners that take a row view read the fold's rows from the shared
  // matrix; the others get a copy of them.
  const bool view = learner.takes_row_view();
  const Matrix x_train = view ? Matrix() : x.SelectRows(train_rows);
  const Matrix x_held = x.SelectRows(out.held_rows);
  std::vector<float> y_train, y_held;
  y_train.reserve(train_rows.size());
  y_held.reserve(out.held_rows.size());
  for (size_t r : train_rows) y_train.push_back(y[r]);
  for (size_t r : out.held_rows) y_held.push_back(y[r]);
  TrainData train = view ? TrainData{&x, &y_train, nullptr, &train_rows} : TrainData{&x_train, &y_train, nullptr};
  TrainData held{&x_held, &y_held, nullptr};
  Stopwatch fit_clock;
  out.model = learner.Fit(train, learner.early_stops() ? &held : nullptr, fo);
  out.fit_seconds = fit_clock.Seconds();
  out.pred.assign(out.held_rows.size() * outputs, 0.0f);
  out.model->Predict(x_held, out.pred.data(), fo.threads);
  return out;
}

// One fit on all rows; the learner's own out-of-sample predictions are the OOF.
BaggedFit FitOwnOOF(const Learner& learner, const Matrix& x, const std::vector<float>& y, const FitOptions& fit,
                    const BaggingOptions& options) {
  BaggedFit out;
  out.own_oof = true;
  out.info = Json::array();
  if (options.deadline.Expired() && !options.must_complete) return out;
  FitOptions fo = fit;
  fo.deadline = options.deadline;
  Stopwatch fit_clock;
  std::unique_ptr<Model> model = learner.FitWithOwnOOF(TrainData{&x, &y, nullptr}, fo, &out.oof);
  out.fit_seconds = fit_clock.Seconds();
  // A fit the deadline cut short has too few trees left out of each row.
  if (options.deadline.Expired() && !options.must_complete) return out;
  const size_t k = static_cast<size_t>(fit.task == Task::kRegression ? 1 : fit.num_classes);
  if (out.oof.rows != x.rows || out.oof.cols != k) throw Internal(learner.family() + ": OOF of the wrong shape");
  Json info = model->Info();
  info["oof"] = "own";
  out.info.push_back(std::move(info));
  out.folds.push_back(std::move(model));
  out.complete = true;
  return out;
}

}  // namespace

int ConcurrentFolds(size_t rows, size_t cols, int folds, int threads, double room_bytes) {
  const int k = std::max(2, folds);
  const double train_cells = static_cast<double>(rows) * (k - 1) / k * static_cast<double>(cols);
  const double by_memory = std::floor(room_bytes / std::max(1.0, train_cells * kFoldBytesPerCell));
  const int most = std::max(1, std::min(threads, folds));
  return by_memory >= most ? most : std::max(1, static_cast<int>(by_memory));
}

BaggedFit FitBagged(const Learner& learner, const Matrix& x, const std::vector<float>& y, const std::vector<int>& folds,
                    const FitOptions& fit, const BaggingOptions& options) {
  if (options.allow_own_oof && learner.has_own_oof()) return FitOwnOOF(learner, x, y, fit, options);
  BaggedFit out;
  const size_t k = static_cast<size_t>(fit.task == Task::kRegression ? 1 : fit.num_classes);
  out.oof = Matrix(x.rows, k, 0.0f);
  out.info = Json::array();
  const int total = options.num_folds;
  const int wave = std::clamp(options.concurrent_folds, 1, std::max(1, total));
  const int threads_per_fold = std::max(1, fit.threads / wave);
  for (int first = 0; first < total; first += wave) {
    if (options.deadline.Expired() && !options.must_complete) return out;
    const int n = std::min(wave, total - first);
    // The wave gets the time of n sequential folds out of those left.
    const Deadline deadline = options.split_remaining_time
                                  ? options.deadline.Sub(options.deadline.Remaining() * n / (total - first))
                                  : options.deadline;
    std::vector<FoldFit> fitted(static_cast<size_t>(n));
    ParallelFor(static_cast<size_t>(n), n, [&](size_t begin, size_t end, int) {
      for (size_t i = begin; i < end; ++i) {
        const int f = first + static_cast<int>(i);
        FitOptions fo = fit;
        fo.seed = fit.seed + static_cast<uint64_t>(f) * 1000003ULL;
        fo.threads = threads_per_fold;
        fo.deadline = deadline;
        fitted[i] = FitFold(learner, x, y, folds, f, k, fo);
      }
    });
    for (FoldFit& ff : fitted) {
      out.fit_seconds += ff.fit_seconds;
      for (size_t i = 0; i < ff.held_rows.size(); ++i) {
        std::copy_n(ff.pred.data() + i * k, k, out.oof.row(ff.held_rows[i]));
      }
      out.info.push_back(ff.model->Info());
      out.folds.push_back(std::move(ff.model));
    }
  }
  out.complete = true;
  return out;
}

}  // namespace tabpilot
