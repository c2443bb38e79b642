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

// "1.23 GB", three significant digits (decimal gigabytes, as --memory-limit
// takes them).
std::string FormatGigabytes(double bytes);

}  // namespace tabpilot
