// Attributions of any model (the network, kNN) by sampling: interventional
// Shapley values of the players against fixed background rows. A coalition
// S of players is worth v(S), the mean over the background rows b of the
// model's output on b with the features of the players in S taken from the
// row explained. A player's value is the mean, over sampled orderings of the
// players, of what it adds to v when it joins (Strumbelj and Kononenko
// 2014), with each ordering drawn together with its reverse (antithetic
// sampling, which cancels much of the noise). Along any ordering the
// additions telescope to v(all) - v(none) = the output minus the mean
// background output, so the sum holds exactly however few orderings are
// drawn; the orderings only set the noise. With few players every
// coalition is enumerated instead and the values are exact Shapley values.
// Players the member's rows do not carry get 0 and are left out of the
// orderings (a player that changes nothing has value 0).
//
// Each antithetic pair of orderings measures v against its own share of the
// background (background_per_ordering rows from a random start, the pairs
// walking on through the background): the cost falls by that share while
// the estimate stays unbiased (every background row equally likely in every
// coalition's mean). The sum still holds exactly: each ordering's first
// addition is measured from the mean over the whole background (the base),
// so the additions telescope to the output minus the base.
//
// Cost per row: orderings x active players x background_per_ordering
// predictions (enumeration: 2^players x background rows), one batch per row. A model
// with a FeatureSumForm (the network: its first layer adds one vector per
// feature) is not run on mixed rows: a coalition row is a background row's
// first-layer sum with the coalition's players' vectors swapped for the
// explained row's, and only the layers after the first run (on Adult's
// network about 3x less work, no embedding sines).
// The orderings of row i derive from (seed, i): results do not depend on
// the thread count.
#pragma once

#include <cstdint>
#include <memory>

#include "explain/unit_explainer.h"
#include "learners/learner.h"

namespace tabpilot {

struct SamplingOptions {
  int orderings = 10;        // rounded up to even (each with its reverse)
  size_t exact_players = 6;  // enumerate every coalition up to this many active players
  // Background rows each pair of orderings uses (0 = all of them).
  size_t background_per_ordering = 8;
  uint64_t seed = 0;
};

// `model` must outlive the result; `background`: the member's feature rows
// (copied). Throws InvalidInput when the background is empty or its width
// is not the players' feature count.
std::unique_ptr<UnitExplainer> MakeSamplingUnit(const Model& model, FeaturePlayers players, const Matrix& background,
                                                const SamplingOptions& options);

}  // namespace tabpilot
