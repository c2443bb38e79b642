// safetensors bytes -> tensor table; every tensor's bytes are read.
#include "fuzz_support.h"
#include "hub/safetensors_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return tabpilot::fuzz::Run([&] {
    const tabpilot::SafetensorsFile f =
        tabpilot::SafetensorsFile::FromBytes(tabpilot::fuzz::Bytes(data, size), "fuzz.safetensors");
    // Every tensor's bytes lie inside the input: reading them must be clean.
    unsigned sum = 0;
    for (const auto& [name, t] : f.tensors()) {
      for (uint64_t i = 0; i < t.bytes; i += 97) sum += t.data[i];
      if (t.bytes > 0) sum += t.data[t.bytes - 1];
    }
    (void)sum;
  });
}
