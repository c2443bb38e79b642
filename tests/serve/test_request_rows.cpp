// Request bodies to rows (serve/request_rows.h), the OIP decoder, and the
// answers' formats (serve/prediction_response.h): every accepted shape gives
// the same cells in schema order; every bad one is one InvalidInput naming
// the row and column.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/error.h"
#include "serve/oip_protocol.h"
#include "serve/prediction_response.h"
#include "serve/request_rows.h"

namespace tabpilot {
namespace {

Schema TestSchema() {
  Schema s;
  s.columns = {
      {"age", ColumnType::kNumeric, ""}, {"job", ColumnType::kCategorical, ""}, {"ok", ColumnType::kBoolean, ""}};
  return s;
}

// The cells as strings, "<null>" for null ones.
std::vector<std::string> Cells(const RequestRows& rows) {
  std::vector<std::string> out;
  for (size_t i = 0; i < rows.cells.size(); ++i) out.push_back(rows.missing[i] ? "<null>" : std::string(rows.cells[i]));
  return out;
}

// Expects InvalidInput whose message holds `part`.
template <typename Fn>
void ExpectInvalid(Fn&& fn, const std::string& part) {
  try {
    fn();
    ADD_FAILURE() << "no error; expected one with: " << part;
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

const std::vector<std::string> kTwoRows = {"39", "clerk", "true", "50", "", "<null>"};

TEST(RequestRows, CsvWithAndWithoutHeaderAndQuotes) {
  const Schema schema = TestSchema();
  RequestRows plain = DecodeCsvRows("39,clerk,true\n50,,\n", schema);
  EXPECT_EQ(plain.rows(), 2u);
  EXPECT_EQ(Cells(plain)[0], "39");
  EXPECT_EQ(Cells(plain)[1], "clerk");
  EXPECT_TRUE(plain.missing[4] != 0 && plain.missing[5] != 0);  // empty cells are missing
  // A header in another order, with an extra column: matched by name.
  RequestRows header = DecodeCsvRows("job,extra,ok,age\r\n\"clerk, senior\",x,true,39\r\n", schema);
  ASSERT_EQ(header.rows(), 1u);
  EXPECT_EQ(Cells(header), (std::vector<std::string>{"39", "clerk, senior", "true"}));
  ExpectInvalid([&] { DecodeCsvRows("39,clerk\n", schema); }, "expected 3 fields, found 2");
  ExpectInvalid([&] { DecodeCsvRows("\n\n", schema); }, "holds no rows");
  ExpectInvalid([&] { DecodeCsvRows("39,\"open quote,true\n", schema); }, "request body");
}

TEST(RequestRows, EveryJsonShapeGivesTheSameCells) {
  const Schema schema = TestSchema();
  for (const std::string body :
       {R"({"instances": [{"age": 39, "job": "clerk", "ok": true}, {"age": 50, "job": "", "ok": null}]})",
        R"({"inputs": [[39, "clerk", true], [50, "", null]]})",
        R"([{"job": "clerk", "age": 39, "ok": true, "other": 1}, {"age": 50, "job": "", "ok": null}])",
        R"({"instances": [{"features": [39, "clerk", true]}, {"features": [50, "", null]}]})",
        R"({"dataframe_split": {"columns": ["ok", "job", "age"], "data": [[true, "clerk", 39], [null, "", 50]]}})",
        R"({"dataframe_records": [{"age": 39, "job": "clerk", "ok": true}, {"age": 50, "job": "", "ok": null}]})"}) {
    SCOPED_TRACE(body);
    const RequestRows rows = DecodeJsonRows(body, schema);
    EXPECT_EQ(Cells(rows), kTwoRows);
  }
  const RequestRows lines =
      DecodeJsonLinesRows("{\"age\": 39, \"job\": \"clerk\", \"ok\": true}\n\n[50, \"\", null]\n", schema);
  EXPECT_EQ(Cells(lines), kTwoRows);
  // One row object alone; a float keeps its shortest text.
  EXPECT_EQ(Cells(DecodeJsonRows(R"({"age": 39.5, "job": "x", "ok": false})", schema)),
            (std::vector<std::string>{"39.5", "x", "false"}));
}

TEST(RequestRows, BadJsonNamesTheRowAndColumn) {
  const Schema schema = TestSchema();
  ExpectInvalid([&] { DecodeJsonRows("{\"instances\": [", schema); }, "malformed JSON");
  // A number past double's range is nlohmann's out_of_range, not a parse error: still a 400.
  ExpectInvalid([&] { DecodeJsonRows("[[1e999, \"x\", true]]", schema); }, "malformed JSON");
  ExpectInvalid([&] { DecodeJsonLinesRows("[1e999, \"x\", true]\n", schema); }, "malformed JSON");
  ExpectInvalid([&] { DecodeJsonRows(R"({"instances": [{"age": 1, "job": "x", "ok": true}, {"age": 2}]})", schema); },
                "row 2: missing column 'job'");
  ExpectInvalid([&] { DecodeJsonRows(R"({"instances": [[1, "x"]]})", schema); }, "row 1 has 2 values");
  ExpectInvalid([&] { DecodeJsonRows(R"({"instances": [{"age": [1], "job": "x", "ok": true}]})", schema); },
                "row 1, column 'age'");
  ExpectInvalid([&] { DecodeJsonRows(R"({"instances": 3})", schema); }, "must be an array");
  ExpectInvalid([&] { DecodeJsonRows(R"({"instances": []})", schema); }, "holds no rows");
  ExpectInvalid([&] { DecodeJsonRows("\"text\"", schema); }, "JSON object or array");
  ExpectInvalid([&] { DecodeJsonRows(R"({"dataframe_split": {"columns": ["age"], "data": [[1]]}})", schema); },
                "missing column 'job'");
  ExpectInvalid([&] { DecodeJsonLinesRows("[1, \"x\", true]\n{oops\n", schema); }, "row 2");
}

TEST(RequestRows, CellTypesAreCheckedNotCoerced) {
  const Schema schema = TestSchema();
  CheckCellTypes(DecodeCsvRows("39,clerk,true\nNA,x,?\n", schema), schema);  // missing tokens pass
  ExpectInvalid([&] { CheckCellTypes(DecodeCsvRows("39,clerk,true\nabc,x,true\n", schema), schema); },
                "row 2, column 'age': 'abc' is not a number");
  ExpectInvalid([&] { CheckCellTypes(DecodeJsonRows(R"([[1, "x", "maybe"]])", schema), schema); },
                "row 1, column 'ok': 'maybe' is not a boolean");
}

TEST(RequestRows, MediaTypes) {
  EXPECT_EQ(ParseRowFormat("text/csv"), RowFormat::kCsv);
  EXPECT_EQ(ParseRowFormat("Application/JSON; charset=utf-8"), RowFormat::kJson);
  EXPECT_EQ(ParseRowFormat("application/jsonlines"), RowFormat::kJsonLines);
  EXPECT_EQ(ParseRowFormat("application/x-jsonlines"), RowFormat::kJsonLines);
  EXPECT_FALSE(ParseRowFormat("application/xml").has_value());
  EXPECT_FALSE(ParseRowFormat("").has_value());
}

TEST(OipProtocol, NamedTensorsAndARowTableGiveTheSameCells) {
  const Schema schema = TestSchema();
  const OipInferRequest by_column = DecodeOipInfer(R"({"id": "r1", "inputs": [
      {"name": "job", "shape": [2], "datatype": "BYTES", "data": ["clerk", ""]},
      {"name": "age", "shape": [2, 1], "datatype": "FP64", "data": [[39], [50]]},
      {"name": "ok", "shape": [2], "datatype": "BOOL", "data": [true, null]}]})",
                                                   schema);
  EXPECT_EQ(by_column.id, "r1");
  EXPECT_EQ(Cells(by_column.rows), kTwoRows);
  const OipInferRequest table = DecodeOipInfer(R"({"inputs": [{"name": "rows", "shape": [2, 3], "datatype": "BYTES",
      "data": [39, "clerk", true, 50, "", null]}], "outputs": [{"name": "probabilities"}]})",
                                               schema);
  EXPECT_EQ(Cells(table.rows), kTwoRows);
  EXPECT_EQ(table.outputs, std::vector<std::string>{"probabilities"});
  ExpectInvalid([&] { DecodeOipInfer(R"({"inputs": [{"name": "age", "shape": [1], "data": [1]}]})", schema); },
                "input tensor 'job' is missing");
  ExpectInvalid([&] { DecodeOipInfer(R"({"inputs": [{"name": "t", "shape": [1, 2], "data": [1, 2]}]})", schema); },
                "must have shape [rows, 3]");
  ExpectInvalid([&] { DecodeOipInfer(R"({"inputs": [{"name": "t", "shape": [2, 3], "data": [1, 2, 3]}]})", schema); },
                "has 3 values");
  ExpectInvalid(
      [&] {
        DecodeOipInfer(
            R"({"inputs": [{"name": "age", "shape": [1], "data": [1]}, {"name": "job", "shape": [2], "data": ["a", "b"]},
        {"name": "ok", "shape": [1], "data": [true]}]})",
            schema);
      },
      "'job' has 2 rows");
  ExpectInvalid([&] { DecodeOipInfer(R"({"inputs": []})", schema); }, "non-empty \"inputs\"");
  ExpectInvalid(
      [&] {
        DecodeOipInfer(R"({"inputs": [{"name": "t", "shape": [1, 3], "data": [1, 2, 3]}], "outputs": [{"name": "x"}]})",
                       schema);
      },
      "unknown output 'x'");
  ExpectInvalid([&] { DecodeOipInfer("[", schema); }, "malformed JSON");
  ExpectInvalid(
      [&] { DecodeOipInfer(R"({"inputs": [{"name": "t", "shape": [1, 3], "data": [1e999, 2, 3]}]})", schema); },
      "malformed JSON");
}

TEST(PredictionResponse, FieldsAndFormats) {
  ProblemInfo binary;
  binary.task = Task::kBinary;
  binary.class_labels = {"no", "yes, sure"};
  binary.positive_class = 1;
  binary.threshold = 0.4;
  Matrix p(2, 2);
  p.values = {0.7f, 0.3f, 0.55f, 0.45f};  // row 2: 0.45 >= 0.4 -> positive
  const std::vector<OutputField> all =
      ParseOutputFields("predicted_label, probability,probabilities,labels", binary.task);
  EXPECT_EQ(FormatPredictions(binary, p, DefaultOutputFields(), RowFormat::kCsv), "no\n\"yes, sure\"\n");
  EXPECT_EQ(FormatPredictions(binary, p, all, RowFormat::kCsv),
            "no,0.3,\"[0.7, 0.3]\",\"[\"\"no\"\",\"\"yes, sure\"\"]\"\n"
            "\"yes, sure\",0.45,\"[0.55, 0.45]\",\"[\"\"no\"\",\"\"yes, sure\"\"]\"\n");
  const Json json = Json::parse(FormatPredictions(binary, p, all, RowFormat::kJson));
  ASSERT_EQ(json["predictions"].size(), 2u);
  EXPECT_EQ(json["predictions"][1]["predicted_label"], "yes, sure");
  EXPECT_EQ(json["predictions"][1]["probability"].get<double>(), 0.45);
  EXPECT_EQ(json["predictions"][0]["probabilities"], Json::parse("[0.7, 0.3]"));
  const std::string lines = FormatPredictions(binary, p, {OutputField::kProbability}, RowFormat::kJsonLines);
  EXPECT_EQ(lines, "{\"probability\":0.3}\n{\"probability\":0.45}\n");
  ProblemInfo regression;
  regression.task = Task::kRegression;
  Matrix v(1, 1);
  v.values = {12.5f};
  EXPECT_EQ(FormatPredictions(regression, v, DefaultOutputFields(), RowFormat::kCsv), "12.5\n");
  ExpectInvalid([&] { ParseOutputFields("probability", Task::kRegression); }, "regression");
  ExpectInvalid([&] { ParseOutputFields("label", Task::kBinary); }, "unknown output field 'label'");
  ExpectInvalid([&] { ParseOutputFields("probability,probability", Task::kBinary); }, "asked twice");
}

}  // namespace
}  // namespace tabpilot
