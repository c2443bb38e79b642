// Explanations in the server's answers (/invocations?explain=..., the OIP
// "explain" parameter): the SHAP values of each row (explain/), for the
// outputs a user reads: the positive class of a binary model, every class
// of a multiclass one, the value of a regression.
//
// Per row, as JSON:
//   {"scale": "log_odds", "outputs": [{"label": ">50K", "base_value": -1.17,
//     "prediction": 0.42, "values": {"age": 0.31, "workclass": -0.02, ...}}]}
// where, per output, base_value + the sum of values == prediction (in the
// scale: log-odds or probability for classification, the value for
// regression).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "explain/model_explainer.h"
#include "model/bundle.h"

namespace tabpilot {

// The `explain` query parameter: empty, "false" or "0" -> nullopt (none);
// "true" or "1" -> the default scale (log-odds for classification, raw for
// regression); "log_odds" / "probability" -> that scale (classification).
// InvalidInput for anything else.
std::optional<ExplainScale> ParseExplainParameter(std::string_view value, Task task);

// The outputs reported for `problem` (indices into the model's outputs).
std::vector<size_t> ReportedOutputs(const ProblemInfo& problem);

// Row r of `e` as the JSON object above; `columns` names e's columns.
Json ExplanationJson(const ProblemInfo& problem, const Explanation& e, const std::vector<std::string>& columns,
                     size_t r);

}  // namespace tabpilot
