// GGUF bytes -> metadata and tensor table, then every typed accessor.
#include "fuzz_support.h"
#include "hub/gguf_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return tabpilot::fuzz::Run([&] {
    const tabpilot::GgufFile f = tabpilot::GgufFile::FromBytes(tabpilot::fuzz::Bytes(data, size), "fuzz.gguf");
    for (const auto& [key, value] : f.metadata()) {
      if (value.type == tabpilot::GgufType::kString) (void)f.String(key);
      if (value.type == tabpilot::GgufType::kArray && value.element_type == tabpilot::GgufType::kString) {
        (void)f.Strings(key);
      }
    }
    // Every tensor's bytes lie inside the input: reading them must be clean.
    unsigned sum = 0;
    for (const tabpilot::GgufTensor& t : f.tensors()) {
      for (uint64_t i = 0; i < t.bytes; i += 97) sum += t.data[i];
    }
    (void)sum;
  });
}
