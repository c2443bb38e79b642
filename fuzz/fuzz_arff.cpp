// ARFF text -> header and typed table.
#include "data/arff_reader.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return tabpilot::fuzz::Run([&] {
    tabpilot::CsvOptions csv;
    csv.threads = 1;
    csv.limits = tabpilot::fuzz::SmallLimits();
    tabpilot::ParseArff(std::string(tabpilot::fuzz::Bytes(data, size)), "fuzz.arff", csv);
  });
}
