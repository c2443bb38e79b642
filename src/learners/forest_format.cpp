#include "learners/forest_format.h"

#include <bit>
#include <cstring>

#include "core/error.h"
#include "core/hash.h"

namespace tabpilot {
namespace {

constexpr char kMagic[8] = {'T', 'P', 'F', 'O', 'R', 'E', 'S', 'T'};
constexpr uint32_t kFormatVersion = 1;
// Bytes per node across the six node arrays.
constexpr uint64_t kNodeBytes = 4 + 4 + 4 + 4 + 1 + 4;

[[noreturn]] void Corrupt(const std::string& what) { throw InvalidInput("corrupt forest model: " + what); }

class Writer {
 public:
  void Bytes(const void* p, size_t n) { out_.append(static_cast<const char*>(p), n); }
  void U8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void U32(uint32_t v) {
    for (int i = 0; i < 4; ++i) U8(static_cast<uint8_t>(v >> (8 * i)));
  }
  void U64(uint64_t v) {
    for (int i = 0; i < 8; ++i) U8(static_cast<uint8_t>(v >> (8 * i)));
  }
  void I32(int32_t v) { U32(static_cast<uint32_t>(v)); }
  void F32(float v) { U32(std::bit_cast<uint32_t>(v)); }
  std::string& str() { return out_; }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  size_t remaining() const { return in_.size() - pos_; }
  void Need(uint64_t n, const char* what) const {
    if (n > remaining()) Corrupt(std::string("truncated (") + what + ")");
  }
  uint8_t U8() {
    Need(1, "byte");
    return static_cast<uint8_t>(in_[pos_++]);
  }
  uint32_t U32() {
    Need(4, "u32");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(in_[pos_++])) << (8 * i);
    return v;
  }
  uint64_t U64() {
    Need(8, "u64");
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(in_[pos_++])) << (8 * i);
    return v;
  }
  int32_t I32() { return static_cast<int32_t>(U32()); }
  float F32() { return std::bit_cast<float>(U32()); }
  size_t pos() const { return pos_; }

 private:
  std::string_view in_;
  size_t pos_ = 0;
};

template <typename T, typename Read>
std::vector<T> ReadArray(uint64_t n, Read read) {
  std::vector<T> v(n);
  for (auto& x : v) x = read();
  return v;
}

}  // namespace

std::string EncodeForest(const ForestModelData& model) {
  const FlatForest& f = model.forest;
  Writer w;
  w.Bytes(kMagic, sizeof(kMagic));
  w.U32(kFormatVersion);
  w.U8(static_cast<uint8_t>(model.task));
  w.U32(static_cast<uint32_t>(model.num_classes));
  w.U32(static_cast<uint32_t>(f.num_features()));
  w.U32(static_cast<uint32_t>(f.values_per_leaf()));
  w.U32(static_cast<uint32_t>(f.num_trees()));
  w.U64(f.num_nodes());
  w.U64(f.leaf_values().size());
  w.str().reserve(w.str().size() + 8 * (f.num_trees() + 2) + kNodeBytes * f.num_nodes() + 4 * f.leaf_values().size());
  for (uint64_t b : f.tree_begin()) w.U64(b);
  for (int32_t v : f.feature()) w.I32(v);
  for (float v : f.threshold()) w.F32(v);
  for (int32_t v : f.left()) w.I32(v);
  for (int32_t v : f.right()) w.I32(v);
  for (uint8_t v : f.default_left()) w.U8(v);
  for (int32_t v : f.value_offset()) w.I32(v);
  for (float v : f.leaf_values()) w.F32(v);
  w.U64(Fnv1a64(w.str()));
  return std::move(w.str());
}

ForestModelData DecodeForest(std::string_view bytes) {
  Reader r(bytes);
  r.Need(sizeof(kMagic), "magic");
  if (std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0) Corrupt("bad magic (not a forest model)");
  for (size_t i = 0; i < sizeof(kMagic); ++i) r.U8();
  const uint32_t version = r.U32();
  if (version != kFormatVersion) {
    Corrupt("format version " + std::to_string(version) + " is not supported (this build reads version " +
            std::to_string(kFormatVersion) + ")");
  }
  ForestModelData model;
  const uint8_t task = r.U8();
  if (task > static_cast<uint8_t>(Task::kRegression)) Corrupt("unknown task code " + std::to_string(task));
  model.task = static_cast<Task>(task);
  const uint32_t num_classes = r.U32();
  const uint32_t num_features = r.U32();
  const uint32_t values_per_leaf = r.U32();
  const uint32_t num_trees = r.U32();
  const uint64_t num_nodes = r.U64();
  const uint64_t num_leaf_values = r.U64();
  const bool classification = IsClassification(model.task);
  if (classification ? (num_classes < 2 || num_classes > 1000000) : num_classes != 1) Corrupt("bad class count");
  const uint32_t expected_vpl = classification && num_classes > 2 ? num_classes : 1;
  if (values_per_leaf != expected_vpl) Corrupt("bad values per leaf");
  if (num_features == 0 || num_features > 0x7fffffffU) Corrupt("bad feature count");
  if (num_trees == 0) Corrupt("no trees");
  // Sizes must match the remaining bytes exactly; check each factor against
  // the remaining length first so the products cannot overflow.
  const uint64_t rest = r.remaining();
  if (num_trees > rest / 8 || num_nodes > rest / kNodeBytes || num_leaf_values > rest / 4 ||
      num_nodes > 0x7fffffffULL || num_leaf_values > 0x7fffffffULL) {
    Corrupt("truncated (sizes exceed the data)");
  }
  const uint64_t needed = 8 * (uint64_t{num_trees} + 1) + kNodeBytes * num_nodes + 4 * num_leaf_values + 8;
  if (needed != rest) Corrupt(needed > rest ? "truncated" : "trailing bytes");
  const uint64_t stored_sum =
      static_cast<uint64_t>(static_cast<uint8_t>(bytes[bytes.size() - 8])) |
      static_cast<uint64_t>(static_cast<uint8_t>(bytes[bytes.size() - 7])) << 8 |
      static_cast<uint64_t>(static_cast<uint8_t>(bytes[bytes.size() - 6])) << 16 |
      static_cast<uint64_t>(static_cast<uint8_t>(bytes[bytes.size() - 5])) << 24 |
      static_cast<uint64_t>(static_cast<uint8_t>(bytes[bytes.size() - 4])) << 32 |
      static_cast<uint64_t>(static_cast<uint8_t>(bytes[bytes.size() - 3])) << 40 |
      static_cast<uint64_t>(static_cast<uint8_t>(bytes[bytes.size() - 2])) << 48 |
      static_cast<uint64_t>(static_cast<uint8_t>(bytes[bytes.size() - 1])) << 56;
  if (Fnv1a64(bytes.substr(0, bytes.size() - 8)) != stored_sum) Corrupt("checksum mismatch");

  auto tree_begin = ReadArray<uint64_t>(uint64_t{num_trees} + 1, [&] { return r.U64(); });
  auto feature = ReadArray<int32_t>(num_nodes, [&] { return r.I32(); });
  auto threshold = ReadArray<float>(num_nodes, [&] { return r.F32(); });
  auto left = ReadArray<int32_t>(num_nodes, [&] { return r.I32(); });
  auto right = ReadArray<int32_t>(num_nodes, [&] { return r.I32(); });
  auto default_left = ReadArray<uint8_t>(num_nodes, [&] { return r.U8(); });
  auto value_offset = ReadArray<int32_t>(num_nodes, [&] { return r.I32(); });
  auto leaf_values = ReadArray<float>(num_leaf_values, [&] { return r.F32(); });
  for (size_t t = 0; t + 1 < tree_begin.size(); ++t) {
    if (tree_begin[t] > tree_begin[t + 1]) Corrupt("tree offsets not increasing");
  }
  model.num_classes = static_cast<int>(num_classes);
  model.forest = FlatForest::FromArrays(static_cast<int>(num_features), static_cast<int>(values_per_leaf),
                                        std::move(tree_begin), std::move(feature), std::move(threshold),
                                        std::move(left), std::move(right), std::move(default_left),
                                        std::move(value_offset), std::move(leaf_values));
  return model;
}

}  // namespace tabpilot
