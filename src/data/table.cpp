#include "data/table.h"

#include "core/error.h"

namespace tabpilot {

std::optional<size_t> Table::Find(const std::string& name) const {
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (columns_[i].name == name) return i;
  }
  return std::nullopt;
}

const Column& Table::Get(const std::string& name) const {
  auto i = Find(name);
  if (!i) throw NotFound(Where(source_, 0, "") + (source_.empty() ? "" : ": ") + "no column named '" + name + "'");
  return columns_[*i];
}

void Table::AddColumn(Column column) {
  if (Find(column.name)) throw InvalidInput("duplicate column name '" + column.name + "'");
  if (columns_.empty()) {
    num_rows_ = column.size();
  } else if (column.size() != num_rows_) {
    throw InvalidInput("column '" + column.name + "' has " + std::to_string(column.size()) + " rows, expected " +
                       std::to_string(num_rows_));
  }
  columns_.push_back(std::move(column));
}

Column Table::TakeColumn(const std::string& name) {
  auto i = Find(name);
  if (!i) throw NotFound("no column named '" + name + "'");
  Column c = std::move(columns_[*i]);
  columns_.erase(columns_.begin() + static_cast<std::ptrdiff_t>(*i));
  return c;
}

Table Table::SelectRows(const std::vector<size_t>& rows) const {
  Table out;
  out.source_ = source_;
  out.num_rows_ = rows.size();
  out.columns_.reserve(columns_.size());
  for (const Column& c : columns_) {
    Column n;
    n.name = c.name;
    n.type = c.type;
    n.categories = c.categories;
    switch (c.type) {
      case ColumnType::kCategorical:
        n.codes.reserve(rows.size());
        for (size_t r : rows) n.codes.push_back(c.codes[r]);
        break;
      case ColumnType::kText:
        n.texts.reserve(rows.size());
        n.text_missing.reserve(rows.size());
        for (size_t r : rows) {
          n.texts.push_back(c.texts[r]);
          n.text_missing.push_back(c.text_missing[r]);
        }
        break;
      default:
        n.numbers.reserve(rows.size());
        for (size_t r : rows) n.numbers.push_back(c.numbers[r]);
    }
    out.columns_.push_back(std::move(n));
  }
  return out;
}

}  // namespace tabpilot
