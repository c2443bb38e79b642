#include "features/categorical_transform.h"

#include <algorithm>
#include <limits>
#include <numeric>

#include "core/error.h"
#include "data/matrix.h"
#include "features/column_conversion.h"

namespace tabpilot {
namespace {

const char* ModeName(CategoricalTransform::Mode mode) {
  switch (mode) {
    case CategoricalTransform::Mode::kOneHot:
      return "onehot";
    case CategoricalTransform::Mode::kOrdinal:
      return "ordinal";
    case CategoricalTransform::Mode::kNative:
      return "native";
    case CategoricalTransform::Mode::kDense:
      return "dense";
  }
  return "unknown";
}

CategoricalTransform::Mode ParseMode(const std::string& name) {
  for (auto m : {CategoricalTransform::Mode::kOneHot, CategoricalTransform::Mode::kOrdinal,
                 CategoricalTransform::Mode::kNative, CategoricalTransform::Mode::kDense}) {
    if (name == ModeName(m)) return m;
  }
  throw InvalidInput("unknown categorical mode '" + name + "' (valid: onehot, ordinal, native, dense)");
}

[[noreturn]] void ThrowBadCode(const std::string& column, size_t row) {
  throw InvalidInput(Where("", 0, column) + ": category code out of range (row " + std::to_string(row + 1) + ")");
}

}  // namespace

int64_t EffectiveRareMinCount(size_t rows, int rare_min_count) {
  if (rare_min_count <= 1) return 1;
  int64_t small_data = std::max<int64_t>(2, static_cast<int64_t>(rows / 100));
  return std::min<int64_t>(rare_min_count, small_data);
}

CategoricalTransform::CategoricalTransform(std::string column, Mode mode, std::vector<std::string> levels,
                                           std::vector<int64_t> counts, size_t num_kept, int64_t train_rows,
                                           bool missing_indicator)
    : column_(std::move(column)),
      mode_(mode),
      levels_(std::move(levels)),
      counts_(std::move(counts)),
      num_kept_(num_kept),
      train_rows_(train_rows),
      missing_indicator_(mode == Mode::kDense && missing_indicator) {
  if (counts_.size() != levels_.size() || num_kept_ > levels_.size() || train_rows_ < 0 ||
      levels_.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    throw InvalidInput(Where("", 0, column_) + ": inconsistent categorical level table");
  }
  lookup_.reserve(levels_.size());
  for (size_t i = 0; i < levels_.size(); ++i) {
    if (!lookup_.emplace(levels_[i], static_cast<int32_t>(i)).second) {
      throw InvalidInput(Where("", 0, column_) + ": level '" + levels_[i] + "' listed twice");
    }
  }
  switch (mode_) {
    case Mode::kOneHot:
      for (size_t i = 0; i < num_kept_; ++i) names_.push_back(column_ + "=" + levels_[i]);
      if (grouped()) names_.push_back(column_ + "#rare");
      break;
    case Mode::kOrdinal:
      names_ = {column_ + "#code", column_ + "#freq"};
      break;
    case Mode::kNative:
      names_ = {column_};
      break;
    case Mode::kDense:
      for (size_t i = 0; i < num_kept_; ++i) names_.push_back(column_ + "=" + levels_[i]);
      if (grouped()) names_.push_back(column_ + "#other");
      if (missing_indicator_) names_.push_back(column_ + "#missing");
      break;
  }
}

std::unique_ptr<ColumnTransform> CategoricalTransform::Fit(const Column& train, const FeatureOptions& options) {
  auto cat = AsCategorical(train);
  std::vector<int64_t> code_counts(cat->categories.size(), 0);
  int64_t missing = 0;
  for (size_t r = 0; r < cat->codes.size(); ++r) {
    int32_t code = cat->codes[r];
    if (code < 0) {
      ++missing;
    } else if (static_cast<size_t>(code) >= code_counts.size()) {
      ThrowBadCode(train.name, r);
    } else {
      ++code_counts[static_cast<size_t>(code)];
    }
  }
  // A dictionary may in principle repeat a string; merge by string.
  std::unordered_map<std::string, int64_t> by_string;
  for (size_t c = 0; c < code_counts.size(); ++c) {
    if (code_counts[c] > 0) by_string[cat->categories[c]] += code_counts[c];
  }
  std::vector<std::pair<std::string, int64_t>> order(by_string.begin(), by_string.end());
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });

  int64_t threshold = EffectiveRareMinCount(cat->codes.size(), options.rare_min_count);
  size_t frequent = 0;
  while (frequent < order.size() && order[frequent].second >= threshold) ++frequent;
  bool has_grouped = frequent < order.size();

  Mode mode;
  size_t num_kept = frequent;
  if (options.encoding == Encoding::kDense) {
    mode = Mode::kDense;
    num_kept = std::min(frequent, static_cast<size_t>(options.max_dense_levels));
  } else if (options.native_categorical) {
    mode = Mode::kNative;
  } else if (frequent > 0 && frequent + (has_grouped ? 1 : 0) <= static_cast<size_t>(options.max_onehot_levels)) {
    mode = Mode::kOneHot;
  } else {
    mode = Mode::kOrdinal;  // also when every value is missing or rare: two columns beat none
  }

  std::vector<std::string> levels;
  std::vector<int64_t> counts;
  levels.reserve(order.size());
  counts.reserve(order.size());
  for (auto& [level, count] : order) {
    levels.push_back(level);
    counts.push_back(count);
  }
  return std::make_unique<CategoricalTransform>(train.name, mode, std::move(levels), std::move(counts), num_kept,
                                                static_cast<int64_t>(cat->codes.size()), missing > 0);
}

std::unique_ptr<ColumnTransform> CategoricalTransform::FromJson(const Json& j) {
  return std::make_unique<CategoricalTransform>(
      j.at("column").get<std::string>(), ParseMode(j.at("mode").get<std::string>()),
      j.at("levels").get<std::vector<std::string>>(), JsonIntegerArray<int64_t>(j.at("counts"), "counts"),
      JsonInteger<size_t>(j.at("num_kept"), "num_kept"), JsonInteger<int64_t>(j.at("train_rows"), "train_rows"),
      j.at("missing_indicator").get<bool>());
}

Json CategoricalTransform::ToJson() const {
  return Json{{"kind", kKind},
              {"column", column_},
              {"mode", ModeName(mode_)},
              {"levels", levels_},
              {"counts", counts_},
              {"num_kept", num_kept_},
              {"train_rows", train_rows_},
              {"missing_indicator", missing_indicator_}};
}

std::vector<size_t> CategoricalTransform::categorical_outputs() const {
  if (mode_ == Mode::kNative) return {0};
  return {};
}

std::vector<int> CategoricalTransform::categorical_output_sizes() const {
  if (mode_ == Mode::kNative) return {std::max(1, static_cast<int>(num_kept_ + (grouped() ? 1 : 0)))};
  return {};
}

CategoricalTransform::Slot CategoricalTransform::SlotOf(std::string_view value) const {
  auto it = lookup_.find(value);
  if (it == lookup_.end()) return Slot{grouped() ? kGrouped : kNone, 0.0f};
  const auto level = static_cast<size_t>(it->second);
  return Slot{level < num_kept_ ? static_cast<int32_t>(level) : kGrouped,
              train_rows_ > 0 ? static_cast<float>(static_cast<double>(counts_[level]) / train_rows_) : 0.0f};
}

void CategoricalTransform::Write(bool missing, Slot slot, float* o) const {
  const size_t width = names_.size();
  const int32_t s = slot.slot;
  switch (mode_) {
    case Mode::kOneHot:
      if (missing) {
        std::fill(o, o + width, kMissingFeature);
        break;
      }
      std::fill(o, o + width, 0.0f);
      if (s >= 0) o[s] = 1.0f;
      if (s == kGrouped) o[num_kept_] = 1.0f;
      break;
    case Mode::kOrdinal:
    case Mode::kNative:
      if (missing) {
        std::fill(o, o + width, kMissingFeature);
        break;
      }
      o[0] = s >= 0 ? static_cast<float>(s) : (s == kGrouped ? static_cast<float>(num_kept_) : kMissingFeature);
      if (mode_ == Mode::kOrdinal) o[1] = slot.freq;
      break;
    case Mode::kDense:
      std::fill(o, o + width, 0.0f);
      if (missing) {
        if (missing_indicator_) o[width - 1] = 1.0f;
      } else if (s >= 0) {
        o[s] = 1.0f;
      } else if (s == kGrouped) {
        o[num_kept_] = 1.0f;
      }
      break;
  }
}

void CategoricalTransform::WriteCell(const TypedCell& cell, float* out) const {
  Write(cell.missing, cell.missing ? Slot{} : SlotOf(cell.text), out);
}

RowWriter CategoricalTransform::Bind(const Column& input) const {
  auto cat = AsCategorical(input);
  // Per-table work: the slot of each of the input's own codes, once.
  std::vector<Slot> slots;
  slots.reserve(cat->categories.size());
  for (const std::string& category : cat->categories) slots.push_back(SlotOf(category));
  return [this, cat, slots = std::move(slots)](size_t begin, size_t end, float* out, size_t stride) {
    const size_t num_codes = slots.size();
    for (size_t r = begin; r < end; ++r) {
      const int32_t code = cat->codes[r];
      if (code >= 0 && static_cast<size_t>(code) >= num_codes) ThrowBadCode(column_, r);
      Write(code < 0, code < 0 ? Slot{} : slots[static_cast<size_t>(code)], out + r * stride);
    }
  };
}

}  // namespace tabpilot
