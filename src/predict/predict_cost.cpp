#include "predict/predict_cost.h"

#include <algorithm>

#include "compiled/model_compiler.h"
#include "core/deadline.h"
#include "core/error.h"
#include "model/stacking.h"

namespace tabpilot {
namespace {

// The mean of `member`'s served models on `x`, evaluated as `plan` says
// (what Predictor::Predict does for one member, without fold alignment).
Matrix MemberMean(const BundleMember& member, const MemberPlan& plan, const Matrix& x, size_t k, int threads) {
  const size_t n = x.rows * k;
  std::vector<double> acc(n, 0.0);
  std::vector<float> buf(n, 0.0f);
  for (const FoldCell& cell : plan.cells) {
    if (cell.compiled != nullptr) {
      cell.compiled->Predict(x, buf.data(), threads);
      const auto weight = static_cast<double>(cell.folds.size());
      for (size_t i = 0; i < n; ++i) acc[i] += weight * buf[i];
      continue;
    }
    for (size_t j : cell.folds) {
      member.folds[j]->Predict(x, buf.data(), threads);
      for (size_t i = 0; i < n; ++i) acc[i] += buf[i];
    }
  }
  Matrix out(x.rows, k);
  const auto folds = static_cast<double>(std::max<size_t>(1, member.folds.size()));
  for (size_t i = 0; i < n; ++i) out.values[i] = static_cast<float>(acc[i] / folds);
  return out;
}

}  // namespace

std::vector<size_t> CostRowIndices(size_t rows) {
  std::vector<size_t> idx(kCostRows);
  for (size_t i = 0; i < kCostRows; ++i) idx[i] = rows == 0 ? 0 : i % rows;
  return idx;
}

Table CostRows(const Table& table) { return table.SelectRows(CostRowIndices(table.num_rows())); }

double MedianMicrosPerRow(const std::function<void()>& fn, size_t rows, const PredictCostOptions& options) {
  if (rows == 0) throw Internal("a predict cost needs at least one row");
  const double per_row = 1e6 / static_cast<double>(rows);
  Stopwatch first;
  fn();  // also the warm-up: first-touch allocations and caches
  const double first_seconds = first.Seconds();
  if (first_seconds > options.max_repeat_seconds || options.deadline.Expired()) return first_seconds * per_row;
  std::vector<double> seconds;
  for (int r = 0; r < std::max(1, options.repeats); ++r) {
    Stopwatch clock;
    fn();
    seconds.push_back(clock.Seconds());
  }
  std::sort(seconds.begin(), seconds.end());
  return seconds[seconds.size() / 2] * per_row;
}

double ModelMicrosPerRow(const Model& model, const std::string& family, const Matrix& x,
                         const PredictCostOptions& options) {
  std::vector<float> buf(x.rows * static_cast<size_t>(model.num_outputs()));
  if (const ModelCompiler compiler = FindModelCompiler(family); compiler != nullptr) {
    const CompiledForest forest = compiler(model.Serialize());
    return MedianMicrosPerRow([&] { forest.Predict(x, buf.data(), options.threads); }, x.rows, options);
  }
  return MedianMicrosPerRow([&] { model.Predict(x, buf.data(), options.threads); }, x.rows, options);
}

BundleCost MeasureBundleCost(const Predictor& predictor, const Table& rows, const PredictCostOptions& options) {
  const Bundle& bundle = predictor.bundle();
  const size_t n = rows.num_rows();
  const auto k = static_cast<size_t>(bundle.problem.num_outputs());
  BundleCost cost;
  std::map<std::string, Matrix> features;
  std::map<std::string, Matrix> outputs;  // each member's mean, fed to level 2
  for (size_t m = 0; m < bundle.members.size(); ++m) {
    const BundleMember& member = bundle.members[m];
    const MemberPlan& plan = predictor.plans()[m];
    auto it = features.find(member.pipeline);
    if (it == features.end()) {
      const FeaturePipeline& pipeline = bundle.pipelines.at(member.pipeline);
      Matrix transformed;
      cost.pipelines[member.pipeline] =
          MedianMicrosPerRow([&] { transformed = pipeline.Transform(rows, options.threads); }, n, options);
      it = features.emplace(member.pipeline, std::move(transformed)).first;
    }
    Matrix stacked;
    const Matrix* x = &it->second;
    if (!member.stack_inputs.empty()) {
      std::vector<const Matrix*> inputs;
      for (const std::string& name : member.stack_inputs) inputs.push_back(&outputs.at(name));
      stacked = AppendStackFeatures(*x, inputs, bundle.problem.task);
      x = &stacked;
    }
    Matrix output;
    cost.members.push_back(
        MedianMicrosPerRow([&] { output = MemberMean(member, plan, *x, k, options.threads); }, n, options));
    outputs.emplace(member.name, std::move(output));
  }
  cost.total = MedianMicrosPerRow([&] { (void)predictor.Predict(rows); }, n, options);
  return cost;
}

}  // namespace tabpilot
