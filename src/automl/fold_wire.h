// The bytes of a fold fit's job and outcome, and of the data a job refers
// to, as the MPI task farm sends them between ranks and the fit journal
// keeps them on disk. Little-endian (learners/byte_io.h); a reader never
// reads past its input and fails with InvalidInput on damaged bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "automl/fold_executor.h"
#include "core/json.h"
#include "data/matrix.h"

namespace tabpilot {

// A job without its pointers: what a worker needs beside the data it holds.
struct WireJob {
  uint64_t tag = 0;
  std::string family;
  Json params = Json::object();  // the learner's resolved params
  uint64_t x_key = 0;
  uint64_t y_key = 0;
  int fold = 0;
  uint64_t seed = 0;
  int threads = 1;
  Task task = Task::kBinary;
  int num_classes = 2;
  double seconds = -1;  // the fit's time; negative = no deadline
};

// A job's matrix with the fit options that describe its columns.
struct WireData {
  uint64_t key = 0;
  Matrix x;
  std::vector<std::string> names;
  std::vector<size_t> categorical;
};

// A job's targets and fold assignment (empty for kOwnOofFold jobs).
struct WireTarget {
  uint64_t key = 0;
  std::vector<float> y;
  std::vector<int> folds;
};

// An outcome without its model object: the model's bytes (Model::Serialize).
struct WireOutcome {
  uint64_t tag = 0;
  std::string error;
  ErrorKind error_kind = ErrorKind::kInternal;
  std::string model;
  std::vector<float> pred;
  double fit_seconds = 0;
};

WireJob ToWire(const FoldJob& job);
WireOutcome ToWire(const FoldOutcome& outcome);

std::string EncodeJob(const WireJob& job);
WireJob DecodeJob(std::string_view bytes);
std::string EncodeData(const WireData& data);
WireData DecodeData(std::string_view bytes);
std::string EncodeTarget(const WireTarget& target);
WireTarget DecodeTarget(std::string_view bytes);
std::string EncodeOutcome(const WireOutcome& outcome);
WireOutcome DecodeOutcome(std::string_view bytes);

// The outcome of `job` from its wire form: the model loaded by the job's
// learner, the held rows recomputed from the job's folds. A model that does
// not load becomes the outcome's error.
FoldOutcome FromWire(WireOutcome wire, const FoldJob& job);

}  // namespace tabpilot
