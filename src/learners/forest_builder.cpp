#include "learners/forest_builder.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/error.h"
#include "core/hash.h"

namespace tabpilot {
namespace {

constexpr int kNumCodes = 256;
// A cut index at or above every value code: "all present values go left",
// i.e. the split separates missing from present values (threshold +inf).
constexpr int kAllValues = BinnedMatrix::kMissingBin - 1;

struct StackItem {
  int32_t node;
  size_t begin;
  size_t end;
  int depth;
};

}  // namespace

struct TreeBuilder::Split {
  int32_t feature = -1;
  int cut = 0;
  bool default_left = false;
  double score = -std::numeric_limits<double>::infinity();
};

TreeBuilder::TreeBuilder(const TreeTrainingSet& data, const TreeConfig& config) : data_(data), config_(config) {
  const bool classification = config_.criterion != TreeConfig::Criterion::kSquaredError;
  if (classification && config_.num_classes < 2) throw Internal("forest: classification needs >= 2 classes");
  stride_ = classification ? static_cast<size_t>(config_.num_classes) + 1 : 3;
  hist_.assign(kNumCodes * stride_, 0.0);
  occupied_.reserve(kNumCodes);
  work_.assign(8 * stride_, 0.0);
}

uint64_t TreeBuilder::NextRandom() {
  rng_ += 0x9e3779b97f4a7c15ULL;
  return Mix64(rng_);
}

uint64_t TreeBuilder::Uniform(uint64_t n) {
  // Multiply-shift on the top 32 bits; n is far below 2^32 here (rows, bins,
  // features), so the bias is negligible for a tree's randomness.
  return ((NextRandom() >> 32) * n) >> 32;
}

template <TreeConfig::Criterion kCrit>
double TreeBuilder::Proxy(const double* s) const {
  // Larger is better. Summed over both children it ranks splits the same way
  // as the weighted impurity decrease, without recomputing the parent's term.
  if constexpr (kCrit == TreeConfig::Criterion::kSquaredError) {
    return s[1] > 0 ? s[2] * s[2] / s[1] : 0.0;
  } else if constexpr (kCrit == TreeConfig::Criterion::kGini) {
    double w = 0, sq = 0;
    for (int k = 1; k <= config_.num_classes; ++k) {
      w += s[k];
      sq += s[k] * s[k];
    }
    return w > 0 ? sq / w : 0.0;
  } else {
    double w = 0, sum = 0;
    for (int k = 1; k <= config_.num_classes; ++k) {
      if (s[k] > 0) {
        w += s[k];
        sum += s[k] * std::log(s[k]);
      }
    }
    return w > 0 ? sum - w * std::log(w) : 0.0;
  }
}

void TreeBuilder::NodeStats(size_t begin, size_t end, double* stats, bool* pure) const {
  std::fill(stats, stats + stride_, 0.0);
  if (config_.criterion == TreeConfig::Criterion::kSquaredError) {
    float lo = std::numeric_limits<float>::infinity();
    float hi = -lo;
    for (size_t i = begin; i < end; ++i) {
      const double w = pos_weight_[i];
      const float y = pos_target_[i];
      stats[0] += 1;
      stats[1] += w;
      stats[2] += w * y;
      lo = std::min(lo, y);
      hi = std::max(hi, y);
    }
    *pure = !(lo < hi);
  } else {
    for (size_t i = begin; i < end; ++i) {
      stats[0] += 1;
      stats[1 + pos_label_[i]] += pos_weight_[i];
    }
    int present = 0;
    for (int k = 1; k <= config_.num_classes; ++k) present += stats[k] > 0 ? 1 : 0;
    *pure = present <= 1;
  }
}

template <bool kTrackBins>
void TreeBuilder::Accumulate(const uint8_t* codes, size_t begin, size_t end, uint64_t* mask) {
  double* hist = hist_.data();
  const size_t s = stride_;
  const uint32_t* rows = rows_.data();
  const float* weight = pos_weight_.data();
  if (config_.criterion == TreeConfig::Criterion::kSquaredError) {
    const float* target = pos_target_.data();
    for (size_t i = begin; i < end; ++i) {
      const uint8_t c = codes[rows[i]];
      if constexpr (kTrackBins) mask[c >> 6] |= uint64_t{1} << (c & 63);
      double* h = hist + c * s;
      const double w = weight[i];
      h[0] += 1;
      h[1] += w;
      h[2] += w * target[i];
    }
  } else {
    const int32_t* label = pos_label_.data();
    for (size_t i = begin; i < end; ++i) {
      const uint8_t c = codes[rows[i]];
      if constexpr (kTrackBins) mask[c >> 6] |= uint64_t{1} << (c & 63);
      double* h = hist + c * s;
      h[0] += 1;
      h[1 + label[i]] += weight[i];
    }
  }
}

void TreeBuilder::Summarize(int32_t f, size_t begin, size_t end) {
  const uint8_t* codes = data_.x->feature_codes(static_cast<size_t>(f));
  occupied_.clear();
  hist_missing_ = false;
  // Large nodes: scan the 256 counts afterwards (cheaper than a bit-mask
  // update per row, which chains every iteration through memory). Small
  // nodes: track touched bins in a bit mask so the cost stays O(rows).
  if (end - begin >= kNumCodes / 2) {
    Accumulate<false>(codes, begin, end, nullptr);
    for (int bin = 0; bin < BinnedMatrix::kMissingBin; ++bin) {
      if (hist_[static_cast<size_t>(bin) * stride_] != 0) occupied_.push_back(static_cast<uint8_t>(bin));
    }
    hist_missing_ = hist_[BinnedMatrix::kMissingBin * stride_] != 0;
    return;
  }
  uint64_t mask[kNumCodes / 64] = {0, 0, 0, 0};
  Accumulate<true>(codes, begin, end, mask);
  for (int word = 0; word < kNumCodes / 64; ++word) {
    uint64_t bits = mask[word];
    while (bits != 0) {
      const int bin = word * 64 + std::countr_zero(bits);
      bits &= bits - 1;
      if (bin == BinnedMatrix::kMissingBin) {
        hist_missing_ = true;
      } else {
        occupied_.push_back(static_cast<uint8_t>(bin));
      }
    }
  }
}

void TreeBuilder::ClearHistogram() {
  const size_t s = stride_;
  for (uint8_t bin : occupied_) std::fill_n(hist_.data() + bin * s, s, 0.0);
  if (hist_missing_) std::fill_n(hist_.data() + BinnedMatrix::kMissingBin * s, s, 0.0);
}

template <TreeConfig::Criterion kCrit>
void TreeBuilder::TryCut(int32_t f, int cut, const double* left, const double* right_nm, const double* missing,
                         Split& best) {
  const size_t s = stride_;
  const double min_leaf = config_.min_samples_leaf;
  double* l = work_.data() + 4 * s;
  double* r = work_.data() + 5 * s;
  auto consider = [&](const double* a, const double* b, bool default_left) {
    if (a[0] < min_leaf || b[0] < min_leaf) return;
    const double score = Proxy<kCrit>(a) + Proxy<kCrit>(b);
    if (score > best.score) {
      best.feature = f;
      best.cut = cut;
      best.default_left = default_left;
      best.score = score;
    }
  };
  if (missing[0] == 0) {
    // No missing values seen here: at predict time NaN follows the larger side.
    consider(left, right_nm, left[0] >= right_nm[0]);
    return;
  }
  for (size_t k = 0; k < s; ++k) {
    l[k] = left[k] + missing[k];
    r[k] = right_nm[k] + missing[k];
  }
  consider(l, right_nm, true);
  consider(left, r, false);
}

template <TreeConfig::Criterion kCrit>
bool TreeBuilder::EvaluateFeature(int32_t f, const double* node, Split& best) {
  // Reads the summary Summarize() left for f; `node` is the node's stats.
  const size_t s = stride_;
  const size_t nocc = occupied_.size();
  const bool has_missing = hist_missing_;
  const double* missing = hist_.data() + BinnedMatrix::kMissingBin * s;
  if (nocc == 0 || (nocc == 1 && !has_missing)) return false;
  double* present = work_.data();
  double* left = work_.data() + s;
  double* right = work_.data() + 2 * s;
  double* zeros = work_.data() + 3 * s;
  for (size_t k = 0; k < s; ++k) {
    present[k] = node[k] - missing[k];
    left[k] = 0;
    zeros[k] = 0;
  }
  if (!config_.random_threshold) {
    for (size_t i = 0; i + 1 < nocc; ++i) {
      const double* bin = hist_.data() + occupied_[i] * s;
      for (size_t k = 0; k < s; ++k) {
        left[k] += bin[k];
        right[k] = present[k] - left[k];
      }
      // Any cut between two occupied bins splits the node's rows alike; take
      // the middle one so unseen values in the gap go to the nearer side.
      const int cut = occupied_[i] + (occupied_[i + 1] - occupied_[i] - 1) / 2;
      TryCut<kCrit>(f, cut, left, right, missing, best);
    }
    if (has_missing) TryCut<kCrit>(f, kAllValues, present, zeros, missing, best);
    return true;
  }
  if (nocc >= 2) {
    const int lo = occupied_.front();
    const int hi = occupied_.back();
    const int cut = lo + static_cast<int>(Uniform(static_cast<uint64_t>(hi - lo)));
    for (size_t i = 0; i < nocc && occupied_[i] <= cut; ++i) {
      const double* bin = hist_.data() + occupied_[i] * s;
      for (size_t k = 0; k < s; ++k) left[k] += bin[k];
    }
    for (size_t k = 0; k < s; ++k) right[k] = present[k] - left[k];
    TryCut<kCrit>(f, cut, left, right, missing, best);
  }
  // Missingness is one more "value" of the feature: also offer the clean
  // present-vs-missing cut, which a random threshold can never produce.
  if (has_missing) TryCut<kCrit>(f, kAllValues, present, zeros, missing, best);
  return true;
}

void TreeBuilder::MakeLeaf(FlatTree& tree, int32_t node, const double* stats) {
  tree.value_offset[static_cast<size_t>(node)] = static_cast<int32_t>(tree.leaf_values.size());
  if (config_.criterion == TreeConfig::Criterion::kSquaredError) {
    tree.leaf_values.push_back(stats[1] > 0 ? static_cast<float>(stats[2] / stats[1]) : 0.0f);
    return;
  }
  const int k_count = config_.num_classes;
  double w = 0;
  for (int k = 1; k <= k_count; ++k) w += stats[k];
  auto proba = [&](int k) { return w > 0 ? static_cast<float>(stats[1 + k] / w) : 1.0f / static_cast<float>(k_count); };
  if (k_count == 2) {
    tree.leaf_values.push_back(proba(1));  // binary leaves keep P(class 1) only
  } else {
    for (int k = 0; k < k_count; ++k) tree.leaf_values.push_back(proba(k));
  }
}

void TreeBuilder::DrawRows(std::vector<uint64_t>* in_bag) {
  const size_t n = data_.x->rows;
  rows_.clear();
  pos_weight_.clear();
  if (config_.bootstrap) {
    std::vector<uint32_t>& counts = scratch_rows_;  // reused as the draw counter
    counts.assign(n, 0);
    for (size_t i = 0; i < n; ++i) ++counts[Uniform(n)];
    if (in_bag != nullptr) in_bag->assign((n + 63) / 64, 0);
    for (size_t r = 0; r < n; ++r) {
      if (counts[r] > 0) {
        rows_.push_back(static_cast<uint32_t>(r));
        pos_weight_.push_back(static_cast<float>(counts[r]) * data_.weight[r]);
        if (in_bag != nullptr) (*in_bag)[r / 64] |= uint64_t{1} << (r % 64);
      }
    }
  } else {
    rows_.resize(n);
    std::iota(rows_.begin(), rows_.end(), 0u);
    pos_weight_ = data_.weight;
  }
  const bool regression = config_.criterion == TreeConfig::Criterion::kSquaredError;
  pos_label_.clear();
  pos_target_.clear();
  for (uint32_t r : rows_) {
    if (regression) {
      pos_target_.push_back(data_.target[r]);
    } else {
      pos_label_.push_back(data_.label[r]);
    }
  }
}

TreeBuilder::Split TreeBuilder::FindSplit(size_t begin, size_t end, const double* node) {
  const size_t num_features = features_.size();
  const size_t mtry = std::min(num_features, static_cast<size_t>(std::max(1, config_.max_features)));
  Split best;
  size_t found = 0;
  for (size_t i = 0; i < num_features && found < mtry; ++i) {
    std::swap(features_[i], features_[i + Uniform(num_features - i)]);
    Summarize(features_[i], begin, end);
    bool usable = false;
    switch (config_.criterion) {
      case TreeConfig::Criterion::kGini:
        usable = EvaluateFeature<TreeConfig::Criterion::kGini>(features_[i], node, best);
        break;
      case TreeConfig::Criterion::kEntropy:
        usable = EvaluateFeature<TreeConfig::Criterion::kEntropy>(features_[i], node, best);
        break;
      case TreeConfig::Criterion::kSquaredError:
        usable = EvaluateFeature<TreeConfig::Criterion::kSquaredError>(features_[i], node, best);
        break;
    }
    if (usable) ++found;
    ClearHistogram();
  }
  return best;
}

size_t TreeBuilder::Partition(size_t begin, size_t end, const Split& split) {
  // Stable in-place partition: left rows compact forward, right rows go via
  // scratch; both halves stay sorted by row for cache-friendly scans.
  const bool regression = config_.criterion == TreeConfig::Criterion::kSquaredError;
  const uint8_t* codes = data_.x->feature_codes(static_cast<size_t>(split.feature));
  size_t mid = begin;
  scratch_rows_.clear();
  scratch_label_.clear();
  scratch_target_.clear();
  scratch_weight_.clear();
  for (size_t i = begin; i < end; ++i) {
    const uint32_t r = rows_[i];
    const uint8_t c = codes[r];
    const bool go_left = c == BinnedMatrix::kMissingBin ? split.default_left : c <= split.cut;
    if (go_left) {
      rows_[mid] = r;
      pos_weight_[mid] = pos_weight_[i];
      if (regression) {
        pos_target_[mid] = pos_target_[i];
      } else {
        pos_label_[mid] = pos_label_[i];
      }
      ++mid;
    } else {
      scratch_rows_.push_back(r);
      scratch_weight_.push_back(pos_weight_[i]);
      if (regression) {
        scratch_target_.push_back(pos_target_[i]);
      } else {
        scratch_label_.push_back(pos_label_[i]);
      }
    }
  }
  // Only the task's own arrays are in use: the other (empty) one must not be
  // indexed, not even to form an iterator past its end.
  const auto put_back = [mid](const auto& scratch, auto& v) {
    if (!scratch.empty()) std::copy(scratch.begin(), scratch.end(), v.begin() + static_cast<std::ptrdiff_t>(mid));
  };
  put_back(scratch_rows_, rows_);
  put_back(scratch_weight_, pos_weight_);
  put_back(scratch_target_, pos_target_);
  put_back(scratch_label_, pos_label_);
  if (mid == begin || mid == end) throw Internal("forest: split produced an empty child");
  return mid;
}

FlatTree TreeBuilder::Build(uint64_t seed, std::vector<uint64_t>* in_bag) {
  rng_ = seed;
  DrawRows(in_bag);
  features_ = data_.usable_features;  // fresh permutation state per tree
  FlatTree tree;
  auto add_node = [&tree] {
    tree.feature.push_back(-1);
    tree.threshold.push_back(0.0f);
    tree.left.push_back(0);
    tree.right.push_back(0);
    tree.default_left.push_back(0);
    tree.value_offset.push_back(-1);
    return static_cast<int32_t>(tree.feature.size() - 1);
  };
  std::vector<double> stats(stride_);
  std::vector<StackItem> stack;
  stack.push_back({add_node(), 0, rows_.size(), 0});
  while (!stack.empty()) {
    const StackItem item = stack.back();
    stack.pop_back();
    bool pure = false;
    NodeStats(item.begin, item.end, stats.data(), &pure);
    const bool depth_done = config_.max_depth > 0 && item.depth >= config_.max_depth;
    if (pure || depth_done || stats[0] < 2.0 * config_.min_samples_leaf) {
      MakeLeaf(tree, item.node, stats.data());
      continue;
    }
    const Split best = FindSplit(item.begin, item.end, stats.data());
    if (best.feature < 0) {
      MakeLeaf(tree, item.node, stats.data());
      continue;
    }
    const size_t mid = Partition(item.begin, item.end, best);
    const auto& cuts = data_.x->cuts[static_cast<size_t>(best.feature)];
    const auto node = static_cast<size_t>(item.node);
    tree.feature[node] = best.feature;
    tree.threshold[node] = static_cast<size_t>(best.cut) < cuts.size() ? cuts[static_cast<size_t>(best.cut)]
                                                                       : std::numeric_limits<float>::infinity();
    tree.default_left[node] = best.default_left ? 1 : 0;
    const int32_t left = add_node();
    const int32_t right = add_node();
    tree.left[node] = left;
    tree.right[node] = right;
    stack.push_back({right, mid, item.end, item.depth + 1});
    stack.push_back({left, item.begin, mid, item.depth + 1});
  }
  tree.ShrinkToFit();
  return tree;
}

}  // namespace tabpilot
