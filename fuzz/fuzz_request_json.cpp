// An application/json or application/jsonlines request body -> rows in
// schema order -> type checks (serve/request_rows.h). The first byte picks
// the format.
#include "fuzz_serve_request.h"
#include "serve/request_rows.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return tabpilot::fuzz::RunRequest([&] {
    if (size == 0) return;
    const tabpilot::Schema schema = tabpilot::fuzz::RequestSchema();
    const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
    const tabpilot::RequestRows rows =
        (data[0] & 1) != 0 ? tabpilot::DecodeJsonLinesRows(body, schema) : tabpilot::DecodeJsonRows(body, schema);
    if (rows.cells.size() != rows.rows() * schema.columns.size()) throw tabpilot::Internal("ragged rows");
    tabpilot::CheckCellTypes(rows, schema);
  });
}
