// What /invocations answers: per row the fields SageMaker Autopilot's
// inference containers offer (predicted_label, probability, probabilities,
// labels), chosen per request, written as CSV, JSON or JSON lines.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "data/matrix.h"
#include "explain/model_explainer.h"
#include "model/bundle.h"
#include "serve/request_rows.h"

namespace tabpilot {

enum class OutputField { kPredictedLabel, kProbability, kProbabilities, kLabels };

// A comma-separated list of field names, e.g. "predicted_label,probability".
// InvalidInput naming the valid fields for an unknown or repeated one, and
// for a probability field asked of a regression model.
std::vector<OutputField> ParseOutputFields(std::string_view list, Task task);

// The decided class of one row of k probabilities: the threshold on the
// positive class (binary), else the most probable.
int DecidedClass(const ProblemInfo& problem, const float* p, size_t k);
// The double whose shortest text is the float's (JSON numbers are doubles:
// 0.9f would print as 0.8999999761581421).
double ShortDouble(float v);

// The fields when a request names none: the predicted label (Autopilot's default).
std::vector<OutputField> DefaultOutputFields();

// The rows' answers. `predictions`: rows x outputs from the model.
//   predicted_label: the decided class's label (binary: the threshold on
//     the positive class), or the regression value;
//   probability: binary, the positive class's probability; multiclass, the
//     decided class's;
//   probabilities / labels: every class's, in the labels' order.
// CSV: one line a row, the fields in the order asked, lists as "[a, b]";
// JSON: {"predictions": [{field: value, ...}, ...]}; JSON lines: one such
// object a line. With `explanation` (JSON and JSON lines only; `columns`
// names its columns) each row's object also has "explanation"
// (explanation_response.h).
std::string FormatPredictions(const ProblemInfo& problem, const Matrix& predictions,
                              const std::vector<OutputField>& fields, RowFormat format,
                              const Explanation* explanation = nullptr,
                              const std::vector<std::string>* columns = nullptr);

}  // namespace tabpilot
