// A .gz file -> its decompressed bytes (the readers' transparent gzip).
#include <unistd.h>

#include <filesystem>

#include "core/atomic_file.h"
#include "data/file_bytes.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("tabpilot-fuzz-" + std::to_string(::getpid()) + ".gz");
  tabpilot::WriteFileAtomic(path, tabpilot::fuzz::Bytes(data, size));
  return tabpilot::fuzz::Run([&] { tabpilot::ReadFileBytes(path, tabpilot::fuzz::SmallLimits()); });
}
