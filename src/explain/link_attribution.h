// Attributions carried through the nonlinear steps between a model's raw
// scores and the ensemble's output: a link (logistic, softmax), the log-odds
// of a probability, and a stack feature feeding a level-2 member.
//
// Every step keeps the sum: attributions that add up to a change in its
// input come out adding up to the change in its output.
//   - One input, one output (logistic, the log-odds of a probability):
//     each attribution times the secant slope (f(v) - f(v0)) / (v - v0)
//     (the derivative where v == v0); DeepLIFT's and DeepSHAP's rescale
//     rule. The slope is positive and bounded, whatever the attributions.
//   - Softmax (several raw scores to several outputs): the attributions
//     through the Jacobian at the midpoint of the raw scores and their
//     base, and the small remainder to the exact change spread in
//     proportion to their magnitudes.
//   - Stack features (Distribute): the level-2 member's attribution to a
//     level-1 member's prediction is handed to the input columns in
//     proportion to that member's own attributions for the row (the rescale
//     rule again), or, where those nearly cancel (their sum under a tenth of
//     their magnitudes), in proportion to their magnitudes; evenly when all
//     are zero.
#pragma once

#include <cstddef>
#include <cstdint>

#include "compiled/compiled_forest.h"

namespace tabpilot {

// One part of a model's raw scores: `dims` raw values `raw` (= bias + the
// sum of each raw score's attributions), their base `bias`, and
// attributions `phi` (dims x players, row-major). Adds `weight` times the
// part's attributions of its outputs (the link's: ScoreLink) into `out`
// (outputs x players) and, when base_out is not null, weight x the outputs
// at the bias into `base_out`. `work` holds at least 4 x dims doubles.
void AddLinkedAttributions(ScoreLink link, uint32_t dims, const double* raw, const double* bias, const double* phi,
                           size_t players, double weight, double* out, double* base_out, double* work);

// The secant slope of f(v) = log(v / (1 - v)) between v0 and v (both in
// (0, 1)); its derivative where they (nearly) meet.
double LogOddsSlope(double v0, double v);

// Clamps a probability into the range whose log-odds are finite:
// [kMinProbability, 1 - kMinProbability].
inline constexpr double kMinProbability = 1e-9;
double ClampProbability(double p);

// Adds `amount` split over `n` columns into out (see the header comment):
// by shares[j] / sum of shares, by |shares[j]| / their sum when the shares
// nearly cancel, evenly when all are zero.
void Distribute(double amount, const double* shares, size_t n, double* out);

}  // namespace tabpilot
