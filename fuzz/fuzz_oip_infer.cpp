// An Open Inference Protocol v2 infer request body -> rows in schema order ->
// type checks (serve/oip_protocol.h).
#include "fuzz_serve_request.h"
#include "serve/oip_protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return tabpilot::fuzz::RunRequest([&] {
    const tabpilot::Schema schema = tabpilot::fuzz::RequestSchema();
    const tabpilot::OipInferRequest request =
        tabpilot::DecodeOipInfer(std::string_view(reinterpret_cast<const char*>(data), size), schema);
    if (request.rows.cells.size() != request.rows.rows() * schema.columns.size()) {
      throw tabpilot::Internal("ragged rows");
    }
    tabpilot::CheckCellTypes(request.rows, schema);
  });
}
