// The vector kernels of the compiled trees (compiled_evaluator.cpp): AVX2
// (8 rows a vector) and AVX-512 (16 rows a vector), compiled with
// function-level target attributes (the build itself assumes no AVX) and
// chosen at run time (TreeKernel, compiled_forest.h). Two ways through a
// tree:
//   gather walks   every lane keeps its own node index; a step gathers the
//                  node's fields and the row's key and moves to child +
//                  (key > threshold key); the walk stops once no lane moved,
//                  or after `depth` steps (leaves loop onto themselves);
//   leaf masks     (trees of at most kMaxMaskLeaves leaves) every
//                  split tests all rows at once and clears the leaves a row
//                  going right cannot reach (MaskSplit).
// A kernel reaches the same leaf as the scalar walk for every row, so
// results are bit-identical.
//
// The key block (compiled_evaluator.cpp fills it) is column-major, the
// kWalkRows rows of a column contiguous: key columns 2f and 2f + 1 of
// feature f (EvalNode), then, when the forest has categorical splits, one
// code column per feature at keys + code_offset: kMissingCode for NaN,
// kInvalidCode for values XGBoost sends left whatever the set (< 0, >= 2^24,
// infinite), else the value's integer part; then (AVX2 only) one bit column per feature
// at keys + code_offset x 3 / 2: 1 << code for codes 0 to 30, 1 << 31 for
// kMissingCode, else 0 (WordSplit's tiny sets). Rows past the block's end hold
// stale but valid keys, so the kernels always take kWalkRows lanes and every
// load and gather stays in bounds; the caller ignores those lanes.
#pragma once

#include <cstddef>
#include <cstdint>

#include "compiled/compiled_forest.h"

namespace tabpilot {

// Rows in a block (a multiple of 16).
constexpr size_t kWalkRows = 64;
constexpr int32_t kMissingCode = -2;
constexpr int32_t kInvalidCode = -1;
// Vector kernels index the key block with 32-bit offsets: forests with more
// tree features than this are walked by the scalar kernel.
constexpr size_t kMaxVectorFeatures = size_t{1} << 20;

bool TreeKernelSupported(TreeKernel kernel);
// The kernel kAuto runs (never kAuto): AVX2 where the processor has it,
// even beside AVX-512, whose kernel lacks the AVX2 one's word splits,
// transposed key blocks and permute lookups and measured slower on every
// member of the Adult bundles on an AVX-512 Xeon (docs/architecture.md,
// "Compiled trees"); AVX-512 where only it is there; else scalar.
TreeKernel FastestTreeKernel();
const char* TreeKernelName(TreeKernel kernel);

// Trees without categorical splits: leaf[i] = tree-local index of the leaf
// row i of the block reaches, for all kWalkRows rows.
void WalkNumericAvx2(const EvalNode* nodes, uint32_t depth, const int32_t* keys, uint32_t* leaf);
void WalkNumericAvx512(const EvalNode* nodes, uint32_t depth, const int32_t* keys, uint32_t* leaf);

// Trees with categorical splits (EvalNode's categorical encoding); `words`
// is the forest's category_words.
void WalkMixedAvx2(const EvalNode* nodes, uint32_t depth, const int32_t* keys, int32_t code_offset,
                   const uint32_t* words, uint32_t* leaf);
void WalkMixedAvx512(const EvalNode* nodes, uint32_t depth, const int32_t* keys, int32_t code_offset,
                     const uint32_t* words, uint32_t* leaf);

// Trees of at most kMaxMaskLeaves leaves, by leaf masks (MaskSplit): every
// split tests all the block's rows with contiguous loads, no gathers but
// for categorical sets of more than 16 words; the cost is the tree's splits,
// not its depth. `count` splits from `splits`, the first `numeric` of them
// numeric, the next `short_sets` of short sets (MaskSplitKind); masks of 32,
// 64 or 128 bits a row as the tree's `leaves` need. number[i] = the left-to-right number
// of the leaf row i reaches, for all kWalkRows rows.
void MaskLeavesAvx512(const MaskSplit* splits, uint32_t numeric, uint32_t short_sets, uint32_t count, uint32_t leaves,
                      const int32_t* keys, int32_t code_offset, const uint32_t* words, uint32_t* number);
// The AVX2 form: the same leaf numbers from the tree's WordSplits (`splits`
// = the forest's word_splits from tree.word_split_begin), word by word.
void MaskWordsAvx2(const CompiledTree& tree, const WordSplit* splits, const int32_t* keys, int32_t code_offset,
                   const uint32_t* words, uint32_t* number);

// Adds the values of rows [0, n)'s leaves (number[i], as MaskLeavesAvx512
// gives them) of a tree with one value a leaf, `values` its leaves' values
// left to right, to raw[0, n) (a score column), rounding as AddLeavesAvx512.
void AddNumberedLeavesAvx512(const float* values, uint32_t leaves, const uint32_t* number, size_t n, bool float_sum,
                             double weight, double* raw);

// AVX2, trees summed in double (MaskWordsAvx2's numbers): raw[i] +=
// weight x double(values[number[i]]) for rows [0, n).
void AddWeightedLeavesAvx2(const float* values, const uint32_t* number, size_t n, double weight, double* raw);

// The key block (above) of rows [0, n) of row-major `rows` (stride floats
// apart), as far as whole groups of 8 rows go; returns the rows it filled
// (the caller fills the rest).
size_t FillKeysAvx2(const float* rows, size_t stride, size_t n, size_t features, bool codes, int32_t* keys);

// out[i] += values[number[i]] in float for rows [0, n): a float-summed
// tree's leaves (`leaves` values) added to a score column kept in float.
void AddNumberedFloatsAvx2(const float* values, uint32_t leaves, const uint32_t* number, size_t n, float* out);

// Adds the leaves of rows [0, n) (leaf[i], tree-local node indices) of a
// tree with one value a leaf to raw[0, n) (a score column) with the
// scalar code's roundings: raw = double(float(raw) + value) when float_sum,
// else raw += weight x double(value).
void AddLeavesAvx512(const EvalNode* eval, const float* leaf_values, const uint32_t* leaf, size_t n, bool float_sum,
                     double weight, double* raw);

// Oblivious trees: leaf[i] = sum over levels d of (x > border_d) << d, NaN
// 0, read from the NaN-smallest key column 2f + 1 of each level's feature.
void ObliviousLeavesAvx2(const CompiledNode* levels, uint32_t depth, const int32_t* keys, uint32_t* leaf);
void ObliviousLeavesAvx512(const CompiledNode* levels, uint32_t depth, const int32_t* keys, uint32_t* leaf);

}  // namespace tabpilot
