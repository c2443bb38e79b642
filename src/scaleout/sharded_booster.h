// `train --distributed-data DIR`: one XGBoost booster on a table split into
// shard files, each rank reading only its own shards, trained together
// through XGBoost's own collective (Rabit) and written as a one-member model
// bundle that predict, serve and the registry take like any other.
//
// Under an MPI launcher with N ranks, rank r reads shards r, r + N, ... of
// the folder's CSV files (sorted by name). Rank 0 infers the problem and fits
// the feature encoding on its first shard (it should be a fair sample of the
// table) and sends both to every rank; the other ranks encode their rows with
// it. Rank 0 starts XGBoost's tracker and sends its address; every rank joins
// the collective, which must count N processes. The booster runs --rounds
// rounds (no early stopping: the ranks must stay in step; --time-limit stops
// all of them at once), rank 0 checkpoints it every --checkpoint-every rounds
// to OUTPUT/checkpoint/booster.bin, and `--resume` continues from there.
// Without a launcher one process reads every shard and trains alone: the
// single-machine reference. Any failure ends the job (MPI stops every rank;
// the tracker dies with rank 0).
#pragma once

#include <cstdint>
#include <string>

#include "core/log.h"
#include "data/csv_reader.h"

namespace tabpilot {

class MpiWorld;

struct ShardedBoostArgs {
  std::string shards;  // the folder of shard files
  std::string target;
  std::string output;
  std::string problem_type;  // empty: inferred
  std::string positive_label;
  int rounds = 300;
  int checkpoint_every = 25;
  double time_limit = 3600;
  uint64_t seed = 0;
  int threads = 1;
  bool resume = false;
  CsvOptions csv;
};

// The checkpoint file of a model output folder.
std::string ShardedCheckpointPath(const std::string& output);

// Runs this rank's part (`world` null: alone); returns the exit code. Rank 0
// writes the bundle and prints its summary.
int TrainSharded(const ShardedBoostArgs& args, MpiWorld* world, const Logger& logger);

}  // namespace tabpilot
