#include "ui/version_models.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "serve/prediction_response.h"
#include "serve/request_rows.h"

namespace tabpilot {

VersionModels::VersionModels(size_t max_loaded) : max_loaded_(std::max<size_t>(1, max_loaded)) {}

std::shared_ptr<const VersionModels::Loaded> VersionModels::Get(const std::string& group, int64_t version,
                                                                const std::filesystem::path& bundle) {
  const std::string key = group + "\n" + std::to_string(version);
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->key == key) {
      entries_.splice(entries_.begin(), entries_, it);
      return entries_.front().loaded;
    }
  }
  auto loaded = std::make_shared<Loaded>();
  ServedModel::Identity identity;
  identity.endpoint = "ui";
  identity.model = group + " v" + std::to_string(version);
  identity.group = group;
  identity.version = version;
  identity.bundle = bundle;
  ServedModel::Options options;
  loaded->model = ServedModel::Load(identity, options);
  const std::string& background = loaded->model->predictor().bundle().background_csv;
  if (!background.empty()) {
    const RawTable raw = ParseRawCsv(background, "background.csv", CsvOptions{});
    loaded->columns = raw.names();
    loaded->rows.resize(raw.num_rows());
    for (size_t r = 0; r < raw.num_rows(); ++r) {
      for (size_t c = 0; c < raw.num_columns(); ++c) {
        loaded->rows[r].push_back(raw.is_missing(r, c) ? std::string() : std::string(raw.cell(r, c)));
      }
    }
  }
  entries_.push_front({key, loaded});
  if (entries_.size() > max_loaded_) entries_.pop_back();
  return loaded;
}

Json VersionModels::PredictRow(const ServedModel& model, const Json& row) {
  if (!row.is_object()) throw InvalidInput("\"row\" must be an object of column -> value");
  const Schema& schema = model.input_schema();
  for (const auto& [name, value] : row.items()) {
    if (schema.Find(name) == nullptr) throw InvalidInput("the model has no input column '" + name + "'");
    if (!value.is_string() && !value.is_number() && !value.is_null() && !value.is_boolean()) {
      throw InvalidInput("column '" + name + "': give a string or a number");
    }
  }
  // Every input column, empty strings and absent columns as missing values (null).
  Json cleaned = Json::object();
  for (const ColumnSpec& column : schema.columns) {
    const auto at = row.find(column.name);
    const bool missing = at == row.end() || (at->is_string() && at->get<std::string>().empty());
    cleaned[column.name] = missing ? Json(nullptr) : *at;
  }
  RequestRows rows;
  rows.columns = schema.columns.size();
  rows.json = std::make_unique<Json>(std::move(cleaned));
  AppendJsonRow(rows, *rows.json, 1, schema);
  CheckCellTypes(rows, schema);

  const ProblemInfo& problem = model.problem();
  const Matrix p = model.Predict(rows);
  Json out = Json::object();
  size_t explained_output = 0;
  if (IsClassification(problem.task)) {
    const int decided = DecidedClass(problem, p.row(0), p.cols);
    out["prediction"] = problem.class_labels[static_cast<size_t>(decided)];
    Json probabilities = Json::object();
    for (size_t c = 0; c < p.cols; ++c) probabilities[problem.class_labels[c]] = ShortDouble(p.at(0, c));
    out["probabilities"] = std::move(probabilities);
    // Binary: the positive class's attribution; multiclass: the decided class's.
    explained_output =
        problem.task == Task::kBinary ? static_cast<size_t>(problem.positive_class) : static_cast<size_t>(decided);
  } else {
    out["prediction"] = ShortDouble(p.at(0, 0));
  }
  const ExplainScale scale = IsClassification(problem.task) ? ExplainScale::kLogOdds : ExplainScale::kRaw;
  const Explanation e = model.Explain(rows, scale);
  const std::vector<std::string> columns = model.ColumnNames();
  std::vector<size_t> order(e.columns);
  for (size_t j = 0; j < e.columns; ++j) order[j] = j;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return std::fabs(e.at(0, explained_output, a)) > std::fabs(e.at(0, explained_output, b));
  });
  Json contributions = Json::array();
  for (size_t j : order) {
    const auto at = rows.json->find(columns[j]);
    contributions.push_back({{"column", columns[j]},
                             {"value", at != rows.json->end() ? *at : Json(nullptr)},
                             {"shap", e.at(0, explained_output, j)}});
  }
  out["explanation"] = {
      {"scale", ExplainScaleName(e.scale)},
      {"output", IsClassification(problem.task) ? problem.class_labels[explained_output] : problem.target},
      {"base_value", e.base[explained_output]},
      {"value", e.prediction[explained_output]},
      {"contributions", std::move(contributions)}};
  return out;
}

}  // namespace tabpilot
