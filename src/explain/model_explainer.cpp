#include "explain/model_explainer.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

#include "core/error.h"
#include "explain/linear_unit.h"
#include "explain/link_attribution.h"
#include "explain/tree_unit.h"
#include "model/stacking.h"

namespace tabpilot {
namespace {

// A member's attributions over the input columns: bagged, and by fold index
// for the members level-2 members align on (as Predictor::MemberOutput).
struct MemberValues {
  std::vector<double> bagged;                // rows x outputs x columns
  std::vector<std::vector<double>> by_fold;  // the same per fold index
  std::vector<double> base;                  // per output

  const std::vector<double>& ForFold(size_t g) const { return by_fold.empty() ? bagged : by_fold[g % by_fold.size()]; }
};

Matrix FirstRows(const Matrix& x, size_t n) {
  n = std::min(n, x.rows);
  Matrix out(n, x.cols);
  std::copy_n(x.values.begin(), n * x.cols, out.values.begin());
  return out;
}

// The sampling of fold model j of a member with `folds` of them. A bagged
// member's values are the mean of its fold models' values, so the member's
// budget of orderings is split over them (at least one antithetic pair
// each), every fold model drawing its own orderings: the mean then carries
// about the noise of one model sampled with the whole budget, at 1 / folds
// of the cost. The sums stay exact (each fold model's do).
SamplingOptions FoldSampling(const SamplingOptions& member, size_t folds, size_t j) {
  SamplingOptions out = member;
  const auto n = static_cast<int>(std::max<size_t>(folds, 1));
  const int per = (member.orderings + n - 1) / n;
  out.orderings = std::max(2, per + per % 2);
  out.seed = member.seed + j;
  return out;
}

}  // namespace

const char* ExplainScaleName(ExplainScale scale) {
  switch (scale) {
    case ExplainScale::kLogOdds:
      return "log_odds";
    case ExplainScale::kProbability:
      return "probability";
    case ExplainScale::kRaw:
      break;
  }
  return "raw";
}

std::unique_ptr<ModelExplainer> ModelExplainer::Create(const Predictor& predictor, const Table& background,
                                                       const Options& options) {
  if (background.num_rows() == 0) throw InvalidInput("explain: the background has no rows");
  std::unique_ptr<ModelExplainer> out(new ModelExplainer(predictor));  // NOLINT: private constructor
  const Bundle& bundle = predictor.bundle();
  for (const ColumnSpec& c : bundle.input_schema.columns) out->columns_.push_back(c.name);
  std::map<std::string, size_t> column_index;
  for (size_t j = 0; j < out->columns_.size(); ++j) column_index[out->columns_[j]] = j;
  const size_t ncol = out->columns_.size();
  const size_t k = static_cast<size_t>(bundle.problem.num_outputs());

  const std::vector<Predictor::MemberOutput> bg_outputs = predictor.MemberOutputs(background, options.threads);
  std::map<std::string, Matrix> bg_features;
  std::map<std::string, size_t> member_index;
  for (size_t mi = 0; mi < bundle.members.size(); ++mi) {
    const BundleMember& m = bundle.members[mi];
    const MemberPlan& plan = predictor.plans()[mi];
    const FeaturePipeline& pipeline = bundle.pipelines.at(m.pipeline);
    auto feat = bg_features.find(m.pipeline);
    if (feat == bg_features.end()) {
      feat = bg_features.emplace(m.pipeline, pipeline.Transform(background, options.threads)).first;
    }
    MemberUnits units;
    // Players: the model's input columns, then one per stack column.
    for (const std::string& input : m.stack_inputs) {
      const size_t l = member_index.at(input);
      const size_t cols = StackColumns(bundle.problem.task, k);
      for (size_t c = 0; c < cols; ++c) {
        units.slots.push_back({l, bundle.problem.task == Task::kBinary ? size_t{1} : c});
      }
    }
    units.players.players = ncol + units.slots.size();
    for (size_t source : pipeline.feature_sources()) {
      auto it = column_index.find(pipeline.input_columns()[source]);
      if (it == column_index.end()) {
        throw InvalidInput("explain: member " + m.name + " reads column '" + pipeline.input_columns()[source] +
                           "', which the model's input schema lacks");
      }
      units.players.of_feature.push_back(static_cast<uint32_t>(it->second));
    }
    for (size_t s = 0; s < units.slots.size(); ++s) units.players.of_feature.push_back(static_cast<uint32_t>(ncol + s));

    for (const FoldCell& cell : plan.cells) {
      const Matrix x =
          m.stack_inputs.empty() ? feat->second : predictor.StackedRows(mi, feat->second, bg_outputs, cell.group);
      std::vector<WeightedUnit> cell_units;
      if (cell.compiled != nullptr) {
        cell_units.push_back(
            {MakeTreeUnit(*cell.compiled, units.players, &x, options.threads), static_cast<double>(cell.folds.size())});
      } else {
        for (size_t j : cell.folds) {
          const Model& model = *m.folds[j];
          if (std::optional<LinearForm> linear = model.AsLinear()) {
            cell_units.push_back({MakeLinearUnit(std::move(*linear), units.players, x), 1.0});
          } else {
            cell_units.push_back({MakeSamplingUnit(model, units.players, FirstRows(x, options.sampling_rows),
                                                   FoldSampling(options.sampling, m.folds.size(), j)),
                                  1.0});
          }
        }
      }
      for (const WeightedUnit& u : cell_units) {
        if (u.unit->outputs() != k) throw Internal("explain: a unit of " + m.name + " has the wrong output count");
      }
      units.cells.push_back(std::move(cell_units));
    }
    member_index[m.name] = mi;
    out->members_.push_back(std::move(units));
  }
  return out;
}

Json ModelExplainer::Methods() const {
  Json out = Json::array();
  const Bundle& bundle = predictor_.bundle();
  for (size_t mi = 0; mi < members_.size(); ++mi) {
    const BundleMember& m = bundle.members[mi];
    std::vector<std::string> methods;
    for (const auto& cell : members_[mi].cells) {
      for (const WeightedUnit& u : cell) {
        if (std::find(methods.begin(), methods.end(), u.unit->method()) == methods.end()) {
          methods.push_back(u.unit->method());
        }
      }
    }
    out.push_back({{"member", m.name},
                   {"family", m.family},
                   {"level", m.level},
                   {"weight", m.weight},
                   {"stack_inputs", m.stack_inputs},
                   {"methods", methods}});
  }
  return out;
}

Explanation ModelExplainer::Explain(const Table& table, ExplainScale scale, int threads) const {
  const Bundle& bundle = predictor_.bundle();
  const bool classification = IsClassification(bundle.problem.task);
  if (classification == (scale == ExplainScale::kRaw)) {
    throw InvalidInput(std::string("explain: the ") + ExplainScaleName(scale) + " scale does not fit a " +
                       TaskName(bundle.problem.task) + " model");
  }
  const size_t rows = table.num_rows();
  const size_t k = static_cast<size_t>(bundle.problem.num_outputs());
  const size_t ncol = columns_.size();
  const std::vector<Predictor::MemberOutput> outputs = predictor_.MemberOutputs(table, threads);
  std::map<std::string, Matrix> features;
  std::vector<MemberValues> values(members_.size());
  std::vector<double> unit_out;
  for (size_t mi = 0; mi < members_.size(); ++mi) {
    const BundleMember& m = bundle.members[mi];
    const MemberPlan& plan = predictor_.plans()[mi];
    const MemberUnits& units = members_[mi];
    auto feat = features.find(m.pipeline);
    if (feat == features.end()) {
      feat = features.emplace(m.pipeline, bundle.pipelines.at(m.pipeline).Transform(table, threads)).first;
    }
    const size_t np = units.players.players;
    MemberValues& mv = values[mi];
    mv.bagged.assign(rows * k * ncol, 0.0);
    mv.by_fold.assign(plan.per_bag, std::vector<double>(rows * k * ncol, 0.0));
    mv.base.assign(k, 0.0);
    std::vector<double> folded(rows * k * ncol);
    for (size_t ci = 0; ci < plan.cells.size(); ++ci) {
      const FoldCell& cell = plan.cells[ci];
      const Matrix stacked =
          m.stack_inputs.empty() ? Matrix() : predictor_.StackedRows(mi, feat->second, outputs, cell.group);
      const Matrix& x = m.stack_inputs.empty() ? feat->second : stacked;
      for (const WeightedUnit& u : units.cells[ci]) {
        unit_out.assign(rows * k * np, 0.0);
        u.unit->Explain(x, unit_out.data(), threads);
        // Onto the input columns: the stack slots through the stacked members' own values.
        for (size_t i = 0; i < rows; ++i) {
          for (size_t c = 0; c < k; ++c) {
            const double* src = unit_out.data() + (i * k + c) * np;
            double* dst = folded.data() + (i * k + c) * ncol;
            std::copy_n(src, ncol, dst);
            for (size_t s = 0; s < units.slots.size(); ++s) {
              const StackSlot& slot = units.slots[s];
              const std::vector<double>& shares = values[slot.member].ForFold(cell.group);
              Distribute(src[ncol + s], shares.data() + (i * k + slot.output) * ncol, ncol, dst);
            }
          }
        }
        for (size_t q = 0; q < folded.size(); ++q) mv.bagged[q] += u.weight * folded[q];
        if (plan.per_bag > 0) {
          std::vector<double>& by = mv.by_fold[cell.fold_index];
          for (size_t q = 0; q < folded.size(); ++q) by[q] += u.weight * folded[q];
        }
        for (size_t c = 0; c < k; ++c) mv.base[c] += u.weight * u.unit->base()[c];
      }
    }
    const auto folds = static_cast<double>(m.folds.size());
    for (double& v : mv.bagged) v /= folds;
    for (std::vector<double>& by : mv.by_fold) {
      for (double& v : by) v /= folds / static_cast<double>(plan.per_bag);
    }
    for (double& v : mv.base) v /= folds;
  }

  Explanation out;
  out.scale = scale;
  out.rows = rows;
  out.outputs = k;
  out.columns = ncol;
  out.values.assign(rows * k * ncol, 0.0);
  out.base.assign(k, 0.0);
  out.predicted = predictor_.Combine(outputs);
  double total = 0;
  for (size_t mi = 0; mi < members_.size(); ++mi) {
    const double w = bundle.members[mi].weight;
    if (w <= 0) continue;
    total += w;
    for (size_t q = 0; q < out.values.size(); ++q) out.values[q] += w * values[mi].bagged[q];
    for (size_t c = 0; c < k; ++c) out.base[c] += w * values[mi].base[c];
  }
  if (total <= 0) throw Internal("model has no member with positive weight");
  for (double& v : out.values) v /= total;
  for (double& v : out.base) v /= total;

  out.prediction.assign(rows * k, 0.0);
  std::vector<double> probability_base = out.base;
  if (scale == ExplainScale::kLogOdds) {
    for (size_t c = 0; c < k; ++c) {
      const double b = ClampProbability(out.base[c]);
      out.base[c] = std::log(b / (1.0 - b));
    }
  }
  for (size_t i = 0; i < rows; ++i) {
    for (size_t c = 0; c < k; ++c) {
      double* v = out.values.data() + (i * k + c) * ncol;
      double sum = 0;
      for (size_t j = 0; j < ncol; ++j) sum += v[j];
      if (scale == ExplainScale::kLogOdds) {
        const double slope = LogOddsSlope(probability_base[c], probability_base[c] + sum);
        sum = 0;
        for (size_t j = 0; j < ncol; ++j) sum += (v[j] *= slope);
      }
      out.prediction[i * k + c] = out.base[c] + sum;
    }
  }
  return out;
}

}  // namespace tabpilot
