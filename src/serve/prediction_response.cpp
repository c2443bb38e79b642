#include "serve/prediction_response.h"

#include <algorithm>
#include <charconv>

#include "core/error.h"
#include "core/json.h"
#include "serve/explanation_response.h"

namespace tabpilot {
namespace {

struct FieldName {
  OutputField field;
  std::string_view name;
};
constexpr FieldName kFields[] = {{OutputField::kPredictedLabel, "predicted_label"},
                                 {OutputField::kProbability, "probability"},
                                 {OutputField::kProbabilities, "probabilities"},
                                 {OutputField::kLabels, "labels"}};

std::string_view NameOf(OutputField f) {
  for (const FieldName& n : kFields) {
    if (n.field == f) return n.name;
  }
  return "?";
}

// The shortest text of a float that reads back the same.
void AppendFloat(std::string& out, float v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

}  // namespace

double ShortDouble(float v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  double d = 0;
  std::from_chars(buf, r.ptr, d);
  return d;
}

namespace {

// A CSV field: quoted when it holds a comma, a quote or a line break.
void AppendCsvField(std::string& out, std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) {
    out.append(text);
    return;
  }
  out.push_back('"');
  for (char c : text) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

}  // namespace

int DecidedClass(const ProblemInfo& problem, const float* p, size_t k) {
  if (problem.task == Task::kBinary) {
    const int pos = problem.positive_class;
    return p[pos] >= problem.threshold ? pos : 1 - pos;
  }
  return static_cast<int>(std::max_element(p, p + k) - p);
}

std::vector<OutputField> DefaultOutputFields() { return {OutputField::kPredictedLabel}; }

std::vector<OutputField> ParseOutputFields(std::string_view list, Task task) {
  std::vector<OutputField> fields;
  while (true) {
    const size_t comma = list.find(',');
    std::string_view name = list.substr(0, comma);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    const FieldName* found =
        std::find_if(std::begin(kFields), std::end(kFields), [&](const FieldName& f) { return f.name == name; });
    if (found == std::end(kFields)) {
      throw InvalidInput("unknown output field '" + std::string(name) +
                         "' (fields: predicted_label, probability, probabilities, labels)");
    }
    if (std::find(fields.begin(), fields.end(), found->field) != fields.end()) {
      throw InvalidInput("output field '" + std::string(name) + "' is asked twice");
    }
    if (task == Task::kRegression && found->field != OutputField::kPredictedLabel) {
      throw InvalidInput("output field '" + std::string(name) +
                         "' is for classification; a regression model answers predicted_label only");
    }
    fields.push_back(found->field);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return fields;
}

std::string FormatPredictions(const ProblemInfo& problem, const Matrix& predictions,
                              const std::vector<OutputField>& fields, RowFormat format, const Explanation* explanation,
                              const std::vector<std::string>* columns) {
  if (explanation != nullptr && (format == RowFormat::kCsv || columns == nullptr)) {
    throw Internal("explanations are written in JSON only, with their column names");
  }
  const size_t k = predictions.cols;
  const bool regression = problem.task == Task::kRegression;
  std::string out;
  out.reserve(predictions.rows * 24 * fields.size() + 32);
  if (format == RowFormat::kJson) out += "{\"predictions\":[";
  for (size_t r = 0; r < predictions.rows; ++r) {
    const float* p = predictions.row(r);
    const int cls = regression ? 0 : DecidedClass(problem, p, k);
    if (format == RowFormat::kCsv) {
      for (size_t i = 0; i < fields.size(); ++i) {
        if (i > 0) out.push_back(',');
        switch (fields[i]) {
          case OutputField::kPredictedLabel:
            if (regression) {
              AppendFloat(out, p[0]);
            } else {
              AppendCsvField(out, problem.class_labels[static_cast<size_t>(cls)]);
            }
            break;
          case OutputField::kProbability:
            AppendFloat(out, problem.task == Task::kBinary ? p[problem.positive_class] : p[cls]);
            break;
          case OutputField::kProbabilities: {
            std::string list = "[";
            for (size_t c = 0; c < k; ++c) {
              if (c > 0) list += ", ";
              AppendFloat(list, p[c]);
            }
            list += "]";
            AppendCsvField(out, list);
            break;
          }
          case OutputField::kLabels: {
            Json labels = problem.class_labels;
            AppendCsvField(out, labels.dump());
            break;
          }
        }
      }
      out.push_back('\n');
      continue;
    }
    if (format == RowFormat::kJson && r > 0) out.push_back(',');
    Json row = Json::object();
    for (OutputField f : fields) {
      const std::string name(NameOf(f));
      switch (f) {
        case OutputField::kPredictedLabel:
          if (regression) {
            row[name] = ShortDouble(p[0]);
          } else {
            row[name] = problem.class_labels[static_cast<size_t>(cls)];
          }
          break;
        case OutputField::kProbability:
          row[name] = ShortDouble(problem.task == Task::kBinary ? p[problem.positive_class] : p[cls]);
          break;
        case OutputField::kProbabilities:
          row[name] = Json::array();
          for (size_t c = 0; c < k; ++c) row[name].push_back(ShortDouble(p[c]));
          break;
        case OutputField::kLabels:
          row[name] = problem.class_labels;
          break;
      }
    }
    if (explanation != nullptr) row["explanation"] = ExplanationJson(problem, *explanation, *columns, r);
    out += row.dump();
    if (format == RowFormat::kJsonLines) out.push_back('\n');
  }
  if (format == RowFormat::kJson) out += "]}\n";
  return out;
}

}  // namespace tabpilot
