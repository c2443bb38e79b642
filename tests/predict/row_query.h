// The query rows of trained_bundles.h as a one-row caller gives them, and
// the batch predictor's values for them, for the one-row path's tests.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "data/value_parse.h"
#include "predict/predictor.h"
#include "predict/row_predictor.h"
#include "predict/trained_bundles.h"

namespace tabpilot::testing {

// The query rows as cells in the bundle's input order (missing cells as
// empty strings), and the batch predictor's values for them.
struct Query {
  std::vector<std::vector<std::string>> rows;
  Matrix want;
};

inline Query MakeQuery(const Predictor& predictor) {
  const RawTable raw = ParseRawCsv(QueryCsv(), "query.csv", CsvOptions{});
  Query q;
  const Schema& schema = predictor.input_schema();
  for (size_t r = 0; r < raw.num_rows(); ++r) {
    std::vector<std::string> cells;
    for (const ColumnSpec& spec : schema.columns) {
      const size_t c = *raw.Find(spec.name);
      cells.emplace_back(raw.is_missing(r, c) ? std::string_view() : raw.cell(r, c));
    }
    q.rows.push_back(std::move(cells));
  }
  q.want = predictor.Predict(BuildPredictionInput(raw, schema, Logger(Logger::Level::kQuiet)));
  return q;
}

inline std::vector<std::string_view> Views(const std::vector<std::string>& cells) {
  return std::vector<std::string_view>(cells.begin(), cells.end());
}

// Checks every query row through `row`, from cells and from JSON (an
// object with numbers as JSON numbers, and an array of strings).
inline void CheckRows(const RowPredictor& row, const Query& q) {
  RowScratch scratch = row.NewScratch();
  std::vector<float> got(row.num_outputs());
  const Schema& schema = row.input_schema();
  for (size_t r = 0; r < q.rows.size(); ++r) {
    SCOPED_TRACE("row " + std::to_string(r));
    row.Predict(Views(q.rows[r]), scratch, got);
    for (size_t k = 0; k < got.size(); ++k) EXPECT_EQ(got[k], q.want.at(r, k)) << "output " << k;

    Json object = Json::object();
    Json array = Json::array();
    for (size_t c = 0; c < schema.columns.size(); ++c) {
      const std::string& cell = q.rows[r][c];
      const std::optional<double> number = ParseNumber(cell);
      if (cell.empty()) {
        object[schema.columns[c].name] = nullptr;
      } else if (schema.columns[c].type == ColumnType::kNumeric && number) {
        object[schema.columns[c].name] = *number;
      } else {
        object[schema.columns[c].name] = cell;
      }
      array.push_back(cell);
    }
    object["not_an_input"] = Json::array();  // other keys are ignored
    row.PredictJson(object, scratch, got);
    for (size_t k = 0; k < got.size(); ++k) EXPECT_EQ(got[k], q.want.at(r, k)) << "JSON object, output " << k;
    row.PredictJson(array, scratch, got);
    for (size_t k = 0; k < got.size(); ++k) EXPECT_EQ(got[k], q.want.at(r, k)) << "JSON array, output " << k;
  }
}

}  // namespace tabpilot::testing
