#include "data/matrix.h"

#include <algorithm>

namespace tabpilot {

Matrix Matrix::SelectRows(const std::vector<size_t>& idx) const {
  Matrix out(idx.size(), cols);
  for (size_t i = 0; i < idx.size(); ++i) std::copy_n(row(idx[i]), cols, out.row(i));
  return out;
}

}  // namespace tabpilot
