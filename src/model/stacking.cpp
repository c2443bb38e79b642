#include "model/stacking.h"

#include <algorithm>

#include "core/error.h"

namespace tabpilot {

size_t StackColumns(Task task, size_t prediction_columns) { return task == Task::kBinary ? 1 : prediction_columns; }

Matrix AppendStackFeatures(const Matrix& base, const std::vector<const Matrix*>& inputs, Task task) {
  size_t extra = 0;
  for (const Matrix* m : inputs) {
    if (m->rows != base.rows) throw Internal("stack input has a different number of rows");
    extra += StackColumns(task, m->cols);
  }
  Matrix out(base.rows, base.cols + extra);
  for (size_t r = 0; r < base.rows; ++r) {
    float* dst = out.row(r);
    std::copy_n(base.row(r), base.cols, dst);
    dst += base.cols;
    for (const Matrix* m : inputs) {
      if (task == Task::kBinary) {
        *dst++ = m->at(r, 1);
      } else {
        dst = std::copy_n(m->row(r), m->cols, dst);
      }
    }
  }
  return out;
}

}  // namespace tabpilot
