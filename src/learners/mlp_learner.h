// The "mlp" learner family: a multilayer perceptron on dense features.
//
//   input -> hidden layers (ReLU, dropout) -> output
//   binary      one logit through a sigmoid (the 2-class softmax); Predict writes [1-p, p].
//   multiclass  softmax over num_classes logits.
//   regression  one linear output on the standardized target (mean/sd stored, undone at Predict).
//
// Training minimizes the sample-weighted mean loss (log loss, or squared error
// for regression) plus weight_decay * ||W||^2 / 2 on the weights (not biases)
// with Adam on shuffled mini-batches. When Fit gets a validation set it scores
// the validation loss after every epoch, keeps the best epoch's weights and
// stops after `patience` epochs without improvement; without one it trains
// `epochs` epochs. When the fit deadline passes it stops between mini-batches
// and keeps the best weights so far (the current ones if no epoch was scored).
//
// Determinism: all randomness (initialization, shuffling, dropout) derives from
// FitOptions::seed. Each mini-batch is split into fixed chunks of rows whose
// gradients are summed in chunk order, and the threads only decide who computes
// which chunk, so the fitted model is the same for any thread count.
//
// Inputs use FeatureFlavor::kDense (no NaN); a NaN that slips through is read as 0.
#pragma once

#include <memory>
#include <vector>

#include "learners/learner.h"
#include "learners/learner_registry.h"

namespace tabpilot {

// The declared parameters: hidden, dropout, weight_decay, learning_rate,
// batch_size, epochs, patience.
const std::vector<ParamSpec>& MlpParamSpecs();

// An "mlp" learner with validated `params` (a JSON object; null = defaults).
// Throws InvalidInput naming the key for unknown, out-of-range or malformed
// parameters (e.g. hidden = "256,x").
std::unique_ptr<Learner> CreateMlpLearner(const Json& params);

// One random network configuration for the search phase (the registry
// entry's sampler).
SearchDraw SampleMlpConfig(std::mt19937_64& rng);

// Adds the "mlp" family to `registry` (called from learner_list.cpp).
void RegisterMlpLearner(LearnerRegistry& registry);

}  // namespace tabpilot
