// How much memory the machine has and this process holds: what
// `train --memory-limit` plans against (its default is a share of the
// machine's memory; a large table's refit takes no more rows than the limit
// leaves room for, automl/sampled_refit.h).
#pragma once

#include <cstddef>
#include <string>

namespace tabpilot {

// Share of the machine's physical memory `train` may use unless told
// otherwise (--memory-limit).
inline constexpr double kDefaultMemoryShare = 0.6;

// The machine's physical memory in bytes; 0 when it cannot be told.
size_t PhysicalMemoryBytes();

// This process's resident memory now, in bytes; 0 when it cannot be told.
size_t ResidentBytes();

// The most this process has held resident so far, in bytes (its high-water
// mark); 0 when it cannot be told.
size_t PeakResidentBytes();

// Has the allocator hand freed memory back to the system soon after it is
// freed, for the rest of the process: blocks of 128 KiB and more get pages
// of their own (released on free), and a heap's free top above 128 KiB is
// trimmed. glibc otherwise raises both thresholds as large blocks come and
// go, and a training run's resident memory then kept what its fits had
// freed (bench/train_memory.py on the 1M-row synthetic table, with the fit
// plans of automl/fit_memory_plan.h: peak 236 MiB before, 197 MiB after;
// docs/benchmarks.md 2026-12-06 03:10). For commands that plan against
// --memory-limit by reading their resident memory.
void ReturnFreedMemoryPromptly();

// Returns the free memory the allocator still holds to the system now (the
// freed pages inside its heaps too); after a large phase ends (the load, a
// candidate's fits).
void ReleaseFreedMemory();

// "1.23 GB", three significant digits (decimal gigabytes, as --memory-limit
// takes them).
std::string FormatGigabytes(double bytes);

}  // namespace tabpilot
