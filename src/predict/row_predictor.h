// The one-row path: one row's raw field values (a CSV line's cells, or a
// JSON object or array, as a server gets them) to its prediction, through
// the feature pipelines, every member, the stacking and the ensemble, with
// the values Predictor::Predict gives for a table of that row.
//
// Steady state allocates nothing: every buffer lives in a RowScratch, made
// once per calling thread (or connection) and reused from call to call,
// the buffers of families that keep their own (the network's activations,
// Model::PredictWith) included. Members of the compiled tree families, the
// linear model and the network allocate nothing; k-nearest neighbours runs
// its own predict on a one-row matrix, which may. A text column may
// allocate for words longer than a short string holds.
//
// Values: those of the batch predictor to the bit (the network's dense
// kernels too give a row the same value alone as in a block,
// learners/dense_kernel.h).
//
// Thread safety: a RowPredictor is immutable; any number of threads may
// call it at once, each with its own RowScratch.
//
// Threads: made with threads > 1, a call shares each level's members among
// the caller and threads - 1 helpers of its scratch's own (a ForkJoinTeam,
// core/fork_join.h), for the latency of one row when cores are free; the
// values are the same to the bit (each member is computed as alone, and
// the ensemble adds them in the bundle's order after all are done).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "compiled/compiled_forest.h"
#include "compiled/row_forest.h"
#include "core/fork_join.h"
#include "core/json.h"
#include "data/datetime_parse.h"
#include "features/column_transform.h"
#include "predict/predictor.h"

namespace tabpilot {

// A caller's buffers for RowPredictor (make them with NewScratch). Movable,
// not shared between threads.
class RowScratch {
 private:
  friend class RowPredictor;
  struct Member {
    Matrix stacked;                // 1 row: features then stack columns (level 2 only)
    std::vector<float> bagged;     // k: the mean of its fold models
    std::vector<float> by_fold;    // per_bag x k: the mean over bags per fold index
    std::vector<double> acc;       // k
    std::vector<double> fold_acc;  // per_bag x k
    // Per fold model not compiled: its family's buffers (Model::PredictWith).
    std::vector<std::unique_ptr<PredictScratch>> models;
  };
  std::vector<TypedCell> cells;  // one per input column, typed
  // What one thread of a call uses while it predicts a member.
  struct Lane {
    std::vector<float> buf;  // k: one model's or cell's output
    CompiledForest::Scratch forest;
    RowForest::Scratch row_forest;
  };
  std::vector<std::vector<TypedCell>> inputs;  // per pipeline: its input columns' cells
  std::vector<Matrix> features;                // per pipeline: 1 row
  std::vector<Member> members;
  std::vector<Lane> lanes;  // one per thread of a call
  std::vector<double> acc;  // k: the ensemble
  // Threads > 1: the helpers, and the next member of a level to take.
  std::unique_ptr<ForkJoinTeam> team;
  std::unique_ptr<std::atomic<size_t>> next;
  // JSON input: each column's value as a cell, and numbers' text.
  std::vector<std::string_view> json_cells;
  std::vector<std::array<char, 32>> json_numbers;
};

class RowPredictor {
 public:
  // Serves `predictor`, which must outlive it, with `threads` threads per
  // call (see above; each scratch then starts threads - 1 helpers). Throws
  // InvalidInput when the bundle's input schema and a feature pipeline
  // disagree on a column (a pipeline reading a column the schema lacks, or
  // typing it otherwise).
  explicit RowPredictor(const Predictor& predictor, int threads = 1);

  // The input columns, in the order cells are given (the bundle's input schema).
  const Schema& input_schema() const { return predictor_.input_schema(); }
  // Values written per row: class probabilities, or the regression value.
  size_t num_outputs() const { return k_; }

  // Buffers sized for this predictor (each lane has predicted every member
  // once, on a row of zeros; a later call may still grow a buffer that
  // depends on the values, e.g. a long text cell's), and the helper threads
  // of a predictor made with threads > 1.
  RowScratch NewScratch() const;
  // Threads per call.
  int threads() const { return threads_; }

  // `cells`: one per input column, in input_schema() order, as a CSV reader
  // gives them (trimmed, unquoted). Missing values are the CSV's tokens
  // (empty, ?, NA, N/A, NaN, null, none); a cell that does not parse as its
  // column's type is missing, as in batch predict. Writes num_outputs()
  // values to `out`. Throws InvalidInput when the cell count or out's size
  // is wrong.
  void Predict(std::span<const std::string_view> cells, RowScratch& scratch, std::span<float> out) const;
  // The same from a JSON object (input column name -> value; other keys are
  // ignored) or array (values in input_schema() order): strings are cells,
  // numbers and booleans their text, null is missing. Throws InvalidInput
  // naming a missing column, or for an object or array as a value.
  void PredictJson(const Json& row, RowScratch& scratch, std::span<float> out) const;

  // The decided class of one row's probabilities (Predictor::ClassIndices):
  // the threshold on the positive class (binary) or the argmax.
  int ClassIndex(std::span<const float> probabilities) const;

 private:
  struct InputColumn {
    ColumnType type = ColumnType::kNumeric;
    std::optional<DatetimeFormat> datetime;  // kDatetime only
  };
  struct Pipeline {
    const FeaturePipeline* pipeline = nullptr;
    std::vector<size_t> columns;  // input column index of each of its inputs
  };
  struct Member {
    size_t pipeline = 0;
    std::vector<size_t> stack_inputs;  // member indices
    // Per cell of its plan: the compiled forest laid out for one row (null
    // for cells without one, or too large for RowForest: PredictSmall).
    std::vector<std::shared_ptr<const RowForest>> rows;
  };

  // Types cell `c` of column `column` into a TypedCell.
  TypedCell Type(size_t column, std::string_view cell) const;
  // Predicts from scratch.cells (already typed).
  void PredictTyped(RowScratch& scratch, std::span<float> out) const;
  // One member's outputs into scratch.members[m], with `lane`'s buffers.
  void PredictMember(size_t m, RowScratch& scratch, RowScratch::Lane& lane) const;
  // A rough cost of member m for one row (ordering only: the costliest of
  // a level are taken first).
  double MemberCost(size_t m) const;

  const Predictor& predictor_;
  size_t k_ = 0;
  std::vector<InputColumn> columns_;
  std::vector<Pipeline> pipelines_;
  std::vector<Member> members_;
  int threads_ = 1;
  // Members by level (a level's stack inputs all in earlier ones), each
  // level's costliest first; threads == 1: one level, the bundle's order.
  std::vector<std::vector<size_t>> levels_;
};

}  // namespace tabpilot
