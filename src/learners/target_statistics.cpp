#include "learners/target_statistics.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <string>

#include "core/error.h"

namespace tabpilot {
namespace {

constexpr uint32_t kMissingCode = 0xffffffffu;
// Guards against huge allocations driven by garbage bytes.
constexpr uint32_t kMaxSerializedTables = 1u << 16;
constexpr uint32_t kMaxSerializedSlots = 1u << 28;

uint32_t Code(float v) {
  // Codes are small non-negative integers; anything else (NaN included) is "missing".
  if (!(v >= 0.0f && v < 4.0e9f)) return kMissingCode;
  return static_cast<uint32_t>(v);
}

}  // namespace

uint64_t TargetStatistics::Key(const CtrTable& table, const float* row) {
  uint64_t key = Code(row[table.columns[0]]);
  if (table.columns.size() == 2) key = (key << 32) | Code(row[table.columns[1]]);
  return key;
}

void TargetStatistics::Values(float count, const double* sums, float* out) const {
  for (uint32_t d = 0; d < dims_; ++d) out[d] = static_cast<float>((sums[d] + prior_[d]) / (count + 1.0));
}

TargetStatistics TargetStatistics::Fit(const Matrix& x, const std::vector<float>& y, Task task, int num_classes,
                                       const std::vector<size_t>& categorical, bool pairs, int permutations,
                                       uint64_t seed, Matrix* train_features) {
  TargetStatistics ts;
  const size_t rows = x.rows;
  if (task == Task::kMulticlass) {
    ts.dims_ = num_classes <= kMaxCtrClasses ? static_cast<uint32_t>(num_classes) : 0;
  } else {
    ts.dims_ = 1;
  }
  ts.total_rows_ = static_cast<float>(rows);
  // Per-row target dimensions.
  auto target = [&](size_t r, uint32_t d) -> float {
    if (task == Task::kRegression) return y[r];
    if (task == Task::kBinary) return y[r] > 0.5f ? 1.0f : 0.0f;
    return static_cast<uint32_t>(y[r]) == d ? 1.0f : 0.0f;
  };
  ts.prior_.assign(ts.dims_, 0.0f);
  for (uint32_t d = 0; d < ts.dims_; ++d) {
    double sum = 0;
    for (size_t r = 0; r < rows; ++r) sum += target(r, d);
    ts.prior_[d] = rows > 0 ? static_cast<float>(sum / static_cast<double>(rows)) : 0.0f;
  }
  for (size_t c : categorical) {
    if (c >= x.cols) throw InvalidInput("target statistics: categorical column " + std::to_string(c) + " out of range");
    CtrTable t;
    t.columns = {static_cast<uint32_t>(c)};
    ts.tables_.push_back(std::move(t));
  }
  ts.num_single_ = static_cast<uint32_t>(ts.tables_.size());
  if (pairs) {
    const size_t n = std::min(categorical.size(), kMaxPairedColumns);
    for (size_t a = 0; a < n; ++a) {
      for (size_t b = a + 1; b < n; ++b) {
        CtrTable t;
        t.columns = {static_cast<uint32_t>(categorical[a]), static_cast<uint32_t>(categorical[b])};
        ts.tables_.push_back(std::move(t));
      }
    }
  }

  const size_t nf = ts.num_features();
  *train_features = Matrix(rows, nf, 0.0f);
  const size_t means = ts.tables_.size() * ts.dims_;
  const int passes = std::max(1, permutations);
  std::vector<size_t> order(rows);
  std::vector<uint32_t> slot_of_row(rows);
  std::vector<double> sum(nf), row_sums;
  std::vector<float> counts;
  std::mt19937_64 rng(seed);
  for (size_t t = 0; t < ts.tables_.size(); ++t) {
    CtrTable& table = ts.tables_[t];
    // Slots numbered in row order; full statistics for prediction.
    for (size_t r = 0; r < rows; ++r) {
      auto [it, inserted] = table.slot_of.try_emplace(Key(table, x.row(r)), static_cast<uint32_t>(table.counts.size()));
      if (inserted) {
        table.counts.push_back(0.0f);
        table.sums.resize(table.sums.size() + ts.dims_, 0.0);
      }
      slot_of_row[r] = it->second;
      table.counts[it->second] += 1.0f;
      for (uint32_t d = 0; d < ts.dims_; ++d) table.sums[it->second * ts.dims_ + d] += target(r, d);
    }
    // Ordered statistics, averaged over `passes` permutations.
    for (int p = 0; p < passes; ++p) {
      std::iota(order.begin(), order.end(), size_t{0});
      std::shuffle(order.begin(), order.end(), rng);
      counts.assign(table.counts.size(), 0.0f);
      row_sums.assign(table.sums.size(), 0.0);
      for (size_t r : order) {
        const size_t slot = slot_of_row[r];
        float* out = train_features->row(r);
        float values[kMaxCtrClasses];
        ts.Values(counts[slot], row_sums.data() + slot * ts.dims_, values);
        for (uint32_t d = 0; d < ts.dims_; ++d) out[t * ts.dims_ + d] += values[d] / static_cast<float>(passes);
        if (t < ts.num_single_) {
          out[means + t] += table.counts[slot] / std::max(1.0f, ts.total_rows_) / static_cast<float>(passes);
        }
        counts[slot] += 1.0f;
        for (uint32_t d = 0; d < ts.dims_; ++d) row_sums[slot * ts.dims_ + d] += target(r, d);
      }
    }
  }
  return ts;
}

void TargetStatistics::Transform(const Matrix& x, size_t begin, size_t end, float* out) const {
  const size_t nf = num_features();
  const size_t means = tables_.size() * dims_;
  for (size_t r = begin; r < end; ++r) {
    const float* row = x.row(r);
    float* o = out + (r - begin) * nf;
    for (size_t t = 0; t < tables_.size(); ++t) {
      const CtrTable& table = tables_[t];
      auto it = table.slot_of.find(Key(table, row));
      if (it == table.slot_of.end()) {
        for (uint32_t d = 0; d < dims_; ++d) o[t * dims_ + d] = prior_[d];
        if (t < num_single_) o[means + t] = 0.0f;
        continue;
      }
      const size_t slot = it->second;
      Values(table.counts[slot], table.sums.data() + slot * dims_, o + t * dims_);
      if (t < num_single_) o[means + t] = table.counts[slot] / std::max(1.0f, total_rows_);
    }
  }
}

std::string TargetStatistics::FeatureName(size_t i) const {
  auto cols = [](const CtrTable& t) {
    std::string s;
    for (size_t k = 0; k < t.columns.size(); ++k) s += (k ? "," : "") + std::to_string(t.columns[k]);
    return s;
  };
  const size_t means = tables_.size() * dims_;
  if (i < means) return "ctr(" + cols(tables_[i / dims_]) + ")[" + std::to_string(i % dims_) + "]";
  return "freq(" + cols(tables_[i - means]) + ")";
}

std::vector<uint32_t> TargetStatistics::FeatureColumns(size_t i) const {
  const size_t means = tables_.size() * dims_;
  if (i < means) return tables_[i / dims_].columns;
  if (i - means >= tables_.size()) throw Internal("target statistics: feature " + std::to_string(i) + " out of range");
  return tables_[i - means].columns;
}

void TargetStatistics::Write(ByteWriter& w) const {
  w.U32(dims_);
  w.U32(num_single_);
  w.F32(total_rows_);
  w.Floats(prior_);
  w.U32(static_cast<uint32_t>(tables_.size()));
  for (const CtrTable& t : tables_) {
    w.U8(static_cast<uint8_t>(t.columns.size()));
    for (uint32_t c : t.columns) w.U32(c);
    w.U32(static_cast<uint32_t>(t.counts.size()));
    // Slots in key order, so equal tables give equal bytes.
    std::vector<std::pair<uint64_t, uint32_t>> slots(t.slot_of.begin(), t.slot_of.end());
    std::sort(slots.begin(), slots.end());
    for (const auto& [key, slot] : slots) {
      w.U64(key);
      w.F32(t.counts[slot]);
      for (uint32_t d = 0; d < dims_; ++d) w.F64(t.sums[static_cast<size_t>(slot) * dims_ + d]);
    }
  }
}

void TargetStatistics::MapColumns(const std::vector<size_t>& columns) {
  for (CtrTable& t : tables_) {
    for (uint32_t& c : t.columns) {
      if (c >= columns.size())
        throw InvalidInput("target statistics: column " + std::to_string(c) + " has no new index");
      c = static_cast<uint32_t>(columns[c]);
    }
  }
}

TargetStatistics TargetStatistics::Read(ByteReader& r, size_t num_columns) {
  TargetStatistics ts;
  ts.dims_ = r.U32("target statistic dimensions");
  if (ts.dims_ > static_cast<uint32_t>(kMaxCtrClasses)) r.Fail("bad target statistic dimensions");
  ts.num_single_ = r.U32("single-column tables");
  ts.total_rows_ = r.F32("training rows");
  ts.prior_ = r.Floats(ts.dims_, "priors");
  const uint32_t tables = r.U32("table count");
  if (tables > kMaxSerializedTables || ts.num_single_ > tables) r.Fail("bad table count");
  ts.tables_.resize(tables);
  for (uint32_t i = 0; i < tables; ++i) {
    CtrTable& t = ts.tables_[i];
    const uint8_t ncols = r.U8("table columns");
    if (ncols < 1 || ncols > 2 || (i < ts.num_single_) != (ncols == 1)) r.Fail("bad table column count");
    for (uint8_t k = 0; k < ncols; ++k) {
      const uint32_t c = r.U32("table column");
      if (c >= num_columns) r.Fail("table column " + std::to_string(c) + " out of range");
      t.columns.push_back(c);
    }
    const uint32_t slots = r.U32("slot count");
    if (slots > kMaxSerializedSlots || slots > r.remaining() / (12 + 8 * static_cast<size_t>(ts.dims_))) {
      r.Fail("bad slot count");
    }
    t.counts.resize(slots);
    t.sums.resize(static_cast<size_t>(slots) * ts.dims_);
    t.slot_of.reserve(slots);
    for (uint32_t s = 0; s < slots; ++s) {
      const uint64_t key = r.U64("category key");
      if (!t.slot_of.emplace(key, s).second) r.Fail("duplicate category key");
      t.counts[s] = r.F32("category count");
      for (uint32_t d = 0; d < ts.dims_; ++d) t.sums[static_cast<size_t>(s) * ts.dims_ + d] = r.F64("category sum");
    }
  }
  return ts;
}

}  // namespace tabpilot
