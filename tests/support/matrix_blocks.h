// A matrix's rows handed out a block at a time (learners/learner.h RowBlocks),
// as the trainer's refit on a large table does, counting the reads.
#pragma once

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

}  // namespace tabpilot::testing
