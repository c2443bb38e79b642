#include "features/datetime_transform.h"

#include <chrono>
#include <cmath>

#include "core/error.h"
#include "features/column_conversion.h"

namespace tabpilot {
namespace {

// Beyond this (about year 30000) std::chrono's calendar cannot represent the
// date; the calendar parts become NaN while "#epoch" keeps the value.
constexpr double kMaxCalendarSeconds = 9e11;

enum Part { kYear, kMonth, kDay, kDow, kHour, kNumParts };

// Calendar parts of `t` (UTC); all NaN when t is NaN or out of range.
void Parts(double t, double* parts) {
  if (std::isnan(t) || std::fabs(t) > kMaxCalendarSeconds) {
    for (int i = 0; i < kNumParts; ++i) parts[i] = kMissingNumber;
    return;
  }
  using namespace std::chrono;
  double day_number = std::floor(t / 86400.0);
  sys_days d{days{static_cast<int64_t>(day_number)}};
  year_month_day ymd{d};
  parts[kYear] = static_cast<int>(ymd.year());
  parts[kMonth] = static_cast<unsigned>(ymd.month());
  parts[kDay] = static_cast<unsigned>(ymd.day());
  parts[kDow] = weekday{d}.iso_encoding() - 1;
  parts[kHour] = std::floor((t - day_number * 86400.0) / 3600.0);
}

bool HasTimeOfDay(double t) { return !std::isnan(t) && std::fmod(t, 86400.0) != 0; }

}  // namespace

DatetimeTransform::DatetimeTransform(std::string column, Encoding encoding, bool with_hour, bool missing_indicator,
                                     std::vector<DenseScaler> scalers)
    : column_(std::move(column)),
      encoding_(encoding),
      with_hour_(with_hour),
      missing_indicator_(encoding == Encoding::kDense && missing_indicator),
      scalers_(std::move(scalers)) {
  for (const char* part : {"#year", "#month", "#day", "#dow"}) names_.push_back(column_ + part);
  if (with_hour_) names_.push_back(column_ + "#hour");
  names_.push_back(column_ + "#epoch");
  if (encoding_ == Encoding::kDense && scalers_.size() != names_.size()) {
    throw InvalidInput(Where("", 0, column_) + ": datetime transform needs " + std::to_string(names_.size()) +
                       " scalers, has " + std::to_string(scalers_.size()));
  }
  if (missing_indicator_) names_.push_back(column_ + "#missing");
}

std::unique_ptr<ColumnTransform> DatetimeTransform::Fit(const Column& train, const FeatureOptions& options) {
  auto values = NumbersForDatetime(train);
  bool with_hour = false;
  bool has_missing = false;
  for (double t : *values) {
    with_hour = with_hour || HasTimeOfDay(t);
    has_missing = has_missing || std::isnan(t);
  }
  std::vector<DenseScaler> scalers;
  if (options.encoding == Encoding::kDense) {
    std::vector<std::vector<double>> columns(kNumParts);
    for (auto& c : columns) c.reserve(values->size());
    double parts[kNumParts];
    for (double t : *values) {
      Parts(t, parts);
      for (int i = 0; i < kNumParts; ++i) columns[static_cast<size_t>(i)].push_back(parts[i]);
    }
    for (int i = 0; i < kNumParts; ++i) {
      if (i == kHour && !with_hour) continue;
      scalers.push_back(DenseScaler::Fit(columns[static_cast<size_t>(i)], options.dense_clip_sd));
    }
    scalers.push_back(DenseScaler::Fit(*values, options.dense_clip_sd));
  }
  return std::make_unique<DatetimeTransform>(train.name, options.encoding, with_hour, has_missing, std::move(scalers));
}

std::unique_ptr<ColumnTransform> DatetimeTransform::FromJson(const Json& j) {
  Encoding encoding = ParseEncoding(j.at("encoding").get<std::string>());
  bool missing_indicator = false;
  std::vector<DenseScaler> scalers;
  if (encoding == Encoding::kDense) {
    missing_indicator = j.at("missing_indicator").get<bool>();
    for (const Json& s : j.at("scalers")) scalers.push_back(DenseScaler::FromJson(s));
  }
  return std::make_unique<DatetimeTransform>(j.at("column").get<std::string>(), encoding, j.at("with_hour").get<bool>(),
                                             missing_indicator, std::move(scalers));
}

Json DatetimeTransform::ToJson() const {
  Json j{{"kind", kKind}, {"column", column_}, {"encoding", EncodingName(encoding_)}, {"with_hour", with_hour_}};
  if (encoding_ == Encoding::kDense) {
    j["missing_indicator"] = missing_indicator_;
    Json scalers = Json::array();
    for (const DenseScaler& s : scalers_) scalers.push_back(s.ToJson());
    j["scalers"] = std::move(scalers);
  }
  return j;
}

void DatetimeTransform::Write(double t, float* out) const {
  double parts[kNumParts];
  double values[kNumParts + 1];
  Parts(t, parts);
  size_t n = 0;
  for (int i = 0; i < kNumParts; ++i) {
    if (i == kHour && !with_hour_) continue;
    values[n++] = parts[i];
  }
  values[n++] = t;
  if (encoding_ != Encoding::kDense) {
    for (size_t i = 0; i < n; ++i) out[i] = static_cast<float>(values[i]);
    return;
  }
  for (size_t i = 0; i < n; ++i) out[i] = scalers_[i].Apply(values[i]);
  if (missing_indicator_) out[n] = std::isnan(t) ? 1.0f : 0.0f;
}

RowWriter DatetimeTransform::Bind(const Column& input) const {
  auto values = NumbersForDatetime(input);
  return [this, values](size_t begin, size_t end, float* out, size_t stride) {
    for (size_t r = begin; r < end; ++r) Write((*values)[r], out + r * stride);
  };
}

}  // namespace tabpilot
