#include "data/column_builder.h"

#include <functional>
#include <utility>

#include "core/error.h"
#include "data/type_inference.h"
#include "data/value_parse.h"

namespace tabpilot {
namespace {

// The value of every distinct string under `parse`, or nullopt when one
// does not parse.
std::optional<std::vector<double>> ParseEvery(const StringDictionary& dictionary,
                                              const std::function<std::optional<double>(std::string_view)>& parse) {
  std::vector<double> values(dictionary.size());
  for (size_t c = 0; c < dictionary.size(); ++c) {
    std::optional<double> v = parse(dictionary.value(c));
    if (!v) return std::nullopt;
    values[c] = *v;
  }
  return values;
}

std::optional<double> BooleanNumber(std::string_view s) {
  std::optional<bool> b = ParseBoolean(s);
  if (!b) return std::nullopt;
  return *b ? 1.0 : 0.0;
}

std::vector<double> Decode(const std::vector<int32_t>& codes, const std::vector<double>& values) {
  std::vector<double> out(codes.size());
  for (size_t r = 0; r < codes.size(); ++r) {
    out[r] = codes[r] < 0 ? kMissingNumber : values[static_cast<size_t>(codes[r])];
  }
  return out;
}

}  // namespace

int32_t StringDictionary::Add(std::string_view value) {
  auto it = index_.find(value);
  if (it != index_.end()) {
    ++counts_[static_cast<size_t>(it->second)];
    return it->second;
  }
  const auto code = static_cast<int32_t>(values_.size());
  values_.emplace_back(value);
  counts_.push_back(1);
  bytes_ += value.size() + kEntryBytes;
  index_.emplace(std::string_view(values_.back()), code);
  return code;
}

std::vector<std::string> StringDictionary::TakeValues() {
  index_.clear();
  counts_.clear();
  std::vector<std::string> out;
  out.reserve(values_.size());
  for (std::string& v : values_) out.push_back(std::move(v));
  values_.clear();
  bytes_ = 0;
  return out;
}

ColumnBuilder::ColumnBuilder(std::string name, Mode mode) : name_(std::move(name)), mode_(mode) {}

void ColumnBuilder::Start(const ColumnSpec& first_chunk_spec) {
  if (rows_ > 0) throw Internal("ColumnBuilder::Start after rows");
  if (mode_ != Mode::kInfer) return;
  switch (first_chunk_spec.type) {
    case ColumnType::kNumeric:
    case ColumnType::kBoolean:
    case ColumnType::kDatetime:
      parsed_ = true;
      parsed_type_ = first_chunk_spec.type;
      if (parsed_type_ == ColumnType::kDatetime) {
        format_ = FindDatetimeFormat(first_chunk_spec.datetime_format);
        if (!format_) throw Internal("unknown datetime format '" + first_chunk_spec.datetime_format + "'");
      }
      break;
    case ColumnType::kCategorical:
    case ColumnType::kText:
      parsed_ = false;
      break;
  }
}

void ColumnBuilder::Reserve(size_t rows) {
  if (parsed_) {
    numbers_.reserve(rows);
  } else {
    codes_.reserve(rows);
  }
}

double ColumnBuilder::BytesPerRow() const {
  if (parsed_ || rows_ == 0) return sizeof(double);
  const double rows = static_cast<double>(rows_);
  const bool grows = static_cast<double>(dictionary_.size()) > 0.5 * rows;
  return sizeof(int32_t) + (grows ? static_cast<double>(dictionary_.bytes()) / rows : 0.0);
}

void ColumnBuilder::Add(const RawTable& chunk, size_t col) {
  if (parsed_) {
    AddParsed(chunk, col, 0);
  } else {
    AddStrings(chunk, col, 0);
  }
  rows_ += chunk.num_rows();
  if (mode_ == Mode::kLabel && !parsed_) MaybeCollapseLabel();
}

void ColumnBuilder::AddParsed(const RawTable& chunk, size_t col, size_t from) {
  const size_t n = chunk.num_rows();
  for (size_t r = from; r < n; ++r) {
    if (chunk.is_missing(r, col)) {
      numbers_.push_back(kMissingNumber);
      continue;
    }
    const std::string_view cell = chunk.cell(r, col);
    std::optional<double> v;
    switch (parsed_type_) {
      case ColumnType::kNumeric:
        v = ParseNumber(cell);
        break;
      case ColumnType::kBoolean:
        v = BooleanNumber(cell);
        break;
      default:
        v = ParseDatetime(cell, *format_);
        break;
    }
    if (!v) {
      SwitchToStrings(rows_ + r);
      AddStrings(chunk, col, r);
      return;
    }
    numbers_.push_back(*v);
  }
}

void ColumnBuilder::AddStrings(const RawTable& chunk, size_t col, size_t from) {
  const size_t n = chunk.num_rows();
  for (size_t r = from; r < n; ++r) {
    if (chunk.is_missing(r, col)) {
      codes_.push_back(-1);
      continue;
    }
    const std::string_view cell = chunk.cell(r, col);
    const size_t before = dictionary_.size();
    codes_.push_back(dictionary_.Add(cell));
    if (mode_ == Mode::kLabel && all_numbers_ && dictionary_.size() > before) {
      all_numbers_ = ParseNumber(cell).has_value();
    }
  }
}

// The rows before `row` were numbers; from it on the column keeps strings and
// those rows are read again. Their numbers are of no more use.
void ColumnBuilder::SwitchToStrings(size_t row) {
  parsed_ = false;
  reread_before_ = row;
  std::vector<double>().swap(numbers_);
  dictionary_ = StringDictionary();
  all_numbers_ = true;
  codes_.assign(row, -1);
}

void ColumnBuilder::MaybeCollapseLabel() {
  if (dictionary_.size() <= kLabelDistinct || !all_numbers_ || reread_before_) return;
  std::optional<std::vector<double>> values =
      ParseEvery(dictionary_, [](std::string_view s) { return ParseNumber(s); });
  if (!values) throw Internal("label column '" + name_ + "' held a value that is not a number");
  numbers_ = Decode(codes_, *values);
  std::vector<int32_t>().swap(codes_);
  dictionary_ = StringDictionary();
  parsed_ = true;
  parsed_type_ = ColumnType::kNumeric;
}

void ColumnBuilder::AddEarly(const RawTable& chunk, size_t col, size_t first_row) {
  if (!reread_before_) return;
  const size_t end = *reread_before_;
  for (size_t r = 0; r < chunk.num_rows() && first_row + r < end; ++r) {
    codes_[first_row + r] = chunk.is_missing(r, col) ? -1 : early_.Add(chunk.cell(r, col));
  }
}

void ColumnBuilder::FinishReread() {
  if (!reread_before_) return;
  std::vector<int32_t> remap(dictionary_.size(), -1);
  for (size_t r = *reread_before_; r < codes_.size(); ++r) {
    const int32_t code = codes_[r];
    if (code < 0) continue;
    int32_t& to = remap[static_cast<size_t>(code)];
    if (to < 0) {
      to = early_.Add(dictionary_.value(static_cast<size_t>(code)));
    } else {
      early_.Count(to);
    }
    codes_[r] = to;
  }
  dictionary_ = std::move(early_);
  early_ = StringDictionary();
  reread_before_.reset();
}

Column ColumnBuilder::Finish(ColumnSpec* spec) {
  if (reread_before_) throw Internal("column '" + name_ + "' finished before its rows were read again");
  Column out;
  out.name = name_;
  spec->name = name_;
  spec->datetime_format.clear();
  if (parsed_) {
    out.type = parsed_type_;
    out.numbers = std::move(numbers_);
    spec->type = parsed_type_;
    if (format_ && parsed_type_ == ColumnType::kDatetime) spec->datetime_format = DatetimeFormatId(*format_);
    return out;
  }
  if (mode_ == Mode::kInfer) return FinishStrings(spec);
  out.type = ColumnType::kCategorical;
  out.codes = std::move(codes_);
  out.categories = dictionary_.TakeValues();
  spec->type = ColumnType::kCategorical;
  return out;
}

// The inference rules of type_inference.h on the distinct values and their
// counts, in the same order: numeric, boolean, datetime, text, categorical.
Column ColumnBuilder::FinishStrings(ColumnSpec* spec) {
  Column out;
  out.name = name_;
  auto finish_numbers = [&](ColumnType type, const std::vector<double>& values) {
    out.type = type;
    spec->type = type;
    out.numbers = Decode(codes_, values);
    std::vector<int32_t>().swap(codes_);
    dictionary_ = StringDictionary();
    return std::move(out);
  };
  if (auto v = ParseEvery(dictionary_, [](std::string_view s) { return ParseNumber(s); })) {
    return finish_numbers(ColumnType::kNumeric, *v);
  }
  if (auto v = ParseEvery(dictionary_, BooleanNumber)) return finish_numbers(ColumnType::kBoolean, *v);
  if (dictionary_.size() > 0) {
    for (DatetimeFormat f : AllDatetimeFormats()) {
      if (auto v = ParseEvery(dictionary_, [f](std::string_view s) { return ParseDatetime(s, f); })) {
        spec->datetime_format = DatetimeFormatId(f);
        return finish_numbers(ColumnType::kDatetime, *v);
      }
    }
  }
  size_t words = 0;
  size_t non_missing = 0;
  for (size_t c = 0; c < dictionary_.size(); ++c) {
    words += dictionary_.count(c) * CountWords(dictionary_.value(c));
    non_missing += dictionary_.count(c);
  }
  if (IsFreeText(words, dictionary_.size(), non_missing)) {
    out.type = ColumnType::kText;
    spec->type = ColumnType::kText;
    out.texts.resize(codes_.size());
    out.text_missing.resize(codes_.size());
    for (size_t r = 0; r < codes_.size(); ++r) {
      const int32_t code = codes_[r];
      out.text_missing[r] = code < 0 ? 1 : 0;
      if (code >= 0) out.texts[r] = dictionary_.value(static_cast<size_t>(code));
    }
    std::vector<int32_t>().swap(codes_);
    dictionary_ = StringDictionary();
    return out;
  }
  out.type = ColumnType::kCategorical;
  spec->type = ColumnType::kCategorical;
  out.codes = std::move(codes_);
  out.categories = dictionary_.TakeValues();
  return out;
}

}  // namespace tabpilot
