// The vector kernels (simd_walk.h), compiled with function-level target
// attributes and called only when the processor runs them.
//
// Gather walks (AVX2: 8 lanes, AVX-512: 16): each kernel walks the block's
// rows as independent vectors of lanes in one loop, so the processor
// overlaps their gathers; a step of one vector:
//   node fields   three (numeric) or four (categorical) 32-bit gathers from
//                 the tree's EvalNodes, at 4 x index + field;
//   key           one gather from the key block at column x kWalkRows + row
//                 (categorical nodes: the code column, at code_offset);
//   categorical   code in [0, 32 x words) (unsigned compare: the negative
//                 missing and invalid codes fail) gathers its set's word
//                 under that mask, so no lane reads past its set;
//                 kMissingCode goes the default way, everything else left;
//   next          child + right, compared with the old index to see whether
//                 any lane moved.
// Leaf masks: W = 1, 2 or 4 32-bit words a row; AVX-512: the masks of the
// 64 rows in 4W vectors, per split one contiguous load and compare per 16
// rows (categorical: the set's word permuted out of one vector for sets of
// at most 16 words, else gathered under the in-range mask) and W masked ANDs;
// AVX2: one 32-bit word of the 64 rows' masks at a time in 8 vectors, with
// only the splits that have leaves of that word under their left child
// (WordSplit: a deep split touches one word, so a 128-leaf tree costs about
// a quarter of the four-word pass), sets of at most 8 words permuted.
// A row's leaf number is the lowest set bit of its first non-zero word: the
// bit alone converted to float is exactly 2^number.
#include "compiled/simd_walk.h"

#include <immintrin.h>

#include <bit>
#include <climits>
#include <cstddef>

namespace tabpilot {
namespace {

#define TABPILOT_AVX2 __attribute__((target("avx2")))
#define TABPILOT_AVX512 __attribute__((target("avx512f,avx512vl,avx512bw")))

constexpr int kThresholdAt = offsetof(EvalNode, threshold_key);
constexpr int kColumnAt = offsetof(EvalNode, column);
constexpr int kChildAt = offsetof(EvalNode, child);
constexpr int kPayloadAt = offsetof(EvalNode, payload);
constexpr int kRowShift = 6;  // log2(kWalkRows)
static_assert(size_t{1} << kRowShift == kWalkRows);

// The key of an oblivious level's border: x > border iff key(x) > it; a NaN
// border (nothing is greater) is above every key.
int32_t BorderKey(float border) { return border != border ? INT32_MAX : FloatKey(border); }

const char* FieldBase(const EvalNode* nodes, int field) { return reinterpret_cast<const char*>(nodes) + field; }

// ------------------------------------------------------------------ AVX2

// One numeric step of 8 lanes; returns the lanes that moved (all ones).
TABPILOT_AVX2 inline __m256i NumericStep8(const char* nodes, const int32_t* keys, __m256i rows, __m256i* idx) {
  const __m256i at = _mm256_slli_epi32(*idx, 2);
  const __m256i threshold = _mm256_i32gather_epi32(reinterpret_cast<const int*>(nodes + kThresholdAt), at, 4);
  const __m256i column = _mm256_i32gather_epi32(reinterpret_cast<const int*>(nodes + kColumnAt), at, 4);
  const __m256i child = _mm256_i32gather_epi32(reinterpret_cast<const int*>(nodes + kChildAt), at, 4);
  const __m256i key = _mm256_i32gather_epi32(keys, _mm256_add_epi32(_mm256_slli_epi32(column, kRowShift), rows), 4);
  const __m256i next = _mm256_sub_epi32(child, _mm256_cmpgt_epi32(key, threshold));  // right: -(-1)
  const __m256i moved = _mm256_xor_si256(next, *idx);
  *idx = next;
  return moved;
}

// One step of 8 lanes in a tree with categorical splits.
TABPILOT_AVX2 inline __m256i MixedStep8(const char* nodes, const int32_t* keys, __m256i code_offset,
                                        const uint32_t* words, __m256i rows, __m256i* idx) {
  const __m256i zero = _mm256_setzero_si256();
  const __m256i one = _mm256_set1_epi32(1);
  const __m256i at = _mm256_slli_epi32(*idx, 2);
  const __m256i threshold = _mm256_i32gather_epi32(reinterpret_cast<const int*>(nodes + kThresholdAt), at, 4);
  const __m256i column = _mm256_i32gather_epi32(reinterpret_cast<const int*>(nodes + kColumnAt), at, 4);
  const __m256i child = _mm256_i32gather_epi32(reinterpret_cast<const int*>(nodes + kChildAt), at, 4);
  const __m256i categorical = _mm256_srai_epi32(child, 31);
  const __m256i key_at = _mm256_add_epi32(_mm256_add_epi32(_mm256_slli_epi32(column, kRowShift), rows),
                                          _mm256_and_si256(categorical, code_offset));
  const __m256i key = _mm256_i32gather_epi32(keys, key_at, 4);
  const __m256i numeric_right = _mm256_cmpgt_epi32(key, threshold);
  // Categorical lanes whose code lies in the set's words (threshold = 32 x words > 0).
  const __m256i in_set = _mm256_and_si256(
      categorical,
      _mm256_and_si256(_mm256_cmpgt_epi32(threshold, key), _mm256_cmpgt_epi32(key, _mm256_set1_epi32(-1))));
  const __m256i word_begin =
      _mm256_mask_i32gather_epi32(zero, reinterpret_cast<const int*>(nodes + kPayloadAt), at, in_set, 4);
  const __m256i word_at = _mm256_add_epi32(word_begin, _mm256_srli_epi32(key, 5));
  const __m256i word = _mm256_mask_i32gather_epi32(zero, reinterpret_cast<const int*>(words), word_at, in_set, 4);
  const __m256i bit = _mm256_and_si256(_mm256_srlv_epi32(word, _mm256_and_si256(key, _mm256_set1_epi32(31))), one);
  const __m256i member = _mm256_and_si256(in_set, _mm256_cmpeq_epi32(bit, one));
  const __m256i default_right =
      _mm256_cmpeq_epi32(_mm256_and_si256(child, _mm256_set1_epi32(static_cast<int>(EvalNode::kDefaultLeft))), zero);
  const __m256i missing_right =
      _mm256_and_si256(_mm256_cmpeq_epi32(key, _mm256_set1_epi32(kMissingCode)), default_right);
  const __m256i categorical_right = _mm256_or_si256(member, missing_right);
  const __m256i right = _mm256_blendv_epi8(numeric_right, categorical_right, categorical);
  const __m256i base = _mm256_and_si256(child, _mm256_set1_epi32(static_cast<int>(EvalNode::kIndexMask)));
  const __m256i next = _mm256_sub_epi32(base, right);
  const __m256i moved = _mm256_xor_si256(next, *idx);
  *idx = next;
  return moved;
}

TABPILOT_AVX2 inline __m256i Rows8(int first) {
  return _mm256_add_epi32(_mm256_set1_epi32(first), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// Four vectors (32 rows) at a time: enough independent gathers in flight,
// few enough registers for AVX2's sixteen.
TABPILOT_AVX2 void NumericAvx2(const EvalNode* nodes, uint32_t depth, const int32_t* keys, uint32_t* leaf) {
  const char* base = FieldBase(nodes, 0);
  for (int first = 0; first < static_cast<int>(kWalkRows); first += 32) {
    __m256i i0 = _mm256_setzero_si256(), i1 = i0, i2 = i0, i3 = i0;
    for (uint32_t d = 0; d < depth; ++d) {
      __m256i moved = NumericStep8(base, keys, Rows8(first), &i0);
      moved = _mm256_or_si256(moved, NumericStep8(base, keys, Rows8(first + 8), &i1));
      moved = _mm256_or_si256(moved, NumericStep8(base, keys, Rows8(first + 16), &i2));
      moved = _mm256_or_si256(moved, NumericStep8(base, keys, Rows8(first + 24), &i3));
      if (_mm256_testz_si256(moved, moved) != 0) break;
    }
    __m256i* out = reinterpret_cast<__m256i*>(leaf + first);
    _mm256_storeu_si256(out, i0);
    _mm256_storeu_si256(out + 1, i1);
    _mm256_storeu_si256(out + 2, i2);
    _mm256_storeu_si256(out + 3, i3);
  }
}

TABPILOT_AVX2 void MixedAvx2(const EvalNode* nodes, uint32_t depth, const int32_t* keys, int32_t code_offset,
                             const uint32_t* words, uint32_t* leaf) {
  const char* base = FieldBase(nodes, 0);
  const __m256i offset = _mm256_set1_epi32(code_offset);
  for (int first = 0; first < static_cast<int>(kWalkRows); first += 32) {
    __m256i i0 = _mm256_setzero_si256(), i1 = i0, i2 = i0, i3 = i0;
    for (uint32_t d = 0; d < depth; ++d) {
      __m256i moved = MixedStep8(base, keys, offset, words, Rows8(first), &i0);
      moved = _mm256_or_si256(moved, MixedStep8(base, keys, offset, words, Rows8(first + 8), &i1));
      moved = _mm256_or_si256(moved, MixedStep8(base, keys, offset, words, Rows8(first + 16), &i2));
      moved = _mm256_or_si256(moved, MixedStep8(base, keys, offset, words, Rows8(first + 24), &i3));
      if (_mm256_testz_si256(moved, moved) != 0) break;
    }
    __m256i* out = reinterpret_cast<__m256i*>(leaf + first);
    _mm256_storeu_si256(out, i0);
    _mm256_storeu_si256(out + 1, i1);
    _mm256_storeu_si256(out + 2, i2);
    _mm256_storeu_si256(out + 3, i3);
  }
}

TABPILOT_AVX2 void ObliviousAvx2(const CompiledNode* levels, uint32_t depth, const int32_t* keys, uint32_t* leaf) {
  for (size_t first = 0; first < kWalkRows; first += 8) {
    __m256i idx = _mm256_setzero_si256();
    for (uint32_t d = 0; d < depth; ++d) {
      const int32_t* column = keys + (2 * static_cast<size_t>(levels[d].feature) + 1) * kWalkRows + first;
      const __m256i key = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(column));
      const __m256i above = _mm256_cmpgt_epi32(key, _mm256_set1_epi32(BorderKey(levels[d].threshold)));
      idx = _mm256_or_si256(idx, _mm256_and_si256(above, _mm256_set1_epi32(static_cast<int>(1u << d))));
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(leaf + first), idx);
  }
}

// AVX2 leaf masks: the rows (8 a vector) of a split of kind K going right,
// all ones (Right16's rule; short sets of at most 8 words are permuted out
// of `set`, longer ones gathered).
template <int K>
TABPILOT_AVX2 inline __m256i Right8(const int32_t* column, __m256i threshold, __m256i set, bool permute,
                                    const uint32_t* set_words, __m256i missing_right) {
  const __m256i value = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(column));
  if constexpr (K == kNumericSplit) {
    return _mm256_cmpgt_epi32(value, threshold);
  } else {
    const __m256i in_set =
        _mm256_and_si256(_mm256_cmpgt_epi32(threshold, value), _mm256_cmpgt_epi32(value, _mm256_set1_epi32(-1)));
    const __m256i word_at = _mm256_srli_epi32(value, 5);
    const __m256i word = permute
                             ? _mm256_permutevar8x32_epi32(set, word_at)
                             : _mm256_mask_i32gather_epi32(_mm256_setzero_si256(),
                                                           reinterpret_cast<const int*>(set_words), word_at, in_set, 4);
    const __m256i one = _mm256_set1_epi32(1);
    const __m256i bit = _mm256_and_si256(_mm256_srlv_epi32(word, _mm256_and_si256(value, _mm256_set1_epi32(31))), one);
    const __m256i member = _mm256_and_si256(in_set, _mm256_cmpeq_epi32(bit, one));
    const __m256i missing = _mm256_cmpeq_epi32(value, _mm256_set1_epi32(kMissingCode));
    return _mm256_or_si256(member, _mm256_and_si256(missing, missing_right));
  }
}

// One word of the 64 rows' leaf masks (8 vectors of 8 rows) after the word's
// splits of kind K in [begin, end).
template <int K>
TABPILOT_AVX2 inline void ApplyWordSplits8(const WordSplit* splits, uint32_t begin, uint32_t end, const int32_t* keys,
                                           int32_t code_offset, const uint32_t* words, __m256i* mask) {
  for (uint32_t s = begin; s < end; ++s) {
    const WordSplit& split = splits[s];
    const int32_t* column = keys + (K == kNumericSplit ? 0 : code_offset) + split.column * kWalkRows;
    const __m256i threshold = _mm256_set1_epi32(split.threshold_key);
    const __m256i clear = _mm256_set1_epi32(static_cast<int>(split.clear));
    const uint32_t word_begin = split.set >> 1;
    const auto set_words = static_cast<uint32_t>(split.threshold_key) / 32;  // categorical splits
    const bool permute = K == kShortSetSplit && set_words <= 8;
    __m256i set = _mm256_setzero_si256();
    if (permute) {
      // The set's words in lanes [0, set_words) by one masked load (a copy
      // through the stack would stall on store forwarding).
      const __m256i lanes =
          _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(set_words)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
      set = _mm256_maskload_epi32(reinterpret_cast<const int*>(words + word_begin), lanes);
    }
    const __m256i missing_right = _mm256_set1_epi32((split.set & 1) != 0 ? 0 : -1);
    for (int g = 0; g < 8; ++g) {
      const __m256i right = Right8<K>(column + 8 * g, threshold, set, permute, words + word_begin, missing_right);
      mask[g] = _mm256_andnot_si256(_mm256_and_si256(right, clear), mask[g]);
    }
  }
}

// Tiny sets: right iff the row's bit (1 << code, missing 1 << 31, else 0)
// is in the split's word (which holds 1 << 31 when missing goes right).
TABPILOT_AVX2 inline void ApplyTinySets8(const WordSplit* splits, uint32_t begin, uint32_t end, const int32_t* bits,
                                         __m256i* mask) {
  const __m256i zero = _mm256_setzero_si256();
  for (uint32_t s = begin; s < end; ++s) {
    const WordSplit& split = splits[s];
    const int32_t* column = bits + split.column * kWalkRows;
    const __m256i set = _mm256_set1_epi32(static_cast<int>(split.set));
    const __m256i clear = _mm256_set1_epi32(static_cast<int>(split.clear));
    for (int g = 0; g < 8; ++g) {
      const __m256i bit = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(column + 8 * g));
      const __m256i left = _mm256_cmpeq_epi32(_mm256_and_si256(bit, set), zero);
      mask[g] = _mm256_andnot_si256(_mm256_andnot_si256(left, clear), mask[g]);
    }
  }
}

// The lowest set bit of each lane (Avx512's LowestBit16; signed conversion:
// 2^31 becomes -2^31, whose exponent is the same).
TABPILOT_AVX2 inline __m256i LowestBit8(__m256i x) {
  const __m256i low = _mm256_and_si256(x, _mm256_sub_epi32(_mm256_setzero_si256(), x));
  const __m256i bits = _mm256_castps_si256(_mm256_cvtepi32_ps(low));
  const __m256i exponent = _mm256_and_si256(_mm256_srli_epi32(bits, 23), _mm256_set1_epi32(0xFF));
  return _mm256_sub_epi32(exponent, _mm256_set1_epi32(127));
}

// Word by word, the 64 rows' masks of that word after its splits; then each
// row's leaf: the lowest bit of its first non-empty word.
TABPILOT_AVX2 void MaskWordsAvx2Impl(const CompiledTree& tree, const WordSplit* splits, const int32_t* keys,
                                     int32_t code_offset, const uint32_t* words, uint32_t* number) {
  const uint32_t num_words = (tree.mask_leaves + 31) / 32;
  alignas(32) uint32_t masks[kMaxMaskWords][kWalkRows];
  uint32_t begin = 0;
  for (uint32_t w = 0; w < num_words; ++w) {
    __m256i mask[8];
    for (auto& m : mask) m = _mm256_set1_epi32(-1);
    const uint32_t numeric_end = begin + tree.word_numeric[w];
    const uint32_t tiny_end = numeric_end + tree.word_tiny_sets[w];
    const uint32_t short_end = tiny_end + tree.word_short_sets[w];
    ApplyWordSplits8<kNumericSplit>(splits, begin, numeric_end, keys, code_offset, words, mask);
    ApplyTinySets8(splits, numeric_end, tiny_end, keys + code_offset + code_offset / 2, mask);
    ApplyWordSplits8<kShortSetSplit>(splits, tiny_end, short_end, keys, code_offset, words, mask);
    ApplyWordSplits8<kLongSetSplit>(splits, short_end, tree.word_end[w], keys, code_offset, words, mask);
    for (int g = 0; g < 8; ++g) _mm256_store_si256(reinterpret_cast<__m256i*>(masks[w] + 8 * g), mask[g]);
    begin = tree.word_end[w];
  }
  for (size_t g = 0; g < kWalkRows; g += 8) {
    const __m256i last = _mm256_load_si256(reinterpret_cast<const __m256i*>(masks[num_words - 1] + g));
    __m256i lowest = _mm256_add_epi32(LowestBit8(last), _mm256_set1_epi32(static_cast<int>(32 * (num_words - 1))));
    for (uint32_t w = num_words - 1; w-- > 0;) {
      const __m256i word = _mm256_load_si256(reinterpret_cast<const __m256i*>(masks[w] + g));
      const __m256i empty = _mm256_cmpeq_epi32(word, _mm256_setzero_si256());
      const __m256i here = _mm256_add_epi32(LowestBit8(word), _mm256_set1_epi32(static_cast<int>(32 * w)));
      lowest = _mm256_blendv_epi8(here, lowest, empty);
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(number + g), lowest);
  }
}

// raw[i] += weight x double(values[number[i]]) for rows [0, n), 8 rows at a
// time: the scalar loop's roundings (trees summed in double).
TABPILOT_AVX2 void AddNumberedAvx2(const float* values, const uint32_t* number, size_t n, double weight, double* raw) {
  const __m256d w = _mm256_set1_pd(weight);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i at = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(number + i));
    const __m256 value = _mm256_i32gather_ps(values, at, 4);
    const __m256d lo = _mm256_mul_pd(w, _mm256_cvtps_pd(_mm256_castps256_ps128(value)));
    const __m256d hi = _mm256_mul_pd(w, _mm256_cvtps_pd(_mm256_extractf128_ps(value, 1)));
    _mm256_storeu_pd(raw + i, _mm256_add_pd(_mm256_loadu_pd(raw + i), lo));
    _mm256_storeu_pd(raw + i + 4, _mm256_add_pd(_mm256_loadu_pd(raw + i + 4), hi));
  }
  for (; i < n; ++i) raw[i] += weight * static_cast<double>(values[number[i]]);
}

// Lanes [0, count) of values, the rest 0, with no read past them.
TABPILOT_AVX2 inline __m256 LoadFirst8(const float* values, uint32_t count) {
  const __m256i lanes =
      _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(count)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  return _mm256_maskload_ps(values, lanes);
}

// values[number] for 8 numbers below 32 (`table`: the values in four
// vectors) by permutes: the low 3 bits pick a lane, bits 3 and 4 a vector.
TABPILOT_AVX2 inline __m256 Lookup32(const __m256* table, __m256i number) {
  const __m256 bit3 = _mm256_castsi256_ps(_mm256_slli_epi32(number, 28));
  const __m256 bit4 = _mm256_castsi256_ps(_mm256_slli_epi32(number, 27));
  const __m256 low =
      _mm256_blendv_ps(_mm256_permutevar8x32_ps(table[0], number), _mm256_permutevar8x32_ps(table[1], number), bit3);
  const __m256 high =
      _mm256_blendv_ps(_mm256_permutevar8x32_ps(table[2], number), _mm256_permutevar8x32_ps(table[3], number), bit3);
  return _mm256_blendv_ps(low, high, bit4);
}

// out[i] += values[number[i]] in float, rows [0, n): trees of at most 32
// leaves by permutes, larger ones by gathers.
TABPILOT_AVX2 void AddNumberedFloatsAvx2Impl(const float* values, uint32_t leaves, const uint32_t* number, size_t n,
                                             float* out) {
  size_t i = 0;
  if (leaves <= 32) {
    __m256 table[4];
    for (uint32_t t = 0; t < 4; ++t) {
      table[t] = 8 * t < leaves ? LoadFirst8(values + 8 * t, leaves - 8 * t) : _mm256_setzero_ps();
    }
    for (; i + 8 <= n; i += 8) {
      const __m256i at = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(number + i));
      _mm256_storeu_ps(out + i, _mm256_add_ps(_mm256_loadu_ps(out + i), Lookup32(table, at)));
    }
  } else {
    for (; i + 8 <= n; i += 8) {
      const __m256i at = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(number + i));
      _mm256_storeu_ps(out + i, _mm256_add_ps(_mm256_loadu_ps(out + i), _mm256_i32gather_ps(values, at, 4)));
    }
  }
  for (; i < n; ++i) out[i] += values[number[i]];
}

// The keys (and, when `code` is set, codes and bits) of one feature's 8 rows
// `v`, stored at `at` in each of its columns (FillKeys' rules).
TABPILOT_AVX2 inline void StoreKeys8(__m256 v, size_t f, size_t at, int32_t* keys, int32_t* code, int32_t* bits) {
  const __m256i low31 = _mm256_set1_epi32(INT32_MAX);
  const __m256i top = _mm256_set1_epi32(INT32_MIN);
  const __m256i m = _mm256_castps_si256(_mm256_cmp_ps(v, v, _CMP_UNORD_Q));
  // FloatKey: -0 as +0; negative values' bits with the low 31 flipped.
  const __m256i b = _mm256_castps_si256(_mm256_andnot_ps(_mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_EQ_OQ), v));
  const __m256i key = _mm256_xor_si256(b, _mm256_and_si256(_mm256_srai_epi32(b, 31), low31));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(keys + 2 * f * kWalkRows + at), _mm256_blendv_epi8(key, low31, m));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(keys + (2 * f + 1) * kWalkRows + at), _mm256_blendv_epi8(key, top, m));
  if (code == nullptr) return;
  const __m256 valid = _mm256_and_ps(_mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_GE_OQ),
                                     _mm256_cmp_ps(v, _mm256_set1_ps(16777216.0f), _CMP_LT_OQ));
  const __m256i truncated = _mm256_cvttps_epi32(_mm256_and_ps(v, valid));
  const __m256i c =
      _mm256_blendv_epi8(_mm256_blendv_epi8(_mm256_set1_epi32(kInvalidCode), truncated, _mm256_castps_si256(valid)),
                         _mm256_set1_epi32(kMissingCode), m);
  const __m256i bit =
      _mm256_and_si256(_mm256_sllv_epi32(_mm256_set1_epi32(1), c), _mm256_cmpgt_epi32(_mm256_set1_epi32(31), c));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(code + f * kWalkRows + at), c);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(bits + f * kWalkRows + at),
                      _mm256_or_si256(bit, _mm256_and_si256(m, top)));
}

// FillKeys (compiled_evaluator.cpp) for rows [0, n - n % 8): 8 rows by 8
// features loaded row by row and transposed in registers (a gather per
// feature costs far more), the last features gathered.
TABPILOT_AVX2 size_t FillKeysAvx2Impl(const float* rows, size_t stride, size_t n, size_t features, bool codes,
                                      int32_t* keys) {
  int32_t* code = codes ? keys + 2 * features * kWalkRows : nullptr;
  int32_t* bits = codes ? code + features * kWalkRows : nullptr;
  const size_t whole = n - n % 8;
  const size_t tiled = features - features % 8;
  const __m256i lanes =
      _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(static_cast<int>(stride)));
  for (size_t i = 0; i < whole; i += 8) {
    const float* block = rows + i * stride;
    for (size_t f = 0; f < tiled; f += 8) {
      __m256 r[8];
      for (size_t k = 0; k < 8; ++k) r[k] = _mm256_loadu_ps(block + k * stride + f);
      const __m256 a0 = _mm256_unpacklo_ps(r[0], r[1]), a1 = _mm256_unpackhi_ps(r[0], r[1]);
      const __m256 a2 = _mm256_unpacklo_ps(r[2], r[3]), a3 = _mm256_unpackhi_ps(r[2], r[3]);
      const __m256 a4 = _mm256_unpacklo_ps(r[4], r[5]), a5 = _mm256_unpackhi_ps(r[4], r[5]);
      const __m256 a6 = _mm256_unpacklo_ps(r[6], r[7]), a7 = _mm256_unpackhi_ps(r[6], r[7]);
      const __m256 b0 = _mm256_shuffle_ps(a0, a2, 0x44), b1 = _mm256_shuffle_ps(a0, a2, 0xEE);
      const __m256 b2 = _mm256_shuffle_ps(a1, a3, 0x44), b3 = _mm256_shuffle_ps(a1, a3, 0xEE);
      const __m256 b4 = _mm256_shuffle_ps(a4, a6, 0x44), b5 = _mm256_shuffle_ps(a4, a6, 0xEE);
      const __m256 b6 = _mm256_shuffle_ps(a5, a7, 0x44), b7 = _mm256_shuffle_ps(a5, a7, 0xEE);
      // Column k of the tile: feature f + k of rows i to i + 7.
      StoreKeys8(_mm256_permute2f128_ps(b0, b4, 0x20), f + 0, i, keys, code, bits);
      StoreKeys8(_mm256_permute2f128_ps(b1, b5, 0x20), f + 1, i, keys, code, bits);
      StoreKeys8(_mm256_permute2f128_ps(b2, b6, 0x20), f + 2, i, keys, code, bits);
      StoreKeys8(_mm256_permute2f128_ps(b3, b7, 0x20), f + 3, i, keys, code, bits);
      StoreKeys8(_mm256_permute2f128_ps(b0, b4, 0x31), f + 4, i, keys, code, bits);
      StoreKeys8(_mm256_permute2f128_ps(b1, b5, 0x31), f + 5, i, keys, code, bits);
      StoreKeys8(_mm256_permute2f128_ps(b2, b6, 0x31), f + 6, i, keys, code, bits);
      StoreKeys8(_mm256_permute2f128_ps(b3, b7, 0x31), f + 7, i, keys, code, bits);
    }
    for (size_t f = tiled; f < features; ++f) {
      StoreKeys8(_mm256_i32gather_ps(block + f, lanes, 4), f, i, keys, code, bits);
    }
  }
  return whole;
}

// ---------------------------------------------------------------- AVX-512

// The all-lanes forms of the intrinsics GCC 12 defines over an undefined
// vector (which its -Wmaybe-uninitialized flags): zero-masked or merged
// into zero, with every lane selected.
constexpr __mmask16 kAll16 = 0xFFFF;
template <unsigned N>
TABPILOT_AVX512 inline __m512i Shl16(__m512i x) {
  return _mm512_maskz_slli_epi32(kAll16, x, N);
}
template <unsigned N>
TABPILOT_AVX512 inline __m512i Shr16(__m512i x) {
  return _mm512_maskz_srli_epi32(kAll16, x, N);
}
TABPILOT_AVX512 inline __m512i Shrv16(__m512i x, __m512i n) { return _mm512_maskz_srlv_epi32(kAll16, x, n); }
TABPILOT_AVX512 inline __m512i Gather16(__m512i at, const void* base) {
  return _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), kAll16, at, base, 4);
}

TABPILOT_AVX512 inline __mmask16 NumericStep16(const char* nodes, const int32_t* keys, __m512i rows, __m512i* idx) {
  const __m512i at = Shl16<2>(*idx);
  const __m512i threshold = Gather16(at, nodes + kThresholdAt);
  const __m512i column = Gather16(at, nodes + kColumnAt);
  const __m512i child = Gather16(at, nodes + kChildAt);
  const __m512i key = Gather16(_mm512_add_epi32(Shl16<kRowShift>(column), rows), keys);
  const __mmask16 right = _mm512_cmpgt_epi32_mask(key, threshold);
  const __m512i next = _mm512_mask_add_epi32(child, right, child, _mm512_set1_epi32(1));
  const __mmask16 moved = _mm512_cmpneq_epi32_mask(next, *idx);
  *idx = next;
  return moved;
}

TABPILOT_AVX512 inline __mmask16 MixedStep16(const char* nodes, const int32_t* keys, __m512i code_offset,
                                             const uint32_t* words, __m512i rows, __m512i* idx) {
  const __m512i zero = _mm512_setzero_si512();
  const __m512i at = Shl16<2>(*idx);
  const __m512i threshold = Gather16(at, nodes + kThresholdAt);
  const __m512i column = Gather16(at, nodes + kColumnAt);
  const __m512i child = Gather16(at, nodes + kChildAt);
  const __mmask16 categorical = _mm512_cmplt_epi32_mask(child, zero);
  __m512i key_at = _mm512_add_epi32(Shl16<kRowShift>(column), rows);
  key_at = _mm512_mask_add_epi32(key_at, categorical, key_at, code_offset);
  const __m512i key = Gather16(key_at, keys);
  const __mmask16 numeric_right = _mm512_mask_cmpgt_epi32_mask(static_cast<__mmask16>(~categorical), key, threshold);
  // Unsigned: the negative missing and invalid codes are never in the set.
  const __mmask16 in_set = _mm512_mask_cmplt_epu32_mask(categorical, key, threshold);
  const __m512i word_begin = _mm512_mask_i32gather_epi32(zero, in_set, at, nodes + kPayloadAt, 4);
  const __m512i word_at = _mm512_add_epi32(word_begin, Shr16<5>(key));
  const __m512i word = _mm512_mask_i32gather_epi32(zero, in_set, word_at, words, 4);
  const __m512i shifted = Shrv16(word, _mm512_and_si512(key, _mm512_set1_epi32(31)));
  const __mmask16 member = _mm512_mask_test_epi32_mask(in_set, shifted, _mm512_set1_epi32(1));
  const __mmask16 default_right =
      _mm512_mask_testn_epi32_mask(categorical, child, _mm512_set1_epi32(static_cast<int>(EvalNode::kDefaultLeft)));
  const __mmask16 missing_right = _mm512_mask_cmpeq_epi32_mask(default_right, key, _mm512_set1_epi32(kMissingCode));
  const __mmask16 right = numeric_right | member | missing_right;
  const __m512i base = _mm512_and_si512(child, _mm512_set1_epi32(static_cast<int>(EvalNode::kIndexMask)));
  const __m512i next = _mm512_mask_add_epi32(base, right, base, _mm512_set1_epi32(1));
  const __mmask16 moved = _mm512_cmpneq_epi32_mask(next, *idx);
  *idx = next;
  return moved;
}

TABPILOT_AVX512 inline __m512i Rows16(int first) {
  return _mm512_add_epi32(_mm512_set1_epi32(first),
                          _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
}

TABPILOT_AVX512 void NumericAvx512(const EvalNode* nodes, uint32_t depth, const int32_t* keys, uint32_t* leaf) {
  static_assert(kWalkRows == 64);
  const char* base = FieldBase(nodes, 0);
  const __m512i r0 = Rows16(0), r1 = Rows16(16), r2 = Rows16(32), r3 = Rows16(48);
  __m512i i0 = _mm512_setzero_si512(), i1 = i0, i2 = i0, i3 = i0;
  for (uint32_t d = 0; d < depth; ++d) {
    __mmask16 moved = NumericStep16(base, keys, r0, &i0);
    moved |= NumericStep16(base, keys, r1, &i1);
    moved |= NumericStep16(base, keys, r2, &i2);
    moved |= NumericStep16(base, keys, r3, &i3);
    if (moved == 0) break;
  }
  _mm512_storeu_si512(leaf, i0);
  _mm512_storeu_si512(leaf + 16, i1);
  _mm512_storeu_si512(leaf + 32, i2);
  _mm512_storeu_si512(leaf + 48, i3);
}

TABPILOT_AVX512 void MixedAvx512(const EvalNode* nodes, uint32_t depth, const int32_t* keys, int32_t code_offset,
                                 const uint32_t* words, uint32_t* leaf) {
  const char* base = FieldBase(nodes, 0);
  const __m512i offset = _mm512_set1_epi32(code_offset);
  const __m512i r0 = Rows16(0), r1 = Rows16(16), r2 = Rows16(32), r3 = Rows16(48);
  __m512i i0 = _mm512_setzero_si512(), i1 = i0, i2 = i0, i3 = i0;
  for (uint32_t d = 0; d < depth; ++d) {
    __mmask16 moved = MixedStep16(base, keys, offset, words, r0, &i0);
    moved |= MixedStep16(base, keys, offset, words, r1, &i1);
    moved |= MixedStep16(base, keys, offset, words, r2, &i2);
    moved |= MixedStep16(base, keys, offset, words, r3, &i3);
    if (moved == 0) break;
  }
  _mm512_storeu_si512(leaf, i0);
  _mm512_storeu_si512(leaf + 16, i1);
  _mm512_storeu_si512(leaf + 32, i2);
  _mm512_storeu_si512(leaf + 48, i3);
}

TABPILOT_AVX512 void ObliviousAvx512(const CompiledNode* levels, uint32_t depth, const int32_t* keys, uint32_t* leaf) {
  for (size_t first = 0; first < kWalkRows; first += 16) {
    __m512i idx = _mm512_setzero_si512();
    for (uint32_t d = 0; d < depth; ++d) {
      const int32_t* column = keys + (2 * static_cast<size_t>(levels[d].feature) + 1) * kWalkRows + first;
      const __mmask16 above =
          _mm512_cmpgt_epi32_mask(_mm512_loadu_si512(column), _mm512_set1_epi32(BorderKey(levels[d].threshold)));
      idx = _mm512_mask_or_epi32(idx, above, idx, _mm512_set1_epi32(static_cast<int>(1u << d)));
    }
    _mm512_storeu_si512(leaf + first, idx);
  }
}

// The 16 rows at `column` (a split's key or code column, from the row)
// that go right at a split of kind K (numeric, short set, long set: the
// order MaskSplits come in). Numeric: key > threshold key. Categorical: the
// code (`threshold` = 32 x the set's words) in the set, its word picked from
// `set` (short sets, in one vector) or gathered from `set_words`, or the
// code missing and the default right (`missing_right` all ones).
template <int K>
TABPILOT_AVX512 inline __mmask16 Right16(const int32_t* column, __m512i threshold, __m512i set,
                                         const uint32_t* set_words, __mmask16 missing_right) {
  if constexpr (K == kNumericSplit) {
    return _mm512_cmpgt_epi32_mask(_mm512_loadu_si512(column), threshold);
  } else {
    const __m512i code = _mm512_loadu_si512(column);
    // Unsigned: the negative missing and invalid codes are never in the set.
    const __mmask16 in_set = _mm512_cmplt_epu32_mask(code, threshold);
    const __m512i word_at = Shr16<5>(code);
    __m512i word;
    if constexpr (K == kShortSetSplit) {
      word = _mm512_maskz_permutexvar_epi32(kAll16, word_at, set);
    } else {
      word = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), in_set, word_at, set_words, 4);
    }
    const __m512i shifted = Shrv16(word, _mm512_and_si512(code, _mm512_set1_epi32(31)));
    const __mmask16 member = _mm512_mask_test_epi32_mask(in_set, shifted, _mm512_set1_epi32(1));
    return member | _mm512_mask_cmpeq_epi32_mask(missing_right, code, _mm512_set1_epi32(kMissingCode));
  }
}

// Leaf masks of the block's 64 rows: W 32-bit words a row (leaf k at bit
// k % 32 of word k / 32), m[w][g] the words w of rows 16g to 16g + 15.
template <int W>
struct LeafMasks {
  __m512i m[W][4];
};

// Applies splits [begin, end), all of kind K, to the masks.
template <int W, int K>
TABPILOT_AVX512 inline void ApplySplits(const MaskSplit* splits, uint32_t begin, uint32_t end, const int32_t* keys,
                                        int32_t code_offset, const uint32_t* words, LeafMasks<W>* masks) {
  for (uint32_t s = begin; s < end; ++s) {
    const MaskSplit& split = splits[s];
    const int32_t* column = keys + (K == kNumericSplit ? 0 : code_offset) + split.column * kWalkRows;
    const __m512i threshold = _mm512_set1_epi32(split.threshold_key);
    __m512i set = _mm512_setzero_si512();
    if constexpr (K == kShortSetSplit) {
      const auto count = static_cast<unsigned>(split.threshold_key) / 32;
      set = _mm512_maskz_loadu_epi32(static_cast<__mmask16>((1u << count) - 1), words + split.word_begin);
    }
    const auto missing_right = static_cast<__mmask16>((split.flags & EvalNode::kDefaultLeft) != 0 ? 0 : kAll16);
    __m512i keep[W];
    for (int w = 0; w < W; ++w) {
      keep[w] = _mm512_set1_epi32(static_cast<int>(static_cast<uint32_t>(split.keep[w / 2] >> (32 * (w % 2)))));
    }
    for (int g = 0; g < 4; ++g) {
      const __mmask16 right = Right16<K>(column + 16 * g, threshold, set, words + split.word_begin, missing_right);
      for (int w = 0; w < W; ++w)
        masks->m[w][g] = _mm512_mask_and_epi32(masks->m[w][g], right, masks->m[w][g], keep[w]);
    }
  }
}

// The index of the lowest set bit of each lane (lanes not zero): the
// lowest bit alone, converted to float (exact: a power of two), is 2^index.
TABPILOT_AVX512 inline __m512i LowestBit16(__m512i x) {
  const __m512i low = _mm512_and_si512(x, _mm512_sub_epi32(_mm512_setzero_si512(), x));
  const __m512i bits = _mm512_castps_si512(_mm512_maskz_cvtepu32_ps(kAll16, low));
  return _mm512_sub_epi32(Shr16<23>(bits), _mm512_set1_epi32(127));
}

// number[i] = the lowest leaf row i's mask keeps (never none: a row's own
// leaf is never cleared).
template <int W>
TABPILOT_AVX512 void MaskAvx512(const MaskSplit* splits, uint32_t numeric, uint32_t short_sets, uint32_t count,
                                const int32_t* keys, int32_t code_offset, const uint32_t* words, uint32_t* number) {
  LeafMasks<W> masks;
  for (int w = 0; w < W; ++w) {
    for (int g = 0; g < 4; ++g) masks.m[w][g] = _mm512_set1_epi32(-1);
  }
  ApplySplits<W, kNumericSplit>(splits, 0, numeric, keys, code_offset, words, &masks);
  ApplySplits<W, kShortSetSplit>(splits, numeric, numeric + short_sets, keys, code_offset, words, &masks);
  ApplySplits<W, kLongSetSplit>(splits, numeric + short_sets, count, keys, code_offset, words, &masks);
  for (int g = 0; g < 4; ++g) {
    __m512i lowest = LowestBit16(masks.m[W - 1][g]);
    if constexpr (W > 1) lowest = _mm512_add_epi32(lowest, _mm512_set1_epi32(32 * (W - 1)));
    for (int w = W - 2; w >= 0; --w) {
      const __mmask16 here = _mm512_test_epi32_mask(masks.m[w][g], masks.m[w][g]);
      lowest = _mm512_mask_blend_epi32(here, lowest,
                                       _mm512_add_epi32(LowestBit16(masks.m[w][g]), _mm512_set1_epi32(32 * w)));
    }
    _mm512_storeu_si512(number + 16 * g, lowest);
  }
}

// The values of the leaves numbered `number` (under mask k) of a tree whose
// `leaves` values, left to right, are at `values`: picked by a permutation
// of at most 32, else gathered.
TABPILOT_AVX512 inline __m512 NumberedValues16(const float* values, uint32_t leaves, __m512i number, __mmask16 k) {
  if (leaves <= 32) {
    const auto below = static_cast<__mmask16>(leaves >= 16 ? 0xFFFF : (1u << leaves) - 1);
    const auto above = static_cast<__mmask16>(leaves <= 16 ? 0 : (1u << (leaves - 16)) - 1);
    const __m512 first = _mm512_maskz_loadu_ps(below, values);
    const __m512 second = _mm512_maskz_loadu_ps(above, values + 16);
    return _mm512_permutex2var_ps(first, number, second);
  }
  return _mm512_mask_i32gather_ps(_mm512_setzero_ps(), k, number, values, 4);
}

// The leaf values of up to 16 rows from leaf + i (tree-local node indices)
// under mask `k`.
TABPILOT_AVX512 inline __m512 LeafValues16(const EvalNode* eval, const float* leaf_values, const uint32_t* leaf,
                                           __mmask16 k) {
  const __m512i idx = _mm512_maskz_loadu_epi32(k, leaf);
  const __m512i payload =
      _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), k, Shl16<2>(idx), FieldBase(eval, kPayloadAt), 4);
  return _mm512_mask_i32gather_ps(_mm512_setzero_ps(), k, payload, leaf_values, 4);
}

// raw[j] = double(float(raw[j]) + v[j]) for the 8 rows of mask k, as the
// scalar code rounds.
TABPILOT_AVX512 inline void AddInFloat8(__m256 v, __mmask8 k, double* raw) {
  const __m512d r = _mm512_maskz_loadu_pd(k, raw);
  const __m256 sum = _mm256_add_ps(_mm512_maskz_cvtpd_ps(0xFF, r), v);
  _mm512_mask_storeu_pd(raw, k, _mm512_maskz_cvtps_pd(0xFF, sum));
}

// raw[j] += weight x double(v[j]) for the 8 rows of mask k (a product, then
// a sum, as the scalar code rounds).
TABPILOT_AVX512 inline void AddInDouble8(__m256 v, __mmask8 k, __m512d weight, double* raw) {
  const __m512d r = _mm512_maskz_loadu_pd(k, raw);
  const __m512d product = _mm512_mul_pd(weight, _mm512_maskz_cvtps_pd(0xFF, v));
  _mm512_mask_storeu_pd(raw, k, _mm512_add_pd(r, product));
}

// Adds 16 rows' values v (under mask k) to the score column at raw.
TABPILOT_AVX512 inline void AddValues16(__m512 v, __mmask16 k, bool float_sum, __m512d weight, double* raw) {
  alignas(64) float values[16];  // halves through memory: GCC 12's extracts trip its warnings
  _mm512_store_ps(values, v);
  const __m256 lo = _mm256_load_ps(values);
  const __m256 hi = _mm256_load_ps(values + 8);
  if (float_sum) {
    AddInFloat8(lo, static_cast<__mmask8>(k), raw);
    AddInFloat8(hi, static_cast<__mmask8>(k >> 8), raw + 8);
  } else {
    AddInDouble8(lo, static_cast<__mmask8>(k), weight, raw);
    AddInDouble8(hi, static_cast<__mmask8>(k >> 8), weight, raw + 8);
  }
}

TABPILOT_AVX512 inline __mmask16 Rows16Mask(size_t n, size_t i) {
  return n - i >= 16 ? kAll16 : static_cast<__mmask16>((1u << (n - i)) - 1);
}

TABPILOT_AVX512 void AddLeavesAvx512Impl(const EvalNode* eval, const float* leaf_values, const uint32_t* leaf, size_t n,
                                         bool float_sum, double weight, double* raw) {
  const __m512d w = _mm512_set1_pd(weight);
  for (size_t i = 0; i < n; i += 16) {
    const __mmask16 k = Rows16Mask(n, i);
    AddValues16(LeafValues16(eval, leaf_values, leaf + i, k), k, float_sum, w, raw + i);
  }
}

TABPILOT_AVX512 void AddNumberedAvx512(const float* values, uint32_t leaves, const uint32_t* number, size_t n,
                                       bool float_sum, double weight, double* raw) {
  const __m512d w = _mm512_set1_pd(weight);
  for (size_t i = 0; i < n; i += 16) {
    const __mmask16 k = Rows16Mask(n, i);
    const __m512i numbers = _mm512_maskz_loadu_epi32(k, number + i);
    AddValues16(NumberedValues16(values, leaves, numbers, k), k, float_sum, w, raw + i);
  }
}

#undef TABPILOT_AVX2
#undef TABPILOT_AVX512

}  // namespace

bool TreeKernelSupported(TreeKernel kernel) {
  switch (kernel) {
    case TreeKernel::kAuto:
    case TreeKernel::kScalar:
      return true;
    case TreeKernel::kAvx2:
      return __builtin_cpu_supports("avx2") != 0;
    case TreeKernel::kAvx512:
      return __builtin_cpu_supports("avx512f") != 0 && __builtin_cpu_supports("avx512vl") != 0 &&
             __builtin_cpu_supports("avx512bw") != 0;
  }
  return false;
}

TreeKernel FastestTreeKernel() {
  if (TreeKernelSupported(TreeKernel::kAvx2)) return TreeKernel::kAvx2;
  if (TreeKernelSupported(TreeKernel::kAvx512)) return TreeKernel::kAvx512;
  return TreeKernel::kScalar;
}

const char* TreeKernelName(TreeKernel kernel) {
  switch (kernel) {
    case TreeKernel::kAuto:
      return "auto";
    case TreeKernel::kScalar:
      return "scalar";
    case TreeKernel::kAvx2:
      return "avx2";
    case TreeKernel::kAvx512:
      return "avx512";
  }
  return "?";
}

void WalkNumericAvx2(const EvalNode* nodes, uint32_t depth, const int32_t* keys, uint32_t* leaf) {
  NumericAvx2(nodes, depth, keys, leaf);
}
void WalkNumericAvx512(const EvalNode* nodes, uint32_t depth, const int32_t* keys, uint32_t* leaf) {
  NumericAvx512(nodes, depth, keys, leaf);
}
void WalkMixedAvx2(const EvalNode* nodes, uint32_t depth, const int32_t* keys, int32_t code_offset,
                   const uint32_t* words, uint32_t* leaf) {
  MixedAvx2(nodes, depth, keys, code_offset, words, leaf);
}
void WalkMixedAvx512(const EvalNode* nodes, uint32_t depth, const int32_t* keys, int32_t code_offset,
                     const uint32_t* words, uint32_t* leaf) {
  MixedAvx512(nodes, depth, keys, code_offset, words, leaf);
}
void MaskLeavesAvx512(const MaskSplit* splits, uint32_t numeric, uint32_t short_sets, uint32_t count, uint32_t leaves,
                      const int32_t* keys, int32_t code_offset, const uint32_t* words, uint32_t* number) {
  if (leaves <= 32) {
    MaskAvx512<1>(splits, numeric, short_sets, count, keys, code_offset, words, number);
  } else if (leaves <= 64) {
    MaskAvx512<2>(splits, numeric, short_sets, count, keys, code_offset, words, number);
  } else {
    MaskAvx512<4>(splits, numeric, short_sets, count, keys, code_offset, words, number);
  }
}
void MaskWordsAvx2(const CompiledTree& tree, const WordSplit* splits, const int32_t* keys, int32_t code_offset,
                   const uint32_t* words, uint32_t* number) {
  MaskWordsAvx2Impl(tree, splits, keys, code_offset, words, number);
}
void AddNumberedLeavesAvx512(const float* values, uint32_t leaves, const uint32_t* number, size_t n, bool float_sum,
                             double weight, double* raw) {
  AddNumberedAvx512(values, leaves, number, n, float_sum, weight, raw);
}
void AddWeightedLeavesAvx2(const float* values, const uint32_t* number, size_t n, double weight, double* raw) {
  AddNumberedAvx2(values, number, n, weight, raw);
}
size_t FillKeysAvx2(const float* rows, size_t stride, size_t n, size_t features, bool codes, int32_t* keys) {
  return FillKeysAvx2Impl(rows, stride, n, features, codes, keys);
}
void AddNumberedFloatsAvx2(const float* values, uint32_t leaves, const uint32_t* number, size_t n, float* out) {
  AddNumberedFloatsAvx2Impl(values, leaves, number, n, out);
}
void AddLeavesAvx512(const EvalNode* eval, const float* leaf_values, const uint32_t* leaf, size_t n, bool float_sum,
                     double weight, double* raw) {
  AddLeavesAvx512Impl(eval, leaf_values, leaf, n, float_sum, weight, raw);
}
void ObliviousLeavesAvx2(const CompiledNode* levels, uint32_t depth, const int32_t* keys, uint32_t* leaf) {
  ObliviousAvx2(levels, depth, keys, leaf);
}
void ObliviousLeavesAvx512(const CompiledNode* levels, uint32_t depth, const int32_t* keys, uint32_t* leaf) {
  ObliviousAvx512(levels, depth, keys, leaf);
}

}  // namespace tabpilot
