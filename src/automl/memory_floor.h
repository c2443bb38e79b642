// The least memory training needs beside what the process holds once the
// table is loaded: train --memory-limit refuses a limit below it before the
// search starts (exit 2, the estimate named) instead of going over it.
//
// The smallest plan is a search on kMinSearchSampleRows rows (or every row
// of a smaller table) on one thread, its models on disk (model_spill.h), no
// refit. Measured once, by sampling the process's RSS every 30 ms, on the
// first 300,000 rows of bench/train_memory.py's synthetic table (10
// columns, 20,000-row sample, one thread, 30 s):
// 57 MB resident after the load, 100 MB at the peak; the 43 MB between them
// are kSearchFloorBytes plus the sample's cells at kSearchBytesPerCell (its
// copy, the tree and dense encodings, the fold matrices and their
// predictions). More threads, wider encodings and the refit need more, which
// the folds fitted at once and the refit's rows are planned against
// (training_run.cpp, sampled_refit.h); the floor only says when no plan can
// fit.
#pragma once

#include <cstddef>

namespace tabpilot {

inline constexpr double kSearchFloorBytes = 38e6;
inline constexpr double kSearchBytesPerCell = 24;

// Bytes the smallest search on a table of `rows` x `columns` needs beside
// the loaded table.
double SearchFloorBytes(size_t rows, size_t columns);

// Throws InvalidInput naming the limit, the estimate and its parts when
// `resident` (bytes the process holds with the table loaded) plus
// SearchFloorBytes exceed `limit`; nothing when `limit` is 0 (none).
void CheckMemoryFloor(double resident, size_t rows, size_t columns, double limit);

}  // namespace tabpilot
