// A Table is a list of equally long, named, typed columns.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "data/column.h"

namespace tabpilot {

class Table {
 public:
  Table() = default;
  Table(Table&&) = default;
  Table& operator=(Table&&) = default;
  Table(const Table&) = default;
  Table& operator=(const Table&) = default;

  size_t num_rows() const { return num_rows_; }
  size_t num_columns() const { return columns_.size(); }
  const std::vector<Column>& columns() const { return columns_; }
  const Column& column(size_t i) const { return columns_[i]; }
  Column& mutable_column(size_t i) { return columns_[i]; }

  // Index of the column called `name`, or nullopt.
  std::optional<size_t> Find(const std::string& name) const;
  // The column called `name`; throws NotFound naming it and `source` otherwise.
  const Column& Get(const std::string& name) const;

  // Appends a column; throws InvalidInput if its length differs or the name repeats.
  void AddColumn(Column column);
  // Removes and returns the column called `name` (throws NotFound).
  Column TakeColumn(const std::string& name);
  // A new table with only the given rows (in the given order).
  Table SelectRows(const std::vector<size_t>& rows) const;

  // Where the table came from (a file path), used in error messages.
  const std::string& source() const { return source_; }
  void set_source(std::string s) { source_ = std::move(s); }

 private:
  std::vector<Column> columns_;
  size_t num_rows_ = 0;
  std::string source_;
};

}  // namespace tabpilot
