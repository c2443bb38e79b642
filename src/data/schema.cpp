#include "data/schema.h"

#include <set>

#include "core/error.h"
#include "data/datetime_parse.h"

namespace tabpilot {

const ColumnSpec* Schema::Find(const std::string& name) const {
  for (const ColumnSpec& c : columns) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

Json Schema::ToJson() const {
  Json cols = Json::array();
  for (const ColumnSpec& c : columns) {
    Json j = {{"name", c.name}, {"type", ColumnTypeName(c.type)}};
    if (c.type == ColumnType::kDatetime) j["datetime_format"] = c.datetime_format;
    cols.push_back(std::move(j));
  }
  return Json{{"columns", std::move(cols)}};
}

Schema Schema::FromJson(const Json& json) {
  if (!json.is_object() || !json.contains("columns") || !json["columns"].is_array()) {
    throw InvalidInput("schema: expected an object with a \"columns\" array");
  }
  Schema schema;
  std::set<std::string> seen;
  size_t index = 0;
  for (const Json& j : json["columns"]) {
    std::string where = "schema: column " + std::to_string(index++);
    if (!j.is_object()) throw InvalidInput(where + ": expected an object");
    if (!j.contains("name") || !j["name"].is_string()) throw InvalidInput(where + ": missing string \"name\"");
    if (!j.contains("type") || !j["type"].is_string()) throw InvalidInput(where + ": missing string \"type\"");
    ColumnSpec spec;
    spec.name = j["name"].get<std::string>();
    where = "schema: column '" + spec.name + "'";
    if (!seen.insert(spec.name).second) throw InvalidInput(where + ": duplicate name");
    try {
      spec.type = ParseColumnType(j["type"].get<std::string>());
    } catch (const InvalidInput& e) {
      throw InvalidInput(where + ": " + e.what());
    }
    if (spec.type == ColumnType::kDatetime) {
      if (!j.contains("datetime_format") || !j["datetime_format"].is_string()) {
        throw InvalidInput(where + ": datetime column needs a string \"datetime_format\"");
      }
      spec.datetime_format = j["datetime_format"].get<std::string>();
      if (!FindDatetimeFormat(spec.datetime_format)) {
        throw InvalidInput(where + ": unknown datetime_format '" + spec.datetime_format + "'");
      }
    }
    schema.columns.push_back(std::move(spec));
  }
  return schema;
}

}  // namespace tabpilot
