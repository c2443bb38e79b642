// CSV text -> raw cells -> inferred, typed table.
#include "data/csv_reader.h"
#include "data/type_inference.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return tabpilot::fuzz::Run([&] {
    tabpilot::CsvOptions csv;
    csv.threads = 1;
    csv.limits = tabpilot::fuzz::SmallLimits();
    const tabpilot::RawTable raw = tabpilot::ParseRawCsv(tabpilot::fuzz::Bytes(data, size), "fuzz.csv", csv);
    tabpilot::InferAndBuildTable(raw, tabpilot::InferenceOptions{});
  });
}
