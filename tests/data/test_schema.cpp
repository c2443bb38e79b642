#include "data/schema.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace tabpilot {
namespace {

Schema Sample() {
  Schema s;
  s.columns = {{"age", ColumnType::kNumeric, ""},
               {"when", ColumnType::kDatetime, "mdy_slash"},
               {"city", ColumnType::kCategorical, ""},
               {"note", ColumnType::kText, ""},
               {"ok", ColumnType::kBoolean, ""}};
  return s;
}

TEST(Schema, FindByName) {
  Schema s = Sample();
  ASSERT_NE(s.Find("city"), nullptr);
  EXPECT_EQ(s.Find("city")->type, ColumnType::kCategorical);
  EXPECT_EQ(s.Find("nope"), nullptr);
}

TEST(Schema, JsonRoundTrip) {
  Schema s = Sample();
  Json j = s.ToJson();
  EXPECT_EQ(j["columns"][1]["type"], "datetime");
  EXPECT_EQ(j["columns"][1]["datetime_format"], "mdy_slash");
  EXPECT_FALSE(j["columns"][0].contains("datetime_format"));
  EXPECT_EQ(Schema::FromJson(j), s);
  EXPECT_EQ(Schema::FromJson(Json::parse(j.dump())), s);
}

TEST(Schema, RejectsBadJson) {
  auto message = [](const char* text) -> std::string {
    try {
      Schema::FromJson(Json::parse(text));
    } catch (const InvalidInput& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_EQ(message("[]"), "schema: expected an object with a \"columns\" array");
  EXPECT_EQ(message(R"({"columns": [{"type": "numeric"}]})"), "schema: column 0: missing string \"name\"");
  EXPECT_EQ(message(R"({"columns": [{"name": "a"}]})"), "schema: column 0: missing string \"type\"");
  EXPECT_EQ(message(R"({"columns": [{"name": "a", "type": "float"}]})"),
            "schema: column 'a': unknown column type 'float' (valid: numeric, boolean, categorical, datetime, text)");
  EXPECT_EQ(message(R"({"columns": [{"name": "a", "type": "datetime"}]})"),
            "schema: column 'a': datetime column needs a string \"datetime_format\"");
  EXPECT_EQ(message(R"({"columns": [{"name": "a", "type": "datetime", "datetime_format": "dmy"}]})"),
            "schema: column 'a': unknown datetime_format 'dmy'");
  EXPECT_EQ(message(R"({"columns": [{"name": "a", "type": "text"}, {"name": "a", "type": "text"}]})"),
            "schema: column 'a': duplicate name");
  EXPECT_EQ(Schema::FromJson(Json::parse(R"({"columns": []})")).columns.size(), 0u);
}

}  // namespace
}  // namespace tabpilot
