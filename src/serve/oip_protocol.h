// The Open Inference Protocol v2 (KServe, Triton) for tabular models:
// model metadata from the bundle's input schema, and the infer request
// decoded into rows.
//
// An infer request gives the rows either as one tensor per input column
// (named as the column; shape [n] or [n, 1]) or as one row table: a single
// tensor of shape [n, columns] in the schema's order (flat row-major data,
// or nested rows). Values are numbers, strings (BYTES), booleans or null.
// The answer has the tensors "predicted_label" (BYTES; FP32 for regression)
// and, for classification, "probabilities" (FP32, [n, classes]); a request's
// "outputs" list may ask for one of them only.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "data/matrix.h"
#include "serve/request_rows.h"
#include "serve/served_model.h"

namespace tabpilot {

struct OipInferRequest {
  std::string id;                    // echoed in the answer
  RequestRows rows;                  // schema order
  std::vector<std::string> outputs;  // asked for; empty: all
  // The request's "parameters": {"explain": true | false | "log_odds" |
  // "probability"}, as text (explanation_response.h parses it); empty if absent.
  std::string explain_parameter;
  std::optional<ExplainScale> explain;  // set by the router from explain_parameter
};

// InvalidInput naming the tensor (and row) for a malformed request.
OipInferRequest DecodeOipInfer(std::string_view body, const Schema& schema);

// GET /v2/models/{name}: name, versions, platform, inputs and outputs.
Json OipModelMetadata(const ServedModel& model);

// The answer to an infer request. With `explanation`, also the tensor
// "explanation" (FP64, [n, outputs, columns]: the SHAP values of the
// outputs explanation_response.h reports), its parameters naming the scale,
// the columns, the outputs' labels and base values.
std::string EncodeOipInferResponse(const ServedModel& model, const OipInferRequest& request, const Matrix& predictions,
                                   const Explanation* explanation = nullptr);

}  // namespace tabpilot
