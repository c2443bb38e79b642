// A matrix's rows handed out a block at a time (learners/learner.h RowBlocks),
// as the trainer's refit on a large table does, counting the reads.
#pragma once

#include <algorithm>
#include <vector>

#include "learners/learner.h"

namespace tabpilot::testing {

class MatrixBlocks final : public RowBlocks {
 public:
  explicit MatrixBlocks(const Matrix& x) : x_(x) {}
  size_t rows() const override { return x_.rows; }
  size_t cols() const override { return x_.cols; }
  void Read(size_t begin, size_t count, std::vector<float>* out) const override {
    reads_ += 1;
    out->assign(x_.row(begin), x_.row(begin) + count * x_.cols);
  }
  int reads() const { return reads_; }

 private:
  const Matrix& x_;
  mutable int reads_ = 0;
};

// Every other row of `x`, backwards, handed to a learner three ways: as a
// matrix of their own (whole), as a view of x's rows (view) and a block at a
// time (read). A learner that takes a row view must fit the same model from
// each. `x` must outlive this.
class PickedRows {
 public:
  PickedRows(const Matrix& x, const std::vector<float>& y) : x_(x) {
    for (size_t r = x.rows; r >= 2; r -= 2) rows_.push_back(r - 1);
    picked_ = Matrix(rows_.size(), x.cols);
    for (size_t i = 0; i < rows_.size(); ++i) {
      std::copy_n(x.row(rows_[i]), x.cols, picked_.row(i));
      y_.push_back(y[rows_[i]]);
    }
  }
  PickedRows(const PickedRows&) = delete;
  PickedRows& operator=(const PickedRows&) = delete;

  TrainData whole() const { return {&picked_, &y_, nullptr}; }
  TrainData view() const {
    TrainData t{&x_, &y_, nullptr};
    t.rows = &rows_;
    return t;
  }
  TrainData read() const {
    TrainData t;
    t.y = &y_;
    t.blocks = &blocks_;
    return t;
  }
  // The picked rows' matrix, which the blocks read from (a test may spoil a value).
  Matrix& picked() { return picked_; }
  const MatrixBlocks& blocks() const { return blocks_; }

 private:
  const Matrix& x_;
  std::vector<size_t> rows_;
  Matrix picked_;
  std::vector<float> y_;
  MatrixBlocks blocks_{picked_};
};

}  // namespace tabpilot::testing
