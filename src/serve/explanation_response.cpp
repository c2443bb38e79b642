#include "serve/explanation_response.h"

#include <string>

#include "core/error.h"

namespace tabpilot {

std::optional<ExplainScale> ParseExplainParameter(std::string_view value, Task task) {
  if (value.empty() || value == "false" || value == "0") return std::nullopt;
  const bool classification = IsClassification(task);
  if (value == "true" || value == "1") return classification ? ExplainScale::kLogOdds : ExplainScale::kRaw;
  if (classification && value == "log_odds") return ExplainScale::kLogOdds;
  if (classification && value == "probability") return ExplainScale::kProbability;
  throw InvalidInput("explain: '" + std::string(value) + "' is not one of true, false" +
                     (classification ? ", log_odds, probability" : ""));
}

std::vector<size_t> ReportedOutputs(const ProblemInfo& problem) {
  if (problem.task == Task::kBinary) return {static_cast<size_t>(problem.positive_class)};
  std::vector<size_t> out;
  for (int c = 0; c < problem.num_outputs(); ++c) out.push_back(static_cast<size_t>(c));
  return out;
}

Json ExplanationJson(const ProblemInfo& problem, const Explanation& e, const std::vector<std::string>& columns,
                     size_t r) {
  Json outputs = Json::array();
  for (size_t c : ReportedOutputs(problem)) {
    Json values = Json::object();
    for (size_t j = 0; j < e.columns; ++j) values[columns[j]] = e.at(r, c, j);
    outputs.push_back({{"label", IsClassification(problem.task) ? problem.class_labels[c] : problem.target},
                       {"base_value", e.base[c]},
                       {"prediction", e.prediction[r * e.outputs + c]},
                       {"values", std::move(values)}});
  }
  return {{"scale", ExplainScaleName(e.scale)}, {"outputs", std::move(outputs)}};
}

}  // namespace tabpilot
