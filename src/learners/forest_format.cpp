#include "learners/forest_format.h"

#include <string_view>
#include <vector>

#include "learners/byte_io.h"

namespace tabpilot {
namespace {

constexpr char kMagic[8] = {'T', 'P', 'F', 'O', 'R', 'E', 'S', 'T'};
constexpr std::string_view kMagicView(kMagic, sizeof(kMagic));
constexpr uint32_t kFormatVersion = 1;
// Bytes per node across the six node arrays.
constexpr uint64_t kNodeBytes = 4 + 4 + 4 + 4 + 1 + 4;

template <typename T, typename Read>
std::vector<T> ReadArray(uint64_t n, Read read) {
  std::vector<T> v(n);
  for (auto& x : v) x = read();
  return v;
}

}  // namespace

std::string EncodeForest(const ForestModelData& model) {
  const FlatForest& f = model.forest;
  ByteWriter w;
  w.Reserve(64 + 8 * (f.num_trees() + 2) + kNodeBytes * f.num_nodes() + 4 * f.leaf_values().size());
  WriteModelHeader(w, kMagicView, kFormatVersion, model.task, model.num_classes);
  w.U32(static_cast<uint32_t>(f.num_features()));
  w.U32(static_cast<uint32_t>(f.values_per_leaf()));
  w.U32(static_cast<uint32_t>(f.num_trees()));
  w.U64(f.num_nodes());
  w.U64(f.leaf_values().size());
  for (uint64_t b : f.tree_begin()) w.U64(b);
  for (int32_t v : f.feature()) w.I32(v);
  for (float v : f.threshold()) w.F32(v);
  for (int32_t v : f.left()) w.I32(v);
  for (int32_t v : f.right()) w.I32(v);
  for (uint8_t v : f.default_left()) w.U8(v);
  for (int32_t v : f.value_offset()) w.I32(v);
  w.Floats(f.leaf_values());
  return w.TakeSealed();
}

ForestModelData DecodeForest(std::string_view bytes) {
  ByteReader r(bytes, "corrupt forest model");
  const ModelHeader header = ReadModelHeader(r, kMagicView, kFormatVersion, "a forest model");
  r.Unseal();
  ForestModelData model;
  model.task = header.task;
  const uint32_t num_features = r.U32("num_features");
  const uint32_t values_per_leaf = r.U32("values_per_leaf");
  const uint32_t num_trees = r.U32("num_trees");
  const uint64_t num_nodes = r.U64("num_nodes");
  const uint64_t num_leaf_values = r.U64("num_leaf_values");
  const uint32_t expected_vpl = header.task == Task::kMulticlass ? header.num_classes : 1;
  if (values_per_leaf != expected_vpl) r.Fail("bad values per leaf");
  if (num_features == 0 || num_features > 0x7fffffffU) r.Fail("bad feature count");
  if (num_trees == 0) r.Fail("no trees");
  // Sizes must match the remaining bytes exactly; check each factor against
  // the remaining length first so the products cannot overflow.
  const uint64_t rest = r.remaining();
  if (num_trees > rest / 8 || num_nodes > rest / kNodeBytes || num_leaf_values > rest / 4 ||
      num_nodes > 0x7fffffffULL || num_leaf_values > 0x7fffffffULL) {
    r.Fail("truncated (sizes exceed the data)");
  }
  const uint64_t needed = 8 * (uint64_t{num_trees} + 1) + kNodeBytes * num_nodes + 4 * num_leaf_values;
  if (needed != rest) r.Fail(needed > rest ? "truncated" : "trailing bytes");

  auto tree_begin = ReadArray<uint64_t>(uint64_t{num_trees} + 1, [&] { return r.U64("tree offsets"); });
  auto feature = ReadArray<int32_t>(num_nodes, [&] { return r.I32("features"); });
  auto threshold = ReadArray<float>(num_nodes, [&] { return r.F32("thresholds"); });
  auto left = ReadArray<int32_t>(num_nodes, [&] { return r.I32("left children"); });
  auto right = ReadArray<int32_t>(num_nodes, [&] { return r.I32("right children"); });
  auto default_left = ReadArray<uint8_t>(num_nodes, [&] { return r.U8("default directions"); });
  auto value_offset = ReadArray<int32_t>(num_nodes, [&] { return r.I32("value offsets"); });
  std::vector<float> leaf_values = r.Floats(num_leaf_values, "leaf values");
  for (size_t t = 0; t + 1 < tree_begin.size(); ++t) {
    if (tree_begin[t] > tree_begin[t + 1]) r.Fail("tree offsets not increasing");
  }
  model.num_classes = static_cast<int>(header.num_classes);
  model.forest =
      FlatForest::FromArrays(static_cast<int>(num_features), static_cast<int>(values_per_leaf), std::move(tree_begin),
                             std::move(feature), std::move(threshold), std::move(left), std::move(right),
                             std::move(default_left), std::move(value_offset), std::move(leaf_values));
  return model;
}

}  // namespace tabpilot
