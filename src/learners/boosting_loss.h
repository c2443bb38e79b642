// The loss the boosters that grow their own trees (oblivious_boost,
// additive_boost) minimize, and its link: logloss over the logistic (binary,
// one raw score a row), logloss over the softmax (multiclass, one raw score a
// class), squared error (regression, the raw score is the value).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "learners/learner.h"

namespace tabpilot {

// Row r's sample weight (1 when the data carries none).
inline double SampleWeight(const TrainData& train, size_t r) {
  return train.weights != nullptr && !train.weights->empty() ? (*train.weights)[r] : 1.0;
}

// The starting scores (`dims` of them): the weighted mean (regression),
// log-odds (binary) or log class frequencies (multiclass) of the training
// labels. Throws InvalidInput("<family>: all sample weights are zero").
std::vector<float> BaseScores(const TrainData& train, Task task, uint32_t dims, const std::string& family);

// Probabilities (binary: [1 - p, p]; multiclass: one a class) or the
// regression value of `rows` rows of `dims` raw scores each.
void ScoresToOutputs(Task task, uint32_t dims, const double* raw, size_t rows, float* out);

// The gradient and hessian of the loss at one row's raw scores `s` (dims
// values) for its label, times its weight `w`, into grad[0..dims) and
// hess[0..dims). Hessians of the logistic losses are kept above 1e-16.
void LossGradients(Task task, size_t dims, const double* s, float label, double w, double* grad, double* hess);

}  // namespace tabpilot
