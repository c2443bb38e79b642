// The streaming batch transform writes the same bytes as predicting the whole
// file at once (BatchPredictOptions::chunk_rows = 0, the path before
// streaming), on Adult and on small CSVs with the dialect's corner cases; a bad
// record in any chunk leaves no output behind.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "data/type_inference.h"
#include "features/feature_pipeline.h"
#include "learners/learner_registry.h"
#include "model/bundle_test_data.h"
#include "predict/batch_predict.h"
#include "support/test_support.h"

namespace tabpilot {
namespace {

namespace fs = std::filesystem;
using testing::InvalidMessage;

std::string FileBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Files in `dir` other than `keep` (a temp file left behind would show here).
std::vector<std::string> OtherFiles(const fs::path& dir, const std::vector<std::string>& keep) {
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (std::find(keep.begin(), keep.end(), name) == keep.end()) out.push_back(name);
  }
  return out;
}

class BatchPredictTest : public ::testing::Test {
 protected:
  // The small two-member bundle of tests/model (columns x and color).
  void SetUp() override { SaveBundle(testing::MakeBundle(testing::MakeTable(300)), model_, SaveOptions{"test"}); }

  // Options for the test's bundle, quiet.
  BatchPredictOptions Options(const fs::path& data, const fs::path& output, size_t chunk_rows) const {
    BatchPredictOptions o;
    o.model = model_;
    o.data = data;
    o.output = output;
    o.chunk_rows = chunk_rows;
    o.logger = Logger(Logger::Level::kQuiet);
    return o;
  }

  size_t Predict(const fs::path& data, const fs::path& output, size_t chunk_rows, bool join, int threads = 1) const {
    BatchPredictOptions o = Options(data, output, chunk_rows);
    o.join = join;
    o.threads = threads;
    return BatchPredict(o);
  }

  // Streams `data` in chunks of each size in `chunk_rows`, with and without
  // --join, and compares the output with the whole-file path's, byte for byte.
  void ExpectSameAsWholeFile(const fs::path& data, size_t rows, const std::vector<size_t>& chunk_rows,
                             int threads = 1) const {
    for (bool join : {false, true}) {
      const fs::path whole = dir_ / "whole.csv";
      ASSERT_EQ(Predict(data, whole, 0, join, threads), rows);
      const std::string expected = FileBytes(whole);
      for (size_t chunk : chunk_rows) {
        SCOPED_TRACE(data.filename().string() + ", " + std::to_string(chunk) + "-row chunks, join " +
                     std::to_string(join));
        const fs::path streamed = dir_ / "streamed.csv";
        ASSERT_EQ(Predict(data, streamed, chunk, join, threads), rows);
        EXPECT_EQ(FileBytes(streamed), expected);
      }
    }
  }

  testing::TempDir dir_;
  fs::path model_ = dir_ / "model";
};

// Rows exercising the dialect: a quoted note holding the delimiter, a line
// break and doubled quotes; quoted and padded values; a category with a comma;
// cells that do not parse as the training type; missing cells; UTF-8.
std::vector<std::string> TrickyRows(size_t rows) {
  std::vector<std::string> out;
  for (size_t i = 0; i < rows; ++i) {
    const std::string x = i % 13 == 5 ? "abc" : i % 7 == 3 ? "" : std::to_string(static_cast<double>(i) * 0.37 - 4);
    std::string color = i % 3 == 0 ? "red" : i % 3 == 1 ? "\"green\"" : " blue ";
    if (i % 17 == 4) color = "\"re,d\"";
    std::string note = i % 4 == 0 ? "\"first line\nsecond, \"\"quoted\"\"\"" : i % 4 == 1 ? "caf\xC3\xA9" : "";
    out.push_back(note + "," + x + "," + color + ",k" + std::to_string(i));
  }
  return out;
}

std::string Join(const std::vector<std::string>& lines, const std::string& eol, bool final_newline) {
  std::string s = "note,x,color,key" + eol;
  for (size_t i = 0; i < lines.size(); ++i) {
    s += lines[i];
    if (i + 1 < lines.size() || final_newline) s += eol;
  }
  return s;
}

TEST_F(BatchPredictTest, TrickyCsvsGiveTheWholeFileBytes) {
  const std::vector<std::string> rows = TrickyRows(40);
  const std::vector<size_t> chunks = {1, 3, 7, 39, 40, 41, BatchPredictOptions::kDefaultChunkRows};
  ExpectSameAsWholeFile(dir_.Write("lf.csv", Join(rows, "\n", true)), 40, chunks);
  ExpectSameAsWholeFile(dir_.Write("crlf.csv", Join(rows, "\r\n", true)), 40, chunks);
  ExpectSameAsWholeFile(dir_.Write("no_final_newline.csv", Join(rows, "\n", false)), 40, chunks);
  ExpectSameAsWholeFile(dir_.WriteGzip("gz.csv.gz", Join(rows, "\r\n", false)), 40, chunks);
  // Semicolons, found by delimiter detection on the first records.
  std::string semicolons = "x;color\n";
  for (int i = 0; i < 30; ++i) semicolons += std::to_string(i % 5) + ",5;\"b;lue\"\n";
  ExpectSameAsWholeFile(dir_.Write("semicolons.csv", semicolons), 30, {4, 30});
  // Smaller than one chunk, exactly one chunk, exactly two chunks; on two threads.
  const std::vector<std::string> five(rows.begin(), rows.begin() + 5);
  ExpectSameAsWholeFile(dir_.Write("five.csv", Join(five, "\n", true)), 5, {5, 50000}, 2);
  ExpectSameAsWholeFile(dir_.Write("forty.csv", Join(rows, "\n", true)), 40, {20, 40}, 2);
  // More predict workers than chunks in flight, chunks of one row and a few:
  // the writer still gets them in file order.
  ExpectSameAsWholeFile(dir_.Write("forty4.csv", Join(rows, "\n", true)), 40, {1, 3, 7}, 4);
}

TEST_F(BatchPredictTest, HeaderOnlyFailsAsTheWholeFilePathAndWritesNothing) {
  const fs::path data = dir_.Write("empty.csv", "x,color\n");
  const fs::path out = dir_ / "p.csv";
  const std::string whole = InvalidMessage([&] { Predict(data, out, 0, false); });
  EXPECT_EQ(whole, data.string() + ": no data rows");
  EXPECT_EQ(InvalidMessage([&] { Predict(data, out, 10, false); }), whole);
  EXPECT_FALSE(fs::exists(out));
}

// The bad record comes after many chunks were written (the eleventh of 7
// rows, the last): the error names the file and line, and neither the output
// nor a temp file remains; an older output file is left as it was.
TEST_F(BatchPredictTest, BadRecordInALaterChunkLeavesNoOutput) {
  std::vector<std::string> rows = TrickyRows(100);
  std::vector<std::pair<std::string, std::string>> cases;
  {
    std::vector<std::string> ragged = rows;
    ragged[75] += ",one too many";
    cases.emplace_back(Join(ragged, "\n", true), "expected 4 fields, found 5");
    std::vector<std::string> quote = rows;
    quote.back() = "\"never closed,1,red,k";
    cases.emplace_back(Join(quote, "\n", true), "unterminated quoted field");
  }
  const fs::path out = dir_ / "p.csv";
  for (const auto& [text, message] : cases) {
    const fs::path data = dir_.Write("bad.csv", text);
    const std::string whole = InvalidMessage([&] { Predict(data, out, 0, true); });
    ASSERT_NE(whole.find(message), std::string::npos) << whole;
    ASSERT_EQ(whole.rfind(data.string() + ":", 0), 0u) << whole;
    for (size_t chunk : {size_t{7}, size_t{1}}) {
      for (int threads : {1, 4}) {
        EXPECT_EQ(InvalidMessage([&] { Predict(data, out, chunk, true, threads); }), whole);
        EXPECT_FALSE(fs::exists(out));
        EXPECT_EQ(OtherFiles(dir_.path(), {"model", "bad.csv"}), std::vector<std::string>{});
      }
    }
  }
  // Line numbers: the ragged row is data row 75; rows 0, 4, 8, ... span two lines.
  const fs::path data = dir_.Write("bad.csv", cases[0].first);
  EXPECT_EQ(InvalidMessage([&] { Predict(data, out, 7, false); }), data.string() + ":96: expected 4 fields, found 5");

  const fs::path good = dir_.Write("good.csv", Join(rows, "\n", true));
  ASSERT_EQ(Predict(good, out, 7, false), 100u);
  const std::string before = FileBytes(out);
  EXPECT_THROW(Predict(data, out, 7, false), InvalidInput);
  EXPECT_EQ(FileBytes(out), before);
}

// Whole-file caps (bytes, cells) do not stop a streamed file; per-record ones do.
TEST_F(BatchPredictTest, WholeFileCapsDoNotStopStreaming) {
  const fs::path data = dir_.Write("d.csv", Join(TrickyRows(60), "\n", true));
  BatchPredictOptions o = Options(data, dir_ / "p.csv", 10);
  o.load.limits.file_bytes = 200;
  o.load.limits.csv_cells = 20;
  EXPECT_EQ(BatchPredict(o), 60u);
  o.chunk_rows = 0;
  EXPECT_THROW(BatchPredict(o), InvalidInput);
  o.chunk_rows = 10;
  o.load.limits.csv_line_bytes = 20;
  EXPECT_NE(InvalidMessage([&] { BatchPredict(o); }).find("TABPILOT_LIMIT_CSV_LINE_BYTES"), std::string::npos);
}

// Cells that do not parse as the training type: one warning per column with
// the count over the whole file, as the whole-file path prints it.
TEST_F(BatchPredictTest, CoercedCellsAreCountedOverTheWholeFile) {
  const fs::path data = dir_.Write("d.csv", Join(TrickyRows(100), "\n", true));
  std::string logs[2];
  for (size_t chunk : {size_t{0}, size_t{7}}) {
    BatchPredictOptions o = Options(data, dir_ / "p.csv", chunk);
    o.logger = Logger(Logger::Level::kInfo);
    ::testing::internal::CaptureStderr();
    BatchPredict(o);
    logs[chunk == 0 ? 0 : 1] = ::testing::internal::GetCapturedStderr();
  }
  EXPECT_EQ(logs[0], "warning: " + data.string() +
                         ": column 'x': 8 value(s) did not parse as the training type and were treated as missing\n");
  EXPECT_EQ(logs[1], logs[0]);
}

// adult.test as a headed CSV: the original lines verbatim (", " separators,
// '.' after the labels), without the '|1x3 Cross validator' first line.
size_t WriteAdultTest(const fs::path& in, const fs::path& out) {
  std::ifstream src(in);
  std::ofstream dst(out, std::ios::binary);
  dst << "age,workclass,fnlwgt,education,education-num,marital-status,occupation,relationship,race,sex,"
         "capital-gain,capital-loss,hours-per-week,native-country,income\n";
  size_t rows = 0;
  for (std::string line; std::getline(src, line);) {
    if (line.rfind("|", 0) == 0) continue;
    dst << line << "\n";
    rows += line.find(',') != std::string::npos ? 1 : 0;
  }
  return rows;
}

// Four families over three encodings, fitted on Adult's test rows (the test
// compares two ways of predicting, not the model's quality).
Bundle FitAdultBundle(const Table& table, const Schema& schema) {
  Bundle b;
  b.problem.task = Task::kBinary;
  b.problem.target = "income";
  const Column& income = table.Get("income");
  b.problem.class_labels = {"<=50K.", ">50K."};
  b.problem.metric = "f1";
  b.problem.threshold = 0.4;
  std::vector<std::string> inputs;
  for (const ColumnSpec& spec : schema.columns) {
    if (spec.name == "income") continue;
    b.input_schema.columns.push_back(spec);
    inputs.push_back(spec.name);
  }
  std::vector<float> y;
  for (int32_t code : income.codes) y.push_back(income.categories[static_cast<size_t>(code)] == ">50K." ? 1 : 0);
  const LearnerRegistry learners = LearnerRegistry::WithBuiltins();
  FitOptions fit;
  fit.threads = 2;
  struct Member {
    std::string family;
    std::string pipeline;
    Encoding encoding;
    int onehot;
    Json params;
  };
  const std::vector<Member> members = {
      {"xgboost", "tree_onehot64", Encoding::kTree, 64, Json{{"n_estimators", 40}}},
      {"random_forest", "tree", Encoding::kTree, 10, Json{{"n_estimators", 20}, {"max_depth", 8}}},
      {"linear", "dense", Encoding::kDense, 64, Json::object()},
      {"mlp", "dense", Encoding::kDense, 64, Json{{"hidden", "32"}, {"epochs", 2}}}};
  for (const Member& m : members) {
    if (!b.pipelines.count(m.pipeline)) {
      FeatureOptions fo;
      fo.encoding = m.encoding;
      fo.max_onehot_levels = m.onehot;
      b.pipelines.emplace(m.pipeline, FeaturePipeline::Fit(table, inputs, fo));
    }
    const Matrix x = b.pipelines.at(m.pipeline).Transform(table, 2);
    auto learner = learners.Create(m.family, m.params);
    BundleMember member;
    member.name = m.family + "_1";
    member.family = m.family;
    member.params = learner->params().values();
    member.pipeline = m.pipeline;
    member.weight = 0.25;
    member.folds.push_back(learner->Fit(TrainData{&x, &y, nullptr}, nullptr, fit));
    b.members.push_back(std::move(member));
  }
  return b;
}

TEST(BatchPredictAdult, StreamingGivesTheWholeFileBytes) {
  const fs::path adult = testing::DatasetsDir() / "adult" / "adult.test";
  TABPILOT_REQUIRE_DATASET(adult);
  testing::TempDir dir;
  const fs::path data = dir / "adult_test.csv";
  const size_t rows = WriteAdultTest(adult, data);
  ASSERT_EQ(rows, 16281u);
  CsvOptions csv;
  csv.threads = 2;
  Schema schema;
  const Table table = ReadTable(data, csv, InferenceOptions{}, &schema);
  SaveBundle(FitAdultBundle(table, schema), dir / "model", SaveOptions{"test"});

  BatchPredictOptions o;
  o.model = dir / "model";
  o.data = data;
  o.join = true;
  o.threads = 2;
  o.logger = Logger(Logger::Level::kQuiet);
  o.chunk_rows = 0;
  o.output = dir / "whole.csv";
  ASSERT_EQ(BatchPredict(o), rows);
  const std::string whole = FileBytes(o.output);
  ASSERT_EQ(whole.substr(0, whole.find('\n')),
            "predicted_label,proba_<=50K.,proba_>50K.,age,workclass,fnlwgt,education,education-num,marital-status,"
            "occupation,relationship,race,sex,capital-gain,capital-loss,hours-per-week,native-country,income");
  for (size_t chunk : {size_t{1000}, size_t{4999}, BatchPredictOptions::kDefaultChunkRows}) {
    o.chunk_rows = chunk;
    o.output = dir / ("streamed-" + std::to_string(chunk) + ".csv");
    ASSERT_EQ(BatchPredict(o), rows);
    EXPECT_EQ(FileBytes(o.output), whole) << chunk << "-row chunks";
  }
  // The same from gzip, one thread.
  const fs::path gz = dir.WriteGzip("adult_test.csv.gz", FileBytes(data));
  o.data = gz;
  o.threads = 1;
  o.chunk_rows = 3000;
  o.output = dir / "streamed-gz.csv";
  ASSERT_EQ(BatchPredict(o), rows);
  EXPECT_EQ(FileBytes(o.output), whole);
}

}  // namespace
}  // namespace tabpilot
