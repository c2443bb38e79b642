#include "explain/tree_shap.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "core/error.h"
#include "core/parallel.h"

namespace tabpilot {

// Where a feature stands on the current path: its combined fractions (both
// 1 while it is not on the path) and the accumulator of its latest edge
// (null while it is not on the path).
struct ShapFeatureState {
  double one = 1;
  double zero = 1;
  double* excluded = nullptr;
  const double* inverse = nullptr;  // 1 / its factor at each point
};

// Rows a lane walk explains together (one tree walk, each value a vector of
// kLanes: the traversal is the same for every row, only the branches each
// row takes differ).
constexpr size_t kLanes = 4;

// One value per lane: a register of four doubles under AVX2, two of two
// otherwise (the compiler's vector extension; aligned for AVX2 either way).
typedef double LaneVector __attribute__((vector_size(kLanes * sizeof(double))));  // NOLINT(modernize-use-using)
struct alignas(32) ShapLanes {
  LaneVector v;
};

// A feature's state in a lane walk: per row its combined `one`, the shared
// `zero`, and the level buffers of its latest edge (null: not on the path).
struct alignas(32) ShapLaneState {
  LaneVector one = {1, 1, 1, 1};
  double zero = 1;
  ShapLanes* excluded = nullptr;
  const ShapLanes* inverse = nullptr;
};

// A worker's buffers, sized for trees of depth up to `depth`, `points`
// quadrature points and `width` raw scores per leaf: per level, the path
// product at each point, the sums its node returns and the accumulator of
// its edge; and every tree feature's state.
struct ShapWorkspace {
  ShapWorkspace(size_t depth, size_t points, size_t width, size_t features)
      : product((depth + 2) * points),
        sums((depth + 2) * points * width),
        excluded((depth + 2) * points * width),
        inverse((depth + 2) * points),
        without((depth + 2) * points),
        factor(points),
        state(features),
        lane_product((depth + 2) * points),
        lane_sums((depth + 2) * points),
        lane_excluded((depth + 2) * points),
        lane_inverse((depth + 2) * points),
        lane_state(features) {}
  std::vector<double> product;
  std::vector<double> sums;
  std::vector<double> excluded;
  std::vector<double> inverse;  // per level: 1 / the factor of its edge's feature at each point
  std::vector<double> without;  // per level: its path product without its split feature's factor
  std::vector<double> factor;   // the current edge's factor at each point
  std::vector<ShapFeatureState> state;
  // The lane walk's (width-1 trees), per level one vector a point.
  std::vector<ShapLanes> lane_product;
  std::vector<ShapLanes> lane_sums;
  std::vector<ShapLanes> lane_excluded;
  std::vector<ShapLanes> lane_inverse;
  std::vector<ShapLaneState> lane_state;
};

namespace {

// Rows whose extension features are computed together.
constexpr size_t kRowBlock = 64;

// What one tree's walk for one row reads and writes.
struct Walk {
  const ShapNode* nodes;
  const double* values;   // leaf values x tree weight
  const uint32_t* words;  // category sets
  const float* row;       // the row's tree features
  double* phi;            // the row's values for the tree's first raw score
  size_t stride;          // values per raw score (features + bias)
  uint32_t width;         // raw scores per leaf
  uint32_t points;        // quadrature points
  const double* t;        // the points, in (0, 1)
  const double* w;        // their weights
  const double* i_cold;   // 1 / (1 - t)
  ShapWorkspace* space;
};

// Writes into `out` (points x width) the sum over the leaves under node j
// (not a leaf; at level d, whose path product is space.product[d]) of the
// leaf's values times its path product; adds the contributions of the
// edges below j. N: the points when known at compile time (0: walk.points);
// One: one raw score per leaf.
template <uint32_t N, bool One>
void Visit(const Walk& walk, uint32_t j, uint32_t d, double* out) {
  const ShapNode& node = walk.nodes[j];
  const uint32_t points = N > 0 ? N : walk.points;
  const uint32_t width = One ? 1 : walk.width;
  const size_t block = static_cast<size_t>(points) * width;
  const double* product = walk.space->product.data() + static_cast<size_t>(d) * points;
  std::fill(out, out + block, 0.0);
  const uint32_t left = node.left();
  const uint32_t hot = left + (GoesRight(node, walk.row[node.feature], walk.words) ? 1u : 0u);
  const uint32_t cold = 2 * left + 1 - hot;
  ShapFeatureState& state = walk.space->state[node.feature];
  const ShapFeatureState before = state;
  const bool present = before.excluded != nullptr;
  double* child_product = walk.space->product.data() + static_cast<size_t>(d + 1) * points;
  double* child_sums = walk.space->sums.data() + static_cast<size_t>(d + 1) * block;
  double* excluded = walk.space->excluded.data() + static_cast<size_t>(d + 1) * block;
  double* inverse = walk.space->inverse.data() + static_cast<size_t>(d + 1) * points;
  double* phi = walk.phi + node.feature;
  // The path product without the split feature's factor, and its quadrature
  // (a leaf child's integral, up to the leaf's values).
  double* without = walk.space->without.data() + static_cast<size_t>(d) * points;
  double leaf_integral = 0;
  for (uint32_t k = 0; k < points; ++k) {
    without[k] = present ? product[k] * before.inverse[k] : product[k];
    leaf_integral += walk.w[k] * without[k];
  }
  for (int side = 0; side < 2; ++side) {
    const uint32_t child = side == 0 ? hot : cold;
    const double one = side == 0 ? before.one : 0.0;
    const double zero = before.zero * walk.nodes[child].fraction;
    if (one == 0 && zero == 0) continue;  // every leaf below weighs 0
    const double gap = one - zero;
    // The child's path product: the feature's factor t one + (1 - t) zero
    // replaces its earlier one (whose inverse its state keeps).
    for (uint32_t k = 0; k < points; ++k) child_product[k] = without[k] * (walk.t[k] * one + (1.0 - walk.t[k]) * zero);
    const ShapNode& below = walk.nodes[child];
    if (below.leaf()) {
      // One leaf: its integral is the leaf's values times the quadrature of
      // the path product without this feature's factor.
      const double* values = walk.values + below.payload;
      for (uint32_t c = 0; c < width; ++c) {
        phi[c * walk.stride] += gap * leaf_integral * values[c];
        for (uint32_t k = 0; k < points; ++k) {
          const double v = child_product[k] * values[c];
          out[k * width + c] += v;
          if (present) before.excluded[k * width + c] += v;
        }
      }
      continue;
    }
    // The factor's inverse at each point: on a branch the row does not take
    // (one = 0) the factor is (1 - t) zero, so one division serves them all.
    if (one == 0) {
      const double per_zero = 1.0 / zero;
      for (uint32_t k = 0; k < points; ++k) inverse[k] = walk.i_cold[k] * per_zero;
    } else {
      for (uint32_t k = 0; k < points; ++k) inverse[k] = 1.0 / (walk.t[k] * one + (1.0 - walk.t[k]) * zero);
    }
    std::fill(excluded, excluded + block, 0.0);
    state.one = one;
    state.zero = zero;
    state.excluded = excluded;
    state.inverse = inverse;
    Visit<N, One>(walk, child, d + 1, child_sums);
    state = before;
    for (uint32_t c = 0; c < width; ++c) {
      double integral = 0;
      for (uint32_t k = 0; k < points; ++k) {
        integral += walk.w[k] * inverse[k] * (child_sums[k * width + c] - excluded[k * width + c]);
      }
      phi[c * walk.stride] += gap * integral;
    }
    if (present) {
      for (size_t q = 0; q < block; ++q) before.excluded[q] += child_sums[q];
    }
    for (size_t q = 0; q < block; ++q) out[q] += child_sums[q];
  }
}

// The walk of one tree (its root not a leaf), with the points fixed at
// compile time for the common depths.
template <bool One>
void WalkTree(const Walk& walk, double* sums) {
  switch (walk.points) {
    case 1:
      return Visit<1, One>(walk, 0, 0, sums);
    case 2:
      return Visit<2, One>(walk, 0, 0, sums);
    case 3:
      return Visit<3, One>(walk, 0, 0, sums);
    case 4:
      return Visit<4, One>(walk, 0, 0, sums);
    case 5:
      return Visit<5, One>(walk, 0, 0, sums);
    case 6:
      return Visit<6, One>(walk, 0, 0, sums);
    case 7:
      return Visit<7, One>(walk, 0, 0, sums);
    case 8:
      return Visit<8, One>(walk, 0, 0, sums);
    case 10:
      return Visit<10, One>(walk, 0, 0, sums);
    case 12:
      return Visit<12, One>(walk, 0, 0, sums);
    default:
      return Visit<0, One>(walk, 0, 0, sums);
  }
}

// The lane walk: Visit for kLanes rows at once on a tree with one raw score
// per leaf, every value [point][lane]. `rows[l]`: lane l's tree features;
// `phi[l]`: its values for the tree's raw score.
struct LaneWalk {
  const ShapNode* nodes;
  const double* values;
  const uint32_t* words;
  const float* rows[kLanes];
  double* phi[kLanes];
  const double* t;
  const double* w;
  const double* i_cold;  // 1 / (1 - t)
  ShapWorkspace* space;
};

using LaneVisit = void (*)(const LaneWalk&, uint32_t, uint32_t, ShapLanes*);

// The lane walk's body, inlined into one function per instruction set
// (Self: that function, for the children). Every value is a vector over the
// lanes; one is 0 or 1 in each lane, so the factor at a point is the hot
// t + (1 - t) zero or the cold (1 - t) zero, and so are their inverses:
// one division per point serves the lanes.
template <uint32_t N, LaneVisit Self>
[[gnu::always_inline]] inline void VisitLanesBody(const LaneWalk& walk, uint32_t j, uint32_t d, ShapLanes* out) {
  const ShapNode& node = walk.nodes[j];
  const uint32_t f = node.feature;
  ShapWorkspace& space = *walk.space;
  const ShapLanes* product = space.lane_product.data() + static_cast<size_t>(d) * N;
  ShapLanes* child_product = space.lane_product.data() + static_cast<size_t>(d + 1) * N;
  ShapLanes* child_sums = space.lane_sums.data() + static_cast<size_t>(d + 1) * N;
  ShapLanes* excluded = space.lane_excluded.data() + static_cast<size_t>(d + 1) * N;
  ShapLanes* inverse = space.lane_inverse.data() + static_cast<size_t>(d + 1) * N;
  ShapLaneState& state = space.lane_state[f];
  const ShapLaneState before = state;
  const bool present = before.excluded != nullptr;
  LaneVector right;
  for (size_t l = 0; l < kLanes; ++l) right[l] = GoesRight(node, walk.rows[l][f], walk.words) ? 1.0 : 0.0;
  LaneVector without[N];
  LaneVector leaf_integral = {};
  for (size_t k = 0; k < N; ++k) {
    without[k] = present ? product[k].v * before.inverse[k].v : product[k].v;
    leaf_integral += walk.w[k] * without[k];
    out[k].v = LaneVector{};
  }
  const uint32_t left = node.left();
  for (uint32_t side = 0; side < 2; ++side) {
    const ShapNode& below = walk.nodes[left + side];
    const double zero = before.zero * below.fraction;
    const LaneVector one = before.one * (side == 1 ? right : 1.0 - right);
    bool any = zero != 0;
    for (size_t l = 0; l < kLanes; ++l) any = any || one[l] != 0;
    if (!any) continue;  // every leaf below weighs 0 for every row
    const LaneVector other = 1.0 - one;
    double hot[N];
    for (size_t k = 0; k < N; ++k) {
      const double cold = (1.0 - walk.t[k]) * zero;
      hot[k] = walk.t[k] + cold;
      child_product[k].v = without[k] * (one * hot[k] + other * cold);
    }
    if (below.leaf()) {
      const double v = walk.values[below.payload];
      const LaneVector add = (one - zero) * leaf_integral * v;
      for (size_t l = 0; l < kLanes; ++l) walk.phi[l][f] += add[l];
      for (size_t k = 0; k < N; ++k) {
        const LaneVector c = child_product[k].v * v;
        out[k].v += c;
        if (present) before.excluded[k].v += c;
      }
      continue;
    }
    // A row whose factor is 0 has a zero product below: its inverse is never used.
    const double per_zero = zero != 0 ? 1.0 / zero : 0.0;
    for (size_t k = 0; k < N; ++k) {
      inverse[k].v = one * (1.0 / hot[k]) + other * (walk.i_cold[k] * per_zero);
      excluded[k].v = LaneVector{};
    }
    state.one = one;
    state.zero = zero;
    state.excluded = excluded;
    state.inverse = inverse;
    Self(walk, left + side, d + 1, child_sums);
    state = before;
    LaneVector integral = {};
    for (size_t k = 0; k < N; ++k) integral += walk.w[k] * inverse[k].v * (child_sums[k].v - excluded[k].v);
    const LaneVector add = (one - zero) * integral;
    for (size_t l = 0; l < kLanes; ++l) walk.phi[l][f] += add[l];
    for (size_t k = 0; k < N; ++k) {
      if (present) before.excluded[k].v += child_sums[k].v;
      out[k].v += child_sums[k].v;
    }
  }
}

template <uint32_t N>
void VisitLanes(const LaneWalk& walk, uint32_t j, uint32_t d, ShapLanes* out) {
  VisitLanesBody<N, &VisitLanes<N>>(walk, j, d, out);
}

// The same walk compiled for AVX2 (four lanes of doubles a register),
// chosen at run time where the processor has it.
#if defined(__x86_64__)
#define TABPILOT_SHAP_AVX2 1
template <uint32_t N>
__attribute__((target("avx2"))) void VisitLanesAvx2(const LaneWalk& walk, uint32_t j, uint32_t d, ShapLanes* out) {
  VisitLanesBody<N, &VisitLanesAvx2<N>>(walk, j, d, out);
}
#endif

template <uint32_t N>
void StartLanes(const LaneWalk& walk, ShapLanes* sums, bool avx2) {
#ifdef TABPILOT_SHAP_AVX2
  if (avx2) return VisitLanesAvx2<N>(walk, 0, 0, sums);
#endif
  (void)avx2;
  VisitLanes<N>(walk, 0, 0, sums);
}

// The lane walk of one tree (its root not a leaf, one raw score per leaf);
// false when its points have no lane walk (then each row walks alone).
bool WalkTreeLanes(const LaneWalk& walk, uint32_t points, bool avx2) {
  ShapLanes* sums = walk.space->lane_sums.data();
  for (uint32_t k = 0; k < points; ++k) walk.space->lane_product[k].v = LaneVector{1, 1, 1, 1};
  switch (points) {
    case 1:
      StartLanes<1>(walk, sums, avx2);
      return true;
    case 2:
      StartLanes<2>(walk, sums, avx2);
      return true;
    case 3:
      StartLanes<3>(walk, sums, avx2);
      return true;
    case 4:
      StartLanes<4>(walk, sums, avx2);
      return true;
    case 5:
      StartLanes<5>(walk, sums, avx2);
      return true;
    case 6:
      StartLanes<6>(walk, sums, avx2);
      return true;
    case 7:
      StartLanes<7>(walk, sums, avx2);
      return true;
    case 8:
      StartLanes<8>(walk, sums, avx2);
      return true;
    case 10:
      StartLanes<10>(walk, sums, avx2);
      return true;
    case 12:
      StartLanes<12>(walk, sums, avx2);
      return true;
    default:
      return false;
  }
}

// Gauss-Legendre nodes and weights of n points on [0, 1] (Newton's method on
// the Legendre polynomial from Chebyshev starting points).
void GaussLegendre(uint32_t n, double* t, double* w) {
  for (uint32_t i = 0; i < n; ++i) {
    double x = std::cos(M_PI * (i + 0.75) / (n + 0.5));
    double derivative = 1;
    for (int iteration = 0; iteration < 100; ++iteration) {
      double p0 = 1;
      double p1 = x;
      for (uint32_t k = 2; k <= n; ++k) {
        const double p2 = ((2.0 * k - 1.0) * x * p1 - (k - 1.0) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      derivative = n * (x * p1 - p0) / (x * x - 1.0);
      const double step = p1 / derivative;
      x -= step;
      if (std::fabs(step) < 1e-16) break;
    }
    t[i] = 0.5 * (1.0 - x);
    w[i] = 1.0 / ((1.0 - x * x) * derivative * derivative);  // 2 / ((1 - x^2) P'^2), halved for [0, 1]
  }
}

// The most distinct features on a root-to-leaf path under node j, with
// `count` the times each feature was split on above it and `distinct` how
// many have a count.
uint32_t MostDistinct(const ShapNode* nodes, uint32_t j, std::vector<uint32_t>& count, uint32_t distinct) {
  const ShapNode& node = nodes[j];
  if (node.leaf()) return distinct;
  const uint32_t here = distinct + (count[node.feature] == 0 ? 1 : 0);
  ++count[node.feature];
  const uint32_t most =
      std::max(MostDistinct(nodes, node.left(), count, here), MostDistinct(nodes, node.left() + 1, count, here));
  --count[node.feature];
  return most;
}

}  // namespace

TreeShap::TreeShap(ShapTrees trees, FeatureExtensions extensions, bool avx2)
    : trees_(std::move(trees)), extensions_(std::move(extensions)) {
  // A leaf's path product over u distinct features, one factor left out, is
  // a polynomial of degree u - 1; n points integrate degree 2n - 1 exactly.
  std::vector<uint32_t> count(trees_.num_tree_features(), 0);
  uint32_t most = 1;
  for (const ShapTree& tree : trees_.trees()) {
    const uint32_t distinct =
        tree.num_nodes == 1 ? 0 : MostDistinct(trees_.nodes().data() + tree.node_begin, 0, count, 0);
    points_.push_back(PointsFor(distinct));
    most = std::max(most, points_.back());
  }
  max_points_ = most;
  point_begin_.assign(most + 2, 0);
  for (uint32_t n = 1; n <= most; ++n) point_begin_[n + 1] = point_begin_[n] + n;
  nodes_.resize(point_begin_[most + 1]);
  weights_.resize(point_begin_[most + 1]);
  cold_inverse_.resize(point_begin_[most + 1]);
  for (uint32_t n = 1; n <= most; ++n)
    GaussLegendre(n, nodes_.data() + point_begin_[n], weights_.data() + point_begin_[n]);
  for (size_t k = 0; k < nodes_.size(); ++k) cold_inverse_[k] = 1.0 / (1.0 - nodes_[k]);
  for (const ShapTree& tree : trees_.trees()) max_width_ = std::max(max_width_, tree.leaf_width);
#ifdef TABPILOT_SHAP_AVX2
  avx2_ = avx2 && __builtin_cpu_supports("avx2") != 0;
#else
  (void)avx2;
#endif
}

uint32_t TreeShap::PointsFor(uint32_t distinct) { return std::max<uint32_t>(1, (distinct + 1) / 2); }

std::unique_ptr<TreeShap> TreeShap::Create(const CompiledForest& forest, const Options& options) {
  ShapTrees trees(forest, options.background, options.covers, options.threads);
  return std::unique_ptr<TreeShap>(new TreeShap(std::move(trees), forest.extensions(), options.avx2));
}

void TreeShap::ExplainRows(const float* const* rows, double* const* out, size_t n, ShapWorkspace& workspace) const {
  const size_t stride = num_features() + 1;
  for (size_t l = 0; l < n; ++l) {
    std::fill(out[l], out[l] + row_width(), 0.0);
    for (uint32_t r = 0; r < num_raw(); ++r) out[l][r * stride + num_features()] = bias()[r];
  }
  Walk walk{};
  walk.values = trees_.values().data();
  walk.words = trees_.category_words().data();
  walk.stride = stride;
  walk.space = &workspace;
  LaneWalk lanes{};
  lanes.values = walk.values;
  lanes.words = walk.words;
  lanes.space = &workspace;
  for (size_t t = 0; t < trees_.trees().size(); ++t) {
    const ShapTree& tree = trees_.trees()[t];
    if (tree.num_nodes == 1) continue;  // a lone leaf: all bias
    const uint32_t points = points_[t];
    const double* t_points = nodes_.data() + point_begin_[points];
    const double* w_points = weights_.data() + point_begin_[points];
    if (n == kLanes && tree.leaf_width == 1) {
      lanes.nodes = trees_.nodes().data() + tree.node_begin;
      lanes.t = t_points;
      lanes.w = w_points;
      lanes.i_cold = cold_inverse_.data() + point_begin_[points];
      for (size_t l = 0; l < kLanes; ++l) {
        lanes.rows[l] = rows[l];
        lanes.phi[l] = out[l] + tree.output * stride;
      }
      if (WalkTreeLanes(lanes, points, avx2_)) continue;
    }
    walk.nodes = trees_.nodes().data() + tree.node_begin;
    walk.width = tree.leaf_width;
    walk.points = points;
    walk.t = t_points;
    walk.w = w_points;
    walk.i_cold = cold_inverse_.data() + point_begin_[points];
    for (size_t l = 0; l < n; ++l) {
      walk.row = rows[l];
      walk.phi = out[l] + tree.output * stride;
      std::fill(workspace.product.begin(), workspace.product.begin() + walk.points, 1.0);
      if (walk.width == 1) {
        WalkTree<true>(walk, workspace.sums.data());
      } else {
        WalkTree<false>(walk, workspace.sums.data());
      }
    }
  }
}

void TreeShap::Explain(const Matrix& x, double* out, int threads) const {
  if (x.cols != trees_.num_features()) {
    throw InvalidInput("SHAP: the model takes " + std::to_string(trees_.num_features()) + " feature columns, got " +
                       std::to_string(x.cols));
  }
  const size_t blocks = (x.rows + kRowBlock - 1) / kRowBlock;
  const size_t width = row_width();
  const size_t features = num_features();
  ParallelFor(blocks, threads, [&](size_t b0, size_t b1, int) {
    ShapWorkspace workspace(trees_.max_depth(), max_points_, max_width_, features);
    TreeRowsScratch scratch;
    for (size_t b = b0; b < b1; ++b) {
      const size_t begin = b * kRowBlock;
      const size_t end = std::min(x.rows, begin + kRowBlock);
      const float* rows = TreeRows(x, begin, end, extensions_, features, scratch);
      for (size_t i = begin; i < end; i += kLanes) {
        const size_t n = std::min(kLanes, end - i);
        const float* lane_rows[kLanes];
        double* lane_out[kLanes];
        for (size_t l = 0; l < n; ++l) {
          lane_rows[l] = rows + (i + l - begin) * features;
          lane_out[l] = out + (i + l) * width;
        }
        ExplainRows(lane_rows, lane_out, n, workspace);
      }
    }
  });
}

}  // namespace tabpilot
