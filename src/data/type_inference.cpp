#include "data/type_inference.h"

#include <algorithm>
#include <atomic>
#include <limits>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "core/error.h"
#include "core/parallel.h"
#include "data/arff_reader.h"
#include "data/datetime_parse.h"
#include "data/value_parse.h"

namespace tabpilot {
namespace {

constexpr double kTextMinMeanWords = 3.0;
constexpr double kTextMinDistinctFraction = 0.5;

std::optional<DatetimeFormat> DetectDatetimeFormat(const RawTable& raw, size_t col) {
  for (DatetimeFormat f : AllDatetimeFormats()) {
    bool all = true;
    bool any = false;
    for (size_t r = 0; r < raw.num_rows() && all; ++r) {
      if (raw.is_missing(r, col)) continue;
      any = true;
      all = ParseDatetime(raw.cell(r, col), f).has_value();
    }
    if (all && any) return f;
  }
  return std::nullopt;
}

ColumnSpec InferColumn(const RawTable& raw, size_t col) {
  ColumnSpec spec;
  spec.name = raw.name(col);
  const size_t rows = raw.num_rows();
  bool all_numeric = true;
  bool all_boolean = true;
  size_t non_missing = 0;
  for (size_t r = 0; r < rows && (all_numeric || all_boolean); ++r) {
    if (raw.is_missing(r, col)) continue;
    ++non_missing;
    std::string_view cell = raw.cell(r, col);
    if (all_numeric && !ParseNumber(cell)) all_numeric = false;
    if (all_boolean && !ParseBoolean(cell)) all_boolean = false;
  }
  if (all_numeric) {
    spec.type = ColumnType::kNumeric;  // includes the all-missing column
    return spec;
  }
  if (all_boolean) {
    spec.type = ColumnType::kBoolean;
    return spec;
  }
  if (auto f = DetectDatetimeFormat(raw, col)) {
    spec.type = ColumnType::kDatetime;
    spec.datetime_format = DatetimeFormatId(*f);
    return spec;
  }
  size_t words = 0;
  non_missing = 0;
  std::unordered_set<std::string_view> distinct;
  for (size_t r = 0; r < rows; ++r) {
    if (raw.is_missing(r, col)) continue;
    ++non_missing;
    std::string_view cell = raw.cell(r, col);
    words += CountWords(cell);
    distinct.insert(cell);
  }
  spec.type = IsFreeText(words, distinct.size(), non_missing) ? ColumnType::kText : ColumnType::kCategorical;
  return spec;
}

struct CellError {
  size_t row = std::numeric_limits<size_t>::max();
  std::string message;
};

// Builds one column; returns the number of coerced cells, or records the
// first unparsable cell in `error` (strict mode) and stops.
size_t BuildColumn(const RawTable& raw, size_t col, const ColumnSpec& spec, bool lenient, Column& out,
                   CellError& error) {
  const size_t rows = raw.num_rows();
  out.name = spec.name;
  out.type = spec.type;
  size_t coerced = 0;
  auto fail = [&](size_t r) {
    if (lenient) {
      ++coerced;
      return false;
    }
    std::string what = spec.type == ColumnType::kDatetime ? std::string("datetime (") + spec.datetime_format + ")"
                                                          : std::string(ColumnTypeName(spec.type));
    error.row = r;
    error.message = Where(raw.source(), raw.line_of_row(r), spec.name) + ": cannot parse '" +
                    CellExcerpt(raw.cell(r, col)) + "' as " + what;
    return true;
  };
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  switch (spec.type) {
    case ColumnType::kNumeric:
    case ColumnType::kBoolean:
    case ColumnType::kDatetime: {
      // Checked by BuildTable before the parallel section.
      std::optional<DatetimeFormat> format = FindDatetimeFormat(spec.datetime_format);
      out.numbers.resize(rows);
      for (size_t r = 0; r < rows; ++r) {
        double v = kNaN;
        if (!raw.is_missing(r, col)) {
          std::string_view cell = raw.cell(r, col);
          std::optional<double> parsed;
          if (spec.type == ColumnType::kNumeric) {
            parsed = ParseNumber(cell);
          } else if (spec.type == ColumnType::kBoolean) {
            if (auto b = ParseBoolean(cell)) parsed = *b ? 1.0 : 0.0;
          } else {
            parsed = ParseDatetime(cell, *format);
          }
          if (parsed) {
            v = *parsed;
          } else if (fail(r)) {
            return 0;
          }
        }
        out.numbers[r] = v;
      }
      break;
    }
    case ColumnType::kCategorical: {
      out.codes.resize(rows);
      std::unordered_map<std::string_view, int32_t> index;
      for (size_t r = 0; r < rows; ++r) {
        if (raw.is_missing(r, col)) {
          out.codes[r] = -1;
          continue;
        }
        std::string_view cell = raw.cell(r, col);
        auto [it, inserted] = index.try_emplace(cell, static_cast<int32_t>(out.categories.size()));
        if (inserted) out.categories.emplace_back(cell);
        out.codes[r] = it->second;
      }
      break;
    }
    case ColumnType::kText: {
      out.texts.resize(rows);
      out.text_missing.resize(rows);
      for (size_t r = 0; r < rows; ++r) {
        bool missing = raw.is_missing(r, col);
        out.text_missing[r] = missing ? 1 : 0;
        if (!missing) out.texts[r] = std::string(raw.cell(r, col));
      }
      break;
    }
  }
  return coerced;
}

int ResolveThreads(int threads) { return threads > 0 ? threads : HardwareThreads(); }

// Specs for the raw columns `cols`, in that order (overrides already checked).
Schema InferSchemaColumns(const RawTable& raw, const InferenceOptions& options, const std::vector<size_t>& cols) {
  Schema schema;
  schema.columns.resize(cols.size());
  // Errors are collected per column and the leftmost reported, so the message
  // does not depend on thread timing.
  std::vector<std::string> errors(cols.size());
  ParallelFor(cols.size(), ResolveThreads(options.threads), [&](size_t begin, size_t end, int) {
    for (size_t i = begin; i < end; ++i) {
      const size_t c = cols[i];
      auto it = options.overrides.find(raw.name(c));
      if (it == options.overrides.end()) {
        schema.columns[i] = InferColumn(raw, c);
        continue;
      }
      ColumnSpec spec;
      spec.name = raw.name(c);
      spec.type = it->second;
      if (spec.type == ColumnType::kDatetime) {
        auto f = DetectDatetimeFormat(raw, c);
        if (!f) {
          errors[i] =
              Where(raw.source(), 0, spec.name) + ": values match no datetime format (iso8601, ymd_slash, mdy_slash)";
          continue;
        }
        spec.datetime_format = DatetimeFormatId(*f);
      }
      schema.columns[i] = std::move(spec);
    }
  });
  for (const std::string& e : errors) {
    if (!e.empty()) throw InvalidInput(e);
  }
  return schema;
}

void CheckOverrides(const RawTable& raw, const InferenceOptions& options) {
  for (const auto& [name, type] : options.overrides) {
    if (!raw.Find(name)) {
      throw InvalidInput(raw.source() + ": type override for unknown column '" + name + "'");
    }
  }
}

}  // namespace

std::string CellExcerpt(std::string_view s) {
  constexpr size_t kMax = 40;
  if (s.size() <= kMax) return std::string(s);
  size_t cut = kMax;
  // Do not cut a UTF-8 sequence in half.
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return std::string(s.substr(0, cut)) + "...";
}

size_t CountWords(std::string_view s) {
  size_t words = 0;
  bool in_word = false;
  for (char c : s) {
    bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r';
    if (!space && !in_word) ++words;
    in_word = !space;
  }
  return words;
}

bool IsFreeText(size_t words, size_t distinct, size_t non_missing) {
  if (non_missing == 0) return false;
  const double mean_words = static_cast<double>(words) / static_cast<double>(non_missing);
  const double distinct_fraction = static_cast<double>(distinct) / static_cast<double>(non_missing);
  return mean_words >= kTextMinMeanWords && distinct_fraction >= kTextMinDistinctFraction;
}

Schema InferSchema(const RawTable& raw, const InferenceOptions& options) {
  CheckOverrides(raw, options);
  std::vector<size_t> all(raw.num_columns());
  for (size_t c = 0; c < all.size(); ++c) all[c] = c;
  return InferSchemaColumns(raw, options, all);
}

Table BuildTable(const RawTable& raw, const Schema& schema, const BuildOptions& options, BuildReport* report) {
  const size_t n = schema.columns.size();
  std::vector<size_t> raw_index(n);
  for (size_t i = 0; i < n; ++i) {
    auto idx = raw.Find(schema.columns[i].name);
    if (!idx) throw InvalidInput(raw.source() + ": missing required column '" + schema.columns[i].name + "'");
    raw_index[i] = *idx;
    const ColumnSpec& spec = schema.columns[i];
    if (spec.type == ColumnType::kDatetime && !FindDatetimeFormat(spec.datetime_format)) {
      throw InvalidInput(Where(raw.source(), 0, spec.name) + ": unknown datetime format '" + spec.datetime_format +
                         "'");
    }
  }
  std::vector<Column> columns(n);
  std::vector<CellError> errors(n);
  std::vector<size_t> coerced(n, 0);
  ParallelFor(n, ResolveThreads(options.threads), [&](size_t begin, size_t end, int) {
    for (size_t i = begin; i < end; ++i) {
      coerced[i] = BuildColumn(raw, raw_index[i], schema.columns[i], options.lenient, columns[i], errors[i]);
    }
  });
  const CellError* first = nullptr;
  for (const CellError& e : errors) {
    if (!e.message.empty() && (!first || e.row < first->row)) first = &e;
  }
  if (first) throw InvalidInput(first->message);

  Table table;
  table.set_source(raw.source());
  for (size_t i = 0; i < n; ++i) {
    if (report && coerced[i] > 0) report->coerced[schema.columns[i].name] += coerced[i];
    if (columns[i].size() != raw.num_rows()) throw Internal("column '" + columns[i].name + "' built with wrong length");
    table.AddColumn(std::move(columns[i]));
  }
  return table;
}

// The training path in one go. Most cells of typical data are numbers, so
// every column without an override is first parsed as numeric, in blocks of
// rows across all columns (the buffer is read once, in order, and the work
// splits over threads even for few columns); a column stops at its first
// non-number. Columns that were all numbers are done; the rest go through
// InferSchema's rules and BuildColumn. Same result as InferSchema + BuildTable.
Table InferAndBuildTable(const RawTable& raw, const InferenceOptions& options, Schema* schema_out) {
  CheckOverrides(raw, options);
  const size_t cols = raw.num_columns();
  const size_t rows = raw.num_rows();
  const int threads = ResolveThreads(options.threads);
  std::vector<Column> columns(cols);
  std::vector<std::atomic<uint8_t>> failed(cols);
  for (size_t c = 0; c < cols; ++c) {
    if (options.overrides.count(raw.name(c))) {
      failed[c] = 1;
    } else {
      columns[c].numbers.resize(rows);
    }
  }
  constexpr size_t kBlockRows = 2048;
  const size_t blocks = (rows + kBlockRows - 1) / kBlockRows;
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  ParallelFor(blocks, threads, [&](size_t block_begin, size_t block_end, int) {
    for (size_t b = block_begin; b < block_end; ++b) {
      const size_t r0 = b * kBlockRows;
      const size_t r1 = std::min(rows, r0 + kBlockRows);
      for (size_t c = 0; c < cols; ++c) {
        if (failed[c].load(std::memory_order_relaxed)) continue;
        double* out = columns[c].numbers.data();
        for (size_t r = r0; r < r1; ++r) {
          if (raw.is_missing(r, c)) {
            out[r] = kNaN;
          } else if (auto v = ParseNumber(raw.cell(r, c))) {
            out[r] = *v;
          } else {
            failed[c].store(1, std::memory_order_relaxed);
            break;
          }
        }
      }
    }
  });

  Schema schema;
  schema.columns.resize(cols);
  std::vector<size_t> rest;
  for (size_t c = 0; c < cols; ++c) {
    if (failed[c].load()) {
      columns[c].numbers = {};
      rest.push_back(c);
    } else {
      schema.columns[c] = {raw.name(c), ColumnType::kNumeric, ""};
      columns[c].name = raw.name(c);
      columns[c].type = ColumnType::kNumeric;
    }
  }
  if (!rest.empty()) {
    Schema inferred = InferSchemaColumns(raw, options, rest);
    std::vector<CellError> errors(rest.size());
    ParallelFor(rest.size(), threads, [&](size_t begin, size_t end, int) {
      for (size_t i = begin; i < end; ++i) {
        size_t c = rest[i];
        schema.columns[c] = inferred.columns[i];
        BuildColumn(raw, c, schema.columns[c], false, columns[c], errors[i]);
      }
    });
    const CellError* first = nullptr;
    for (const CellError& e : errors) {
      if (!e.message.empty() && (!first || e.row < first->row)) first = &e;
    }
    if (first) throw InvalidInput(first->message);
  }
  Table table;
  table.set_source(raw.source());
  for (Column& c : columns) table.AddColumn(std::move(c));
  if (schema_out) *schema_out = std::move(schema);
  return table;
}

Table ReadTable(const std::filesystem::path& path, const CsvOptions& csv, const InferenceOptions& inference,
                Schema* schema) {
  InferenceOptions infer = inference;
  if (infer.threads == 0) infer.threads = csv.threads;
  RawTable raw;
  if (IsArffPath(path)) {
    ArffData arff = ReadArff(path, csv);
    for (const auto& [name, type] : arff.declared_types) infer.overrides.emplace(name, type);
    raw = std::move(arff.raw);
  } else {
    raw = ReadRawCsv(path, csv);
  }
  Table table = InferAndBuildTable(raw, infer, schema);
  table.set_source(path.string());
  return table;
}

}  // namespace tabpilot
