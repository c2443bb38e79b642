#include "automl/memory_floor.h"

#include <algorithm>
#include <string>

#include "automl/search_sample.h"
#include "core/error.h"
#include "core/log.h"
#include "core/process_memory.h"

namespace tabpilot {

double SearchFloorBytes(size_t rows, size_t columns) {
  const double sample = static_cast<double>(std::min(rows, kMinSearchSampleRows));
  return kSearchFloorBytes + sample * static_cast<double>(columns) * kSearchBytesPerCell;
}

void CheckMemoryFloor(double resident, size_t rows, size_t columns, double limit) {
  if (!(limit > 0)) return;
  const double search = SearchFloorBytes(rows, columns);
  if (resident + search <= limit) return;
  throw InvalidInput("--memory-limit " + FormatGigabytes(limit) + " is below what training needs: about " +
                     FormatGigabytes(resident + search) + " (" + FormatGigabytes(resident) +
                     " held with the table loaded, " + FormatGigabytes(search) + " for a search on " +
                     FormatCount(std::min(rows, kMinSearchSampleRows)) + " rows)");
}

}  // namespace tabpilot
