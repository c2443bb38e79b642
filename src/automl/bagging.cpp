#include "automl/bagging.h"

#include <algorithm>

#include "automl/folds.h"
#include "core/error.h"

namespace tabpilot {

BaggedFit FitBagged(const Learner& learner, const Matrix& x, const std::vector<float>& y,
                    const std::vector<int>& folds, const FitOptions& fit, const BaggingOptions& options) {
  BaggedFit out;
  const size_t k = static_cast<size_t>(fit.task == Task::kRegression ? 1 : fit.num_classes);
  out.oof = Matrix(x.rows, k, 0.0f);
  out.info = Json::array();
  std::vector<size_t> train_rows, held_rows;
  std::vector<float> y_train, y_held;
  std::vector<float> pred;
  for (int f = 0; f < options.num_folds; ++f) {
    if (options.deadline.Expired() && !options.must_complete) return out;
    SplitFold(folds, f, &train_rows, &held_rows);
    if (held_rows.empty() || train_rows.empty()) throw Internal("empty fold in bagging");
    Matrix x_train = x.SelectRows(train_rows);
    Matrix x_held = x.SelectRows(held_rows);
    y_train.clear();
    y_held.clear();
    for (size_t r : train_rows) y_train.push_back(y[r]);
    for (size_t r : held_rows) y_held.push_back(y[r]);

    FitOptions fo = fit;
    fo.seed = fit.seed + static_cast<uint64_t>(f) * 1000003ULL;
    fo.deadline = options.split_remaining_time
                      ? options.deadline.Sub(options.deadline.Remaining() / (options.num_folds - f))
                      : options.deadline;
    TrainData train{&x_train, &y_train, nullptr};
    TrainData held{&x_held, &y_held, nullptr};
    Stopwatch fit_clock;
    std::unique_ptr<Model> model = learner.Fit(train, learner.uses_validation() ? &held : nullptr, fo);
    out.fit_seconds += fit_clock.Seconds();

    pred.assign(held_rows.size() * k, 0.0f);
    Stopwatch predict_clock;
    model->Predict(x_held, pred.data(), fit.threads);
    out.predict_ms_per_1k += predict_clock.Seconds() * 1000.0 * 1000.0 / static_cast<double>(held_rows.size());
    for (size_t i = 0; i < held_rows.size(); ++i) {
      std::copy_n(pred.data() + i * k, k, out.oof.row(held_rows[i]));
    }
    out.info.push_back(model->Info());
    out.folds.push_back(std::move(model));
  }
  out.complete = true;
  return out;
}

}  // namespace tabpilot
