// A text/csv request body -> rows in schema order -> type checks -> an answer
// in each format (serve/request_rows.h, serve/prediction_response.h).
#include "fuzz_serve_request.h"
#include "serve/prediction_response.h"
#include "serve/request_rows.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return tabpilot::fuzz::RunRequest([&] {
    const tabpilot::Schema schema = tabpilot::fuzz::RequestSchema();
    const tabpilot::RequestRows rows =
        tabpilot::DecodeCsvRows(std::string(reinterpret_cast<const char*>(data), size), schema);
    if (rows.cells.size() != rows.rows() * schema.columns.size()) throw tabpilot::Internal("ragged rows");
    tabpilot::CheckCellTypes(rows, schema);
  });
}
