#include "predict/row_predictor.h"

#include <algorithm>
#include <charconv>
#include <map>

#include "core/error.h"
#include "data/csv_reader.h"
#include "data/value_parse.h"
#include "model/stacking.h"
#include "predict/json_cell.h"

namespace tabpilot {

RowPredictor::RowPredictor(const Predictor& predictor, int threads)
    : predictor_(predictor),
      k_(static_cast<size_t>(predictor.problem().num_outputs())),
      threads_(std::max(1, threads)) {
  const Bundle& bundle = predictor.bundle();
  const Schema& schema = predictor.input_schema();
  std::map<std::string, size_t> column_index;
  for (size_t c = 0; c < schema.columns.size(); ++c) {
    const ColumnSpec& spec = schema.columns[c];
    InputColumn column;
    column.type = spec.type;
    if (spec.type == ColumnType::kDatetime) {
      column.datetime = FindDatetimeFormat(spec.datetime_format);
      if (!column.datetime) {
        throw InvalidInput("bundle: column '" + spec.name + "' has an unknown datetime format '" +
                           spec.datetime_format + "'");
      }
    }
    columns_.push_back(column);
    column_index[spec.name] = c;
  }
  std::map<std::string, size_t> pipeline_index;
  std::map<std::string, size_t> member_index;
  for (size_t m = 0; m < bundle.members.size(); ++m) {
    const BundleMember& bm = bundle.members[m];
    auto [it, added] = pipeline_index.try_emplace(bm.pipeline, pipelines_.size());
    if (added) {
      Pipeline p;
      p.pipeline = &bundle.pipelines.at(bm.pipeline);
      for (size_t i = 0; i < p.pipeline->input_columns().size(); ++i) {
        const std::string& name = p.pipeline->input_columns()[i];
        auto c = column_index.find(name);
        if (c == column_index.end()) {
          throw InvalidInput("bundle: feature pipeline '" + bm.pipeline + "' reads column '" + name +
                             "', which the input schema lacks");
        }
        if (columns_[c->second].type != p.pipeline->input_type(i)) {
          throw InvalidInput("bundle: column '" + name + "' is " + ColumnTypeName(columns_[c->second].type) +
                             " in the input schema but feature pipeline '" + bm.pipeline + "' reads it as " +
                             ColumnTypeName(p.pipeline->input_type(i)));
        }
        p.columns.push_back(c->second);
      }
      pipelines_.push_back(std::move(p));
    }
    Member member;
    member.pipeline = it->second;
    for (const FoldCell& cell : predictor.plans()[m].cells) {
      member.rows.push_back(cell.compiled != nullptr ? RowForest::Make(cell.compiled) : nullptr);
    }
    for (const std::string& input : bm.stack_inputs) member.stack_inputs.push_back(member_index.at(input));
    members_.push_back(std::move(member));
    member_index[bm.name] = m;
  }
  if (threads_ == 1) {
    levels_.emplace_back();
    for (size_t m = 0; m < members_.size(); ++m) levels_[0].push_back(m);
    return;
  }
  // Members are stored in level order: a member's level is one past its
  // deepest stack input's.
  std::vector<size_t> level(members_.size(), 0);
  for (size_t m = 0; m < members_.size(); ++m) {
    for (size_t input : members_[m].stack_inputs) level[m] = std::max(level[m], level[input] + 1);
    if (level[m] >= levels_.size()) levels_.resize(level[m] + 1);
    levels_[level[m]].push_back(m);
  }
  std::vector<double> cost(members_.size());
  for (size_t m = 0; m < members_.size(); ++m) cost[m] = MemberCost(m);
  for (std::vector<size_t>& members : levels_) {
    std::stable_sort(members.begin(), members.end(), [&](size_t a, size_t b) { return cost[a] > cost[b]; });
  }
}

double RowPredictor::MemberCost(size_t m) const {
  // In tree steps (about 2-4 ns each on one row): a compiled tree costs its
  // depth, twice with categorical splits; another model about a step per
  // 64 bytes of its serialized form (a network's weights, a k-NN's rows).
  double cost = 0;
  const MemberPlan& plan = predictor_.plans()[m];
  for (const FoldCell& cell : plan.cells) {
    if (cell.compiled != nullptr) {
      for (const CompiledTree& tree : cell.compiled->trees()) {
        cost += static_cast<double>(tree.depth + 1) * (tree.has_categorical ? 2.0 : 1.0);
      }
      continue;
    }
    for (size_t j : cell.folds) {
      cost += static_cast<double>(predictor_.bundle().members[m].folds[j]->Serialize().size()) / 64.0;
    }
  }
  return cost;
}

RowScratch RowPredictor::NewScratch() const {
  const Bundle& bundle = predictor_.bundle();
  RowScratch s;
  s.cells.resize(columns_.size());
  for (const Pipeline& p : pipelines_) {
    s.inputs.emplace_back(p.columns.size());
    s.features.emplace_back(1, p.pipeline->feature_names().size());
  }
  for (size_t m = 0; m < members_.size(); ++m) {
    const size_t per_bag = predictor_.plans()[m].per_bag;
    RowScratch::Member sm;
    if (!members_[m].stack_inputs.empty()) {
      size_t extra = 0;
      for (size_t i = 0; i < members_[m].stack_inputs.size(); ++i) extra += StackColumns(bundle.problem.task, k_);
      sm.stacked = Matrix(1, s.features[members_[m].pipeline].cols + extra);
    }
    sm.bagged.resize(k_);
    sm.by_fold.resize(per_bag * k_);
    sm.acc.resize(k_);
    sm.fold_acc.resize(per_bag * k_);
    const BundleMember& member = bundle.members[m];
    for (const std::unique_ptr<Model>& fold : member.folds) sm.models.push_back(fold->NewPredictScratch());
    s.members.push_back(std::move(sm));
  }
  s.lanes.resize(static_cast<size_t>(threads_));
  for (RowScratch::Lane& lane : s.lanes) lane.buf.resize(k_);
  s.acc.resize(k_);
  // Every lane predicts every member once (on the zero row): the buffers
  // grow now, whichever lane takes a member later.
  for (RowScratch::Lane& lane : s.lanes) {
    for (size_t m = 0; m < members_.size(); ++m) PredictMember(m, s, lane);
  }
  if (threads_ > 1) {
    s.team = std::make_unique<ForkJoinTeam>(static_cast<size_t>(threads_ - 1));
    s.next = std::make_unique<std::atomic<size_t>>(0);
  }
  s.json_cells.resize(columns_.size());
  s.json_numbers.resize(columns_.size());
  return s;
}

TypedCell RowPredictor::Type(size_t column, std::string_view cell) const {
  TypedCell typed;
  if (IsMissingToken(cell)) return typed;
  const InputColumn& c = columns_[column];
  std::optional<double> number;
  switch (c.type) {
    case ColumnType::kNumeric:
      number = ParseNumber(cell);
      break;
    case ColumnType::kBoolean:
      if (std::optional<bool> b = ParseBoolean(cell)) number = *b ? 1.0 : 0.0;
      break;
    case ColumnType::kDatetime:
      number = ParseDatetime(cell, *c.datetime);
      break;
    case ColumnType::kCategorical:
    case ColumnType::kText:
      typed.text = cell;
      typed.missing = false;
      return typed;
  }
  // A cell that does not parse stays missing, as batch predict's lenient typing makes it.
  if (number) {
    typed.number = *number;
    typed.missing = false;
  }
  return typed;
}

void RowPredictor::Predict(std::span<const std::string_view> cells, RowScratch& scratch, std::span<float> out) const {
  if (cells.size() != columns_.size()) {
    throw InvalidInput("a row has " + std::to_string(cells.size()) + " values; the model's input has " +
                       std::to_string(columns_.size()) + " columns");
  }
  if (scratch.cells.size() != columns_.size() || scratch.members.size() != members_.size()) {
    throw Internal("a one-row prediction was given the scratch of another model");
  }
  for (size_t c = 0; c < cells.size(); ++c) scratch.cells[c] = Type(c, cells[c]);
  PredictTyped(scratch, out);
}

void RowPredictor::PredictJson(const Json& row, RowScratch& scratch, std::span<float> out) const {
  const Schema& schema = input_schema();
  if (scratch.json_cells.size() != columns_.size()) {
    throw Internal("a one-row prediction was given the scratch of another model");
  }
  if (row.is_array()) {
    if (row.size() != columns_.size()) {
      throw InvalidInput("a row has " + std::to_string(row.size()) + " values; the model's input has " +
                         std::to_string(columns_.size()) + " columns");
    }
    for (size_t c = 0; c < columns_.size(); ++c) {
      scratch.json_cells[c] = JsonCell(row[c], schema.columns[c].name, scratch.json_numbers[c]);
    }
  } else if (row.is_object()) {
    for (size_t c = 0; c < columns_.size(); ++c) {
      const std::string& name = schema.columns[c].name;
      auto it = row.find(name);
      if (it == row.end()) throw InvalidInput("missing required column '" + name + "'");
      scratch.json_cells[c] = JsonCell(*it, name, scratch.json_numbers[c]);
    }
  } else {
    throw InvalidInput(std::string("a row must be a JSON object or array, got a JSON ") + row.type_name());
  }
  Predict(scratch.json_cells, scratch, out);
}

void RowPredictor::PredictMember(size_t m, RowScratch& scratch, RowScratch::Lane& lane) const {
  const BundleMember& bm = predictor_.bundle().members[m];
  const MemberPlan& plan = predictor_.plans()[m];
  const Member& member = members_[m];
  RowScratch::Member& sm = scratch.members[m];
  const Task task = predictor_.problem().task;
  std::fill(sm.acc.begin(), sm.acc.end(), 0.0);
  std::fill(sm.fold_acc.begin(), sm.fold_acc.end(), 0.0);
  float* buf = lane.buf.data();
  const Matrix* x = &scratch.features[member.pipeline];
  size_t stacked_group = plan.groups;  // none yet
  for (size_t c = 0; c < plan.cells.size(); ++c) {
    const FoldCell& cell = plan.cells[c];
    if (!member.stack_inputs.empty()) {
      if (stacked_group != cell.group) {
        // The features, then each input's predictions for this group (as
        // AppendStackFeatures lays them out).
        const Matrix& base = scratch.features[member.pipeline];
        float* dst = std::copy_n(base.values.data(), base.cols, sm.stacked.values.data());
        for (size_t input : member.stack_inputs) {
          const RowScratch::Member& in = scratch.members[input];
          const size_t in_per_bag = predictor_.plans()[input].per_bag;
          const float* p = in_per_bag == 0 ? in.bagged.data() : in.by_fold.data() + (cell.group % in_per_bag) * k_;
          if (task == Task::kBinary) {
            *dst++ = p[1];
          } else {
            dst = std::copy_n(p, k_, dst);
          }
        }
        stacked_group = cell.group;
      }
      x = &sm.stacked;
    }
    double* by_index = plan.per_bag > 0 ? sm.fold_acc.data() + cell.fold_index * k_ : nullptr;
    if (cell.compiled != nullptr) {
      // The cell's mean, counted once per fold model in it.
      if (member.rows[c] != nullptr) {
        member.rows[c]->Predict(*x, lane.row_forest, buf);
      } else {
        cell.compiled->PredictSmall(*x, lane.forest, buf);
      }
      const auto n = static_cast<double>(cell.folds.size());
      for (size_t i = 0; i < k_; ++i) sm.acc[i] += n * buf[i];
      if (by_index != nullptr) {
        for (size_t i = 0; i < k_; ++i) by_index[i] += n * buf[i];
      }
      continue;
    }
    for (size_t j : cell.folds) {
      bm.folds[j]->PredictWith(*x, buf, sm.models[j].get());
      for (size_t i = 0; i < k_; ++i) sm.acc[i] += buf[i];
      if (by_index != nullptr) {
        for (size_t i = 0; i < k_; ++i) by_index[i] += buf[i];
      }
    }
  }
  const auto folds = static_cast<double>(bm.folds.size());
  for (size_t i = 0; i < k_; ++i) sm.bagged[i] = static_cast<float>(sm.acc[i] / folds);
  if (plan.per_bag > 0) {
    const double per_index = folds / static_cast<double>(plan.per_bag);
    for (size_t i = 0; i < sm.fold_acc.size(); ++i) sm.by_fold[i] = static_cast<float>(sm.fold_acc[i] / per_index);
  }
}

void RowPredictor::PredictTyped(RowScratch& scratch, std::span<float> out) const {
  if (out.size() != k_) {
    throw Internal("a one-row prediction writes " + std::to_string(k_) + " values, not " + std::to_string(out.size()));
  }
  for (size_t p = 0; p < pipelines_.size(); ++p) {
    std::vector<TypedCell>& inputs = scratch.inputs[p];
    for (size_t i = 0; i < inputs.size(); ++i) inputs[i] = scratch.cells[pipelines_[p].columns[i]];
    pipelines_[p].pipeline->TransformRow(inputs.data(), scratch.features[p].values.data());
  }
  // Level by level, so stack inputs are always computed first.
  if (scratch.lanes.size() != static_cast<size_t>(threads_)) {
    throw Internal("a one-row prediction was given the scratch of another model");
  }
  for (const std::vector<size_t>& level : levels_) {
    if (scratch.team == nullptr || level.size() == 1) {
      for (size_t m : level) PredictMember(m, scratch, scratch.lanes[0]);
      continue;
    }
    // Each thread takes the level's next member until none is left.
    std::atomic<size_t>& next = *scratch.next;
    next.store(0, std::memory_order_relaxed);
    auto lane_work = [&](size_t lane) {
      for (size_t i; (i = next.fetch_add(1, std::memory_order_relaxed)) < level.size();) {
        PredictMember(level[i], scratch, scratch.lanes[lane]);
      }
    };
    scratch.team->Run(lane_work);
  }
  const Bundle& bundle = predictor_.bundle();
  double total = 0;
  std::fill(scratch.acc.begin(), scratch.acc.end(), 0.0);
  for (size_t m = 0; m < members_.size(); ++m) {
    const double weight = bundle.members[m].weight;
    if (weight <= 0) continue;
    total += weight;
    const std::vector<float>& p = scratch.members[m].bagged;
    for (size_t i = 0; i < k_; ++i) scratch.acc[i] += weight * p[i];
  }
  if (total <= 0) throw Internal("model has no member with positive weight");
  for (size_t i = 0; i < k_; ++i) out[i] = static_cast<float>(scratch.acc[i] / total);
}

int RowPredictor::ClassIndex(std::span<const float> p) const {
  const ProblemInfo& problem = predictor_.problem();
  if (problem.task == Task::kRegression) throw Internal("a regression model has no classes");
  if (p.size() != k_) throw Internal("ClassIndex needs " + std::to_string(k_) + " probabilities");
  if (problem.task == Task::kBinary) {
    const int pos = problem.positive_class;
    return p[static_cast<size_t>(pos)] >= problem.threshold ? pos : 1 - pos;
  }
  return static_cast<int>(std::max_element(p.begin(), p.end()) - p.begin());
}

}  // namespace tabpilot
