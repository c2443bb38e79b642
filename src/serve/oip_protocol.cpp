#include "serve/oip_protocol.h"

#include <algorithm>
#include <array>

#include "core/error.h"
#include "core/json_parse.h"
#include "predict/json_cell.h"
#include "serve/explanation_response.h"
#include "serve/prediction_response.h"

namespace tabpilot {
namespace {

// A tensor's elements in row-major order (nested arrays flattened).
void Flatten(const Json& data, std::vector<const Json*>& out, size_t depth = 0) {
  if (depth > 2) throw InvalidInput("tensor data nested deeper than [rows][columns]");
  if (!data.is_array()) {
    out.push_back(&data);
    return;
  }
  for (const Json& e : data) Flatten(e, out, depth + 1);
}

std::vector<size_t> ShapeOf(const Json& tensor, const std::string& name) {
  auto it = tensor.find("shape");
  if (it == tensor.end()) throw InvalidInput("input tensor '" + name + "' has no shape");
  return JsonIntegerArray<size_t>(*it, "input tensor '" + name + "' shape");
}

// Appends element `value` as a cell (numbers as their shortest text).
void AppendCell(RequestRows& rows, const Json& value, const std::string& column, size_t row) {
  std::array<char, 32> number{};
  std::string_view text;
  try {
    text = JsonCell(value, column, number);
  } catch (const InvalidInput& e) {
    throw InvalidInput("row " + std::to_string(row) + ", " + e.what());
  }
  if (value.is_number()) {
    rows.texts.emplace_back(text);
    text = rows.texts.back();
  }
  rows.cells.push_back(text);
  rows.missing.push_back(value.is_null() ? 1 : 0);
}

const char* DatatypeOf(ColumnType type) {
  switch (type) {
    case ColumnType::kNumeric:
      return "FP64";
    case ColumnType::kBoolean:
      return "BOOL";
    default:
      return "BYTES";
  }
}

}  // namespace

OipInferRequest DecodeOipInfer(std::string_view body, const Schema& schema) {
  OipInferRequest req;
  RequestRows& rows = req.rows;
  rows.columns = schema.columns.size();
  try {
    rows.json = std::make_unique<Json>(ParseJson(body));
  } catch (const Json::exception& e) {  // parse_error, and out_of_range for a number past double
    throw InvalidInput(std::string("malformed JSON in the infer request: ") + e.what());
  }
  const Json& doc = *rows.json;
  if (!doc.is_object()) throw InvalidInput("an infer request must be a JSON object");
  if (auto id = doc.find("id"); id != doc.end()) {
    if (!id->is_string()) throw InvalidInput("an infer request's \"id\" must be a string");
    req.id = id->get<std::string>();
  }
  if (auto outputs = doc.find("outputs"); outputs != doc.end()) {
    if (!outputs->is_array()) throw InvalidInput("an infer request's \"outputs\" must be an array");
    for (const Json& o : *outputs) {
      auto name = o.is_object() ? o.find("name") : o.end();
      if (name == o.end() || !name->is_string()) throw InvalidInput("each requested output needs a \"name\"");
      const std::string n = name->get<std::string>();
      if (n != "predicted_label" && n != "probabilities") {
        throw InvalidInput("unknown output '" + n + "' (outputs: predicted_label, probabilities)");
      }
      req.outputs.push_back(n);
    }
  }
  if (auto parameters = doc.find("parameters"); parameters != doc.end()) {
    if (!parameters->is_object()) throw InvalidInput("an infer request's \"parameters\" must be an object");
    if (auto explain = parameters->find("explain"); explain != parameters->end()) {
      if (explain->is_boolean()) {
        req.explain_parameter = explain->get<bool>() ? "true" : "false";
      } else if (explain->is_string()) {
        req.explain_parameter = explain->get<std::string>();
      } else {
        throw InvalidInput("the \"explain\" parameter must be true, false, \"log_odds\" or \"probability\"");
      }
    }
  }
  auto inputs = doc.find("inputs");
  if (inputs == doc.end() || !inputs->is_array() || inputs->empty()) {
    throw InvalidInput("an infer request needs a non-empty \"inputs\" array of tensors");
  }
  // Tensors by name.
  std::vector<std::pair<std::string, const Json*>> tensors;
  for (const Json& t : *inputs) {
    if (!t.is_object()) throw InvalidInput("each input tensor must be a JSON object");
    auto name = t.find("name");
    if (name == t.end() || !name->is_string()) throw InvalidInput("each input tensor needs a \"name\"");
    if (t.find("data") == t.end()) throw InvalidInput("input tensor '" + name->get<std::string>() + "' has no data");
    tensors.emplace_back(name->get<std::string>(), &t);
  }
  const size_t cols = schema.columns.size();
  const bool by_column =
      std::any_of(tensors.begin(), tensors.end(), [&](const auto& t) { return schema.Find(t.first) != nullptr; });
  if (!by_column) {
    // One row table of shape [n, columns].
    if (tensors.size() != 1) {
      throw InvalidInput("the input tensors are neither named after the model's input columns nor one [rows, " +
                         std::to_string(cols) + "] table");
    }
    const auto& [name, tensor] = tensors[0];
    const std::vector<size_t> shape = ShapeOf(*tensor, name);
    if (shape.size() != 2 || shape[1] != cols) {
      throw InvalidInput("input tensor '" + name + "' must have shape [rows, " + std::to_string(cols) + "]");
    }
    std::vector<const Json*> values;
    Flatten(tensor->at("data"), values);
    if (values.size() != shape[0] * cols) {
      throw InvalidInput("input tensor '" + name + "' has " + std::to_string(values.size()) +
                         " values for its shape's " + std::to_string(shape[0] * cols));
    }
    for (size_t r = 0; r < shape[0]; ++r) {
      for (size_t c = 0; c < cols; ++c) AppendCell(rows, *values[r * cols + c], schema.columns[c].name, r + 1);
    }
  } else {
    std::vector<std::vector<const Json*>> columns(cols);
    size_t n = 0;
    for (size_t c = 0; c < cols; ++c) {
      const std::string& column = schema.columns[c].name;
      auto it = std::find_if(tensors.begin(), tensors.end(), [&](const auto& t) { return t.first == column; });
      if (it == tensors.end()) throw InvalidInput("input tensor '" + column + "' is missing");
      const std::vector<size_t> shape = ShapeOf(*it->second, column);
      if (shape.empty() || shape.size() > 2 || (shape.size() == 2 && shape[1] != 1)) {
        throw InvalidInput("input tensor '" + column + "' must have shape [rows] or [rows, 1]");
      }
      Flatten(it->second->at("data"), columns[c]);
      if (columns[c].size() != shape[0]) {
        throw InvalidInput("input tensor '" + column + "' has " + std::to_string(columns[c].size()) +
                           " values for its shape's " + std::to_string(shape[0]));
      }
      if (c == 0) n = shape[0];
      if (shape[0] != n) {
        throw InvalidInput("input tensor '" + column + "' has " + std::to_string(shape[0]) + " rows; '" +
                           schema.columns[0].name + "' has " + std::to_string(n));
      }
    }
    for (size_t r = 0; r < n; ++r) {
      for (size_t c = 0; c < cols; ++c) AppendCell(rows, *columns[c][r], schema.columns[c].name, r + 1);
    }
  }
  if (rows.rows() == 0) throw InvalidInput("the infer request holds no rows");
  return req;
}

Json OipModelMetadata(const ServedModel& model) {
  const ServedModel::Identity& id = model.identity();
  Json inputs = Json::array();
  for (const ColumnSpec& c : model.input_schema().columns) {
    inputs.push_back({{"name", c.name}, {"datatype", DatatypeOf(c.type)}, {"shape", {-1}}});
  }
  const ProblemInfo& problem = model.problem();
  Json outputs = Json::array();
  if (problem.task == Task::kRegression) {
    outputs.push_back({{"name", "predicted_label"}, {"datatype", "FP32"}, {"shape", {-1}}});
  } else {
    outputs.push_back({{"name", "predicted_label"}, {"datatype", "BYTES"}, {"shape", {-1}}});
    outputs.push_back({{"name", "probabilities"},
                       {"datatype", "FP32"},
                       {"shape", {-1, static_cast<int64_t>(problem.class_labels.size())}},
                       {"parameters", {{"labels", problem.class_labels}}}});
  }
  return Json{{"name", id.endpoint},
              {"versions", Json::array({std::to_string(id.version > 0 ? id.version : id.generation)})},
              {"platform", "tabpilot"},
              {"inputs", inputs},
              {"outputs", outputs}};
}

std::string EncodeOipInferResponse(const ServedModel& model, const OipInferRequest& request, const Matrix& predictions,
                                   const Explanation* explanation) {
  const ProblemInfo& problem = model.problem();
  const ServedModel::Identity& id = model.identity();
  const size_t n = predictions.rows;
  const size_t k = predictions.cols;
  auto wanted = [&](const char* name) {
    return request.outputs.empty() ||
           std::find(request.outputs.begin(), request.outputs.end(), name) != request.outputs.end();
  };
  Json outputs = Json::array();
  if (wanted("predicted_label")) {
    Json data = Json::array();
    for (size_t r = 0; r < n; ++r) {
      const float* p = predictions.row(r);
      if (problem.task == Task::kRegression) {
        data.push_back(ShortDouble(p[0]));
      } else {
        data.push_back(problem.class_labels[static_cast<size_t>(DecidedClass(problem, p, k))]);
      }
    }
    outputs.push_back({{"name", "predicted_label"},
                       {"datatype", problem.task == Task::kRegression ? "FP32" : "BYTES"},
                       {"shape", {static_cast<int64_t>(n)}},
                       {"data", std::move(data)}});
  }
  if (problem.task != Task::kRegression && wanted("probabilities")) {
    Json data = Json::array();
    for (size_t i = 0; i < n * k; ++i) data.push_back(ShortDouble(predictions.values[i]));
    outputs.push_back({{"name", "probabilities"},
                       {"datatype", "FP32"},
                       {"shape", {static_cast<int64_t>(n), static_cast<int64_t>(k)}},
                       {"data", std::move(data)}});
  }
  if (explanation != nullptr) {
    const std::vector<size_t> reported = ReportedOutputs(problem);
    Json data = Json::array();
    Json labels = Json::array();
    Json bases = Json::array();
    for (size_t r = 0; r < n; ++r) {
      for (size_t c : reported) {
        for (size_t j = 0; j < explanation->columns; ++j) data.push_back(explanation->at(r, c, j));
      }
    }
    for (size_t c : reported) {
      labels.push_back(IsClassification(problem.task) ? problem.class_labels[c] : problem.target);
      bases.push_back(explanation->base[c]);
    }
    outputs.push_back(
        {{"name", "explanation"},
         {"datatype", "FP64"},
         {"shape",
          {static_cast<int64_t>(n), static_cast<int64_t>(reported.size()), static_cast<int64_t>(explanation->columns)}},
         {"parameters",
          {{"scale", ExplainScaleName(explanation->scale)},
           {"columns", model.ColumnNames()},
           {"labels", std::move(labels)},
           {"base_values", std::move(bases)}}},
         {"data", std::move(data)}});
  }
  Json answer{{"model_name", id.endpoint},
              {"model_version", std::to_string(id.version > 0 ? id.version : id.generation)}};
  if (!request.id.empty()) answer["id"] = request.id;
  answer["outputs"] = std::move(outputs);
  return answer.dump() + "\n";
}

}  // namespace tabpilot
