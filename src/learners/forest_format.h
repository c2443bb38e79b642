// The saved form of a forest model: compact little-endian binary, written
// and read with the shared learners/byte_io.h (model header, sealed checksum).
//
//   "TPFOREST" magic (8 bytes), u32 format version (1)
//   u8 task, u32 num_classes, u32 num_features, u32 values_per_leaf,
//   u32 num_trees, u64 num_nodes, u64 num_leaf_values
//   u64 tree_begin[num_trees + 1]
//   i32 feature[], f32 threshold[], i32 left[], i32 right[], u8 default_left[],
//   i32 value_offset[]   (num_nodes each)
//   f32 leaf_values[num_leaf_values]
//   u64 FNV-1a of every preceding byte
// Decoding checks every size against the bytes actually present before
// allocating, verifies the checksum and then the tree invariants
// (FlatForest::Validate), so corrupt input throws instead of crashing.
#pragma once

#include <string>
#include <string_view>

#include "data/task.h"
#include "learners/forest_tree.h"

namespace tabpilot {

struct ForestModelData {
  Task task = Task::kBinary;
  int num_classes = 2;  // 1 for regression
  FlatForest forest;
};

std::string EncodeForest(const ForestModelData& model);
// Throws InvalidInput("corrupt forest model: ...") on anything malformed.
ForestModelData DecodeForest(std::string_view bytes);

}  // namespace tabpilot
