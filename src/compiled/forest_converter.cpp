#include "compiled/forest_converter.h"

#include <vector>

#include "learners/forest_format.h"

namespace tabpilot {

CompiledForest CompileFlatForest(const FlatForest& forest, Task task, int num_classes) {
  forest.Validate();
  const auto width = static_cast<uint32_t>(forest.values_per_leaf());
  const bool binary = task == Task::kBinary;
  CompiledForest out(static_cast<size_t>(forest.num_features()),
                     binary ? 2 : (IsClassification(task) ? num_classes : 1));
  out.AddPart(binary ? ScoreLink::kBinaryProbability : ScoreLink::kIdentity, std::vector<double>(width, 0.0), 1.0);
  const double weight = 1.0 / static_cast<double>(forest.num_trees());
  SourceTree tree;
  for (size_t t = 0; t < forest.num_trees(); ++t) {
    const size_t begin = forest.tree_begin()[t];
    const size_t n = forest.tree_begin()[t + 1] - begin;
    tree.Resize(n, width);
    tree.weight = weight;
    for (size_t i = 0; i < n; ++i) {
      const size_t g = begin + i;
      if (forest.feature()[g] < 0) {
        const float* values = forest.leaf_values().data() + forest.value_offset()[g];
        std::copy(values, values + width, tree.leaf_values.begin() + static_cast<std::ptrdiff_t>(i * width));
        continue;
      }
      tree.left[i] = forest.left()[g];
      tree.right[i] = forest.right()[g];
      tree.feature[i] = static_cast<uint32_t>(forest.feature()[g]);
      tree.threshold[i] = forest.threshold()[g];
      tree.default_left[i] = forest.default_left()[g];
    }
    out.AddTree(tree);
  }
  return out;
}

CompiledForest CompileForestModel(std::string_view bytes) {
  const ForestModelData data = DecodeForest(bytes);
  return CompileFlatForest(data.forest, data.task, data.num_classes);
}

}  // namespace tabpilot
