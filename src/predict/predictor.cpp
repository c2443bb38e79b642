#include "predict/predictor.h"

#include <cstdio>
#include <map>
#include <set>

#include "core/error.h"
#include "core/log.h"
#include "data/csv_reader.h"
#include "data/type_inference.h"
#include "model/stacking.h"

namespace tabpilot {

Predictor::Predictor(Bundle bundle, const Options& options) : bundle_(std::move(bundle)), options_(options) {
  // Predict sizes its buffers from the problem: every model must write
  // exactly that many values per row.
  const int k = bundle_.problem.num_outputs();
  std::set<std::string> seen;
  for (const BundleMember& m : bundle_.members) {
    if (m.folds.empty()) throw InvalidInput("member " + m.name + " has no fold models");
    for (const std::unique_ptr<Model>& f : m.folds) {
      if (f == nullptr || f->num_outputs() != k) {
        throw InvalidInput("member " + m.name + " predicts a different number of values per row than the problem's " +
                           std::to_string(k));
      }
    }
    if (!bundle_.pipelines.count(m.pipeline))
      throw InvalidInput("member " + m.name + " names an unknown feature pipeline");
    for (const std::string& input : m.stack_inputs) {
      if (!seen.count(input)) throw InvalidInput("member " + m.name + " stacks on unknown member '" + input + "'");
    }
    seen.insert(m.name);
  }
  // Members whose fold models feed level-2 members fold by fold
  // (BundleMember::stack_input_folds): name -> folds per bag.
  std::map<std::string, size_t> aligned;
  for (const BundleMember& m : bundle_.members) {
    if (m.stack_input_folds <= 0) continue;
    for (const std::string& name : m.stack_inputs) aligned[name] = static_cast<size_t>(m.stack_input_folds);
  }
  for (const BundleMember& m : bundle_.members) {
    auto it = aligned.find(m.name);
    plans_.push_back(PlanMember(m, it == aligned.end() ? 0 : it->second, !options_.reference));
  }
}

std::unique_ptr<Predictor> Predictor::Load(const std::filesystem::path& dir, const Options& options) {
  LearnerRegistry learners = LearnerRegistry::WithBuiltins();
  return FromBundle(LoadBundle(dir, learners, options.load), options);
}

std::unique_ptr<Predictor> Predictor::FromBundle(Bundle bundle, const Options& options) {
  return std::unique_ptr<Predictor>(new Predictor(std::move(bundle), options));  // NOLINT: private constructor
}

namespace {

Matrix Mean(const std::vector<double>& acc, size_t rows, size_t k, double n) {
  Matrix out(rows, k);
  for (size_t i = 0; i < rows * k; ++i) out.values[i] = static_cast<float>(acc[i] / n);
  return out;
}

}  // namespace

Matrix Predictor::StackedRows(size_t m, const Matrix& features, const std::vector<MemberOutput>& outputs,
                              size_t group) const {
  const BundleMember& member = bundle_.members.at(m);
  std::vector<const Matrix*> inputs;
  for (const std::string& name : member.stack_inputs) {
    size_t l = 0;
    while (l < m && bundle_.members[l].name != name) ++l;
    if (l == m || l >= outputs.size()) throw Internal("stack input " + name + " has no predictions yet");
    inputs.push_back(&outputs[l].ForFold(group));
  }
  return AppendStackFeatures(features, inputs, bundle_.problem.task);
}

std::vector<Predictor::MemberOutput> Predictor::MemberOutputs(const Table& table, int threads) const {
  const size_t rows = table.num_rows();
  const size_t k = static_cast<size_t>(bundle_.problem.num_outputs());
  std::map<std::string, Matrix> features;  // each pipeline transforms once
  std::vector<MemberOutput> outputs;       // per member (stack inputs are reused)
  outputs.reserve(bundle_.members.size());
  std::vector<float> buf(rows * k, 0.0f);
  // Members are stored in level order, so stack inputs are always computed first.
  for (size_t mi = 0; mi < bundle_.members.size(); ++mi) {
    const BundleMember& m = bundle_.members[mi];
    const MemberPlan& plan = plans_[mi];
    auto it = features.find(m.pipeline);
    if (it == features.end()) {
      it = features.emplace(m.pipeline, bundle_.pipelines.at(m.pipeline).Transform(table, threads)).first;
    }
    std::vector<double> acc(rows * k, 0.0);
    std::vector<std::vector<double>> fold_acc(plan.per_bag, std::vector<double>(rows * k, 0.0));
    Matrix stacked;
    size_t stacked_group = plan.groups;  // none yet
    for (const FoldCell& cell : plan.cells) {
      // The stack inputs' predictions this cell's fold models see.
      const Matrix* x = &it->second;
      if (!m.stack_inputs.empty()) {
        if (stacked_group != cell.group) {
          stacked = StackedRows(mi, *x, outputs, cell.group);
          stacked_group = cell.group;
        }
        x = &stacked;
      }
      std::vector<double>* by_index = plan.per_bag > 0 ? &fold_acc[cell.fold_index] : nullptr;
      if (cell.compiled != nullptr) {
        // The cell's mean, counted once per fold model in it.
        cell.compiled->Predict(*x, buf.data(), threads);
        const auto n = static_cast<double>(cell.folds.size());
        for (size_t i = 0; i < rows * k; ++i) acc[i] += n * buf[i];
        if (by_index != nullptr) {
          for (size_t i = 0; i < rows * k; ++i) (*by_index)[i] += n * buf[i];
        }
        continue;
      }
      for (size_t j : cell.folds) {
        m.folds[j]->Predict(*x, buf.data(), threads);
        for (size_t i = 0; i < rows * k; ++i) acc[i] += buf[i];
        if (by_index != nullptr) {
          for (size_t i = 0; i < rows * k; ++i) (*by_index)[i] += buf[i];
        }
      }
    }
    const auto folds = static_cast<double>(m.folds.size());
    MemberOutput out;
    out.bagged = Mean(acc, rows, k, folds);
    for (const std::vector<double>& f : fold_acc) {
      out.by_fold.push_back(Mean(f, rows, k, folds / static_cast<double>(plan.per_bag)));
    }
    outputs.push_back(std::move(out));
  }
  return outputs;
}

Matrix Predictor::Combine(const std::vector<MemberOutput>& outputs) const {
  if (outputs.size() != bundle_.members.size()) throw Internal("one prediction per member expected");
  const size_t k = static_cast<size_t>(bundle_.problem.num_outputs());
  const size_t rows = outputs.empty() ? 0 : outputs[0].bagged.rows;
  double total = 0;
  std::vector<double> acc(rows * k, 0.0);
  for (size_t mi = 0; mi < outputs.size(); ++mi) {
    const double w = bundle_.members[mi].weight;
    if (w <= 0) continue;
    total += w;
    const Matrix& p = outputs[mi].bagged;
    for (size_t i = 0; i < rows * k; ++i) acc[i] += w * p.values[i];
  }
  if (total <= 0) throw Internal("model has no member with positive weight");
  return Mean(acc, rows, k, total);
}

Matrix Predictor::Predict(const Table& table, int threads) const { return Combine(MemberOutputs(table, threads)); }

std::vector<int> Predictor::ClassIndices(const Matrix& p) const {
  std::vector<int> out(p.rows, 0);
  if (bundle_.problem.task == Task::kBinary) {
    int pos = bundle_.problem.positive_class;
    for (size_t r = 0; r < p.rows; ++r) {
      out[r] = p.at(r, static_cast<size_t>(pos)) >= bundle_.problem.threshold ? pos : 1 - pos;
    }
  } else {
    for (size_t r = 0; r < p.rows; ++r) {
      size_t best = 0;
      for (size_t c = 1; c < p.cols; ++c) {
        if (p.at(r, c) > p.at(r, best)) best = c;
      }
      out[r] = static_cast<int>(best);
    }
  }
  return out;
}

std::vector<std::string> Predictor::Labels(const Matrix& p) const {
  std::vector<std::string> out;
  out.reserve(p.rows);
  if (bundle_.problem.task == Task::kRegression) {
    char buf[40];
    for (size_t r = 0; r < p.rows; ++r) {
      std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(p.at(r, 0)));
      out.emplace_back(buf);
    }
    return out;
  }
  for (int c : ClassIndices(p)) out.push_back(bundle_.problem.class_labels[static_cast<size_t>(c)]);
  return out;
}

Table BuildPredictionInput(const RawTable& raw, const Schema& schema, const Logger& logger) {
  BuildReport report;
  Table table = BuildPredictionChunk(raw, schema, 0, report);
  WarnCoercedCells(raw.source(), report, logger);
  return table;
}

Table BuildPredictionChunk(const RawTable& raw, const Schema& schema, int threads, BuildReport& report) {
  BuildOptions build;
  build.lenient = true;
  build.threads = threads;
  return BuildTable(raw, schema, build, &report);
}

void WarnCoercedCells(const std::string& source, const BuildReport& report, const Logger& logger) {
  for (const auto& [column, count] : report.coerced) {
    if (count > 0) {
      logger.Warn(source + ": column '" + column + "': " + std::to_string(count) +
                  " value(s) did not parse as the training type and were treated as missing");
    }
  }
}

}  // namespace tabpilot
