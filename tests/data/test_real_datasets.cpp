// Sanity checks against the shared real datasets (a missing file fails the
// test unless TABPILOT_ALLOW_MISSING_DATASETS=1, see test_support.h).
#include <gtest/gtest.h>

#include <filesystem>

#include "data/arff_reader.h"
#include "data/type_inference.h"
#include "support/test_support.h"

namespace tabpilot {
namespace {

std::filesystem::path Dataset(const std::string& relative) { return testing::DatasetsDir() / relative; }

const Column& Col(const Table& t, const std::string& name) { return t.Get(name); }

TEST(RealDatasets, Adult) {
  auto path = Dataset("adult/adult.data");
  TABPILOT_REQUIRE_DATASET(path);
  CsvOptions csv;
  csv.header = false;
  Table t = ReadTable(path, csv, InferenceOptions{});
  EXPECT_EQ(t.num_rows(), 32561u);
  ASSERT_EQ(t.num_columns(), 15u);
  EXPECT_EQ(Col(t, "col_1").type, ColumnType::kNumeric);
  EXPECT_EQ(Col(t, "col_1").numbers[0], 39.0);
  const Column& workclass = Col(t, "col_2");
  EXPECT_EQ(workclass.type, ColumnType::kCategorical);
  EXPECT_EQ(workclass.categories[0], "State-gov");  // ", " separator trimmed
  EXPECT_EQ(workclass.CountMissing(), 1836u);       // '?' cells
  const Column& income = Col(t, "col_15");
  EXPECT_EQ(income.categories, (std::vector<std::string>{"<=50K", ">50K"}));
}

TEST(RealDatasets, BloodTransfusionPaddedNumbers) {
  auto path = Dataset("blood_transfusion/transfusion.data");
  TABPILOT_REQUIRE_DATASET(path);
  Table t = ReadTable(path, CsvOptions{}, InferenceOptions{});
  EXPECT_EQ(t.num_rows(), 748u);
  ASSERT_EQ(t.num_columns(), 5u);
  for (const Column& c : t.columns()) EXPECT_EQ(c.type, ColumnType::kNumeric) << c.name;
  EXPECT_EQ(t.column(0).name, "Recency (months)");
  EXPECT_EQ(t.column(4).name, "whether he/she donated blood in March 2007");
  EXPECT_EQ(t.column(0).numbers[0], 2.0);
  double ones = 0;
  for (double v : t.column(4).numbers) ones += v;
  EXPECT_EQ(ones, 178.0);
}

TEST(RealDatasets, AirlineTweets) {
  auto path = Dataset("airline_tweets/Tweets.csv");
  TABPILOT_REQUIRE_DATASET(path);
  CsvOptions csv;
  csv.threads = 2;
  Table t = ReadTable(path, csv, InferenceOptions{});
  EXPECT_EQ(t.num_rows(), 14640u);
  EXPECT_EQ(Col(t, "text").type, ColumnType::kText);
  EXPECT_EQ(Col(t, "airline_sentiment").type, ColumnType::kCategorical);
  EXPECT_EQ(Col(t, "airline_sentiment").categories.size(), 3u);
  EXPECT_EQ(Col(t, "tweet_created").type, ColumnType::kDatetime);
  EXPECT_EQ(Col(t, "tweet_created").numbers[0], 1424806552.0);  // 2015-02-24 11:35:52 -0800
  EXPECT_EQ(Col(t, "user_timezone").type, ColumnType::kCategorical);
  EXPECT_EQ(Col(t, "tweet_id").type, ColumnType::kNumeric);
}

TEST(RealDatasets, HousePricesAndBrazilianHouses) {
  auto houses = Dataset("house_prices/train.csv");
  TABPILOT_REQUIRE_DATASET(houses);
  Table t = ReadTable(houses, CsvOptions{}, InferenceOptions{});
  EXPECT_EQ(t.num_rows(), 1460u);
  EXPECT_EQ(t.num_columns(), 81u);
  EXPECT_EQ(Col(t, "SalePrice").type, ColumnType::kNumeric);
  EXPECT_EQ(Col(t, "LotFrontage").type, ColumnType::kNumeric);  // "NA" is missing
  EXPECT_EQ(Col(t, "LotFrontage").CountMissing(), 259u);
  EXPECT_EQ(Col(t, "Neighborhood").type, ColumnType::kCategorical);

  auto brazil = Dataset("brazilian_houses/houses_to_rent_v2.csv");
  TABPILOT_REQUIRE_DATASET(brazil);
  Table b = ReadTable(brazil, CsvOptions{}, InferenceOptions{});
  EXPECT_EQ(b.num_rows(), 10692u);
  EXPECT_EQ(Col(b, "city").categories[0], "S\xC3\xA3o Paulo");
  EXPECT_EQ(Col(b, "floor").type, ColumnType::kCategorical);  // '-' rows
  EXPECT_EQ(Col(b, "total (R$)").type, ColumnType::kNumeric);
}

TEST(RealDatasets, BankMarketingSemicolonQuoted) {
  auto path = Dataset("bank_marketing/bank-full.csv");
  TABPILOT_REQUIRE_DATASET(path);
  Table t = ReadTable(path, CsvOptions{}, InferenceOptions{});
  EXPECT_EQ(t.num_rows(), 45211u);
  ASSERT_EQ(t.num_columns(), 17u);
  EXPECT_EQ(t.column(0).name, "age");
  EXPECT_EQ(Col(t, "y").categories, (std::vector<std::string>{"no", "yes"}));
  EXPECT_EQ(Col(t, "balance").type, ColumnType::kNumeric);
}

TEST(RealDatasets, ArffFiles) {
  auto credit = Dataset("credit_g/credit-g.arff");
  TABPILOT_REQUIRE_DATASET(credit);
  Table c = ReadTable(credit, CsvOptions{}, InferenceOptions{});
  EXPECT_EQ(c.num_rows(), 1000u);
  EXPECT_EQ(c.num_columns(), 21u);
  EXPECT_EQ(Col(c, "checking_status").categories[0], "<0");
  EXPECT_EQ(Col(c, "duration").type, ColumnType::kNumeric);
  EXPECT_EQ(Col(c, "class").categories, (std::vector<std::string>{"good", "bad"}));

  auto kc1 = Dataset("kc1/kc1.arff");
  TABPILOT_REQUIRE_DATASET(kc1);
  Table k = ReadTable(kc1, CsvOptions{}, InferenceOptions{});
  EXPECT_EQ(k.num_rows(), 2109u);
  EXPECT_EQ(k.num_columns(), 22u);
  EXPECT_EQ(Col(k, "defects").type, ColumnType::kCategorical);
  EXPECT_EQ(Col(k, "v(g)").type, ColumnType::kNumeric);
}

TEST(RealDatasets, KddcupGzip) {
  auto path = Dataset("kddcup99/kddcup.data_10_percent.gz");
  TABPILOT_REQUIRE_DATASET(path);
  CsvOptions csv;
  csv.header = false;
  RawTable raw = ReadRawCsv(path, csv);
  EXPECT_EQ(raw.num_rows(), 494021u);
  EXPECT_EQ(raw.num_columns(), 42u);
  EXPECT_EQ(raw.cell(0, 1), "tcp");
  EXPECT_EQ(raw.cell(0, 41), "normal.");
}

}  // namespace
}  // namespace tabpilot
