#include "compiled/additive_converter.h"

#include <algorithm>
#include <limits>
#include <vector>

namespace tabpilot {
namespace {

// A run of value bins [first, last] with equal values in every dimension.
struct Run {
  size_t first = 0;
  size_t last = 0;
};

std::vector<Run> Runs(const AdditiveShape& shape, size_t dims) {
  std::vector<Run> runs;
  const size_t bins = shape.cuts.size() + 1;
  for (size_t b = 0; b < bins; ++b) {
    const float* v = shape.values.data() + b * dims;
    if (!runs.empty()) {
      const float* prev = shape.values.data() + runs.back().first * dims;
      if (std::equal(v, v + dims, prev)) {
        runs.back().last = b;
        continue;
      }
    }
    runs.push_back({b, b});
  }
  return runs;
}

// Writes the subtree over runs [i, j] at node `next` (and its descendants
// after it, children after their parent); returns its root.
int32_t BuildRuns(const AdditiveShape& shape, const std::vector<Run>& runs, size_t i, size_t j, uint32_t column,
                  uint32_t dims, SourceTree& tree, int32_t& next) {
  const int32_t id = next++;
  const auto node = static_cast<size_t>(id);
  if (i == j) {
    const float* v = shape.values.data() + runs[i].first * dims;
    std::copy(v, v + dims, tree.leaf_values.begin() + static_cast<std::ptrdiff_t>(node * dims));
    return id;
  }
  const size_t mid = (i + j) / 2;
  tree.feature[node] = column;
  tree.threshold[node] = shape.cuts[runs[mid].last];
  tree.default_left[node] = 1;  // missing values never get here
  tree.left[node] = BuildRuns(shape, runs, i, mid, column, dims, tree, next);
  tree.right[node] = BuildRuns(shape, runs, mid + 1, j, column, dims, tree, next);
  return id;
}

}  // namespace

CompiledForest CompileAdditiveData(const AdditiveModelData& model) {
  const int outputs = IsClassification(model.task) ? model.num_classes : 1;
  CompiledForest out(model.input_cols, outputs);
  out.AddPart(MarginLink(model.task), std::vector<double>(model.intercept.begin(), model.intercept.end()), 1.0);
  const uint32_t dims = model.dims;
  SourceTree tree;
  for (uint32_t column = 0; column < model.shapes.size(); ++column) {
    const AdditiveShape& shape = model.shapes[column];
    const std::vector<Run> runs = Runs(shape, dims);
    tree.Resize(2 * runs.size() + 1, dims);
    tree.output = 0;
    tree.leaf_width = dims;
    tree.weight = 1.0;
    // Root: every value but a missing one is <= +inf.
    tree.feature[0] = column;
    tree.threshold[0] = std::numeric_limits<float>::infinity();
    tree.default_left[0] = 0;
    int32_t next = 1;
    tree.left[0] = BuildRuns(shape, runs, 0, runs.size() - 1, column, dims, tree, next);
    tree.right[0] = next;
    const float* missing = shape.values.data() + (shape.slots() - 1) * dims;
    std::copy(missing, missing + dims, tree.leaf_values.begin() + static_cast<std::ptrdiff_t>(next) * dims);
    out.AddTree(tree);
  }
  return out;
}

CompiledForest CompileAdditiveModel(std::string_view bytes) { return CompileAdditiveData(DecodeAdditiveModel(bytes)); }

}  // namespace tabpilot
