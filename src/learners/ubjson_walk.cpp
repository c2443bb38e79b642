#include "learners/ubjson_walk.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <string>

#include "core/error.h"

namespace tabpilot {
namespace {

// Bytes of one element of a typed array, 0 for element types XGBoost's
// reader does not take.
size_t TypedElementSize(char marker) {
  switch (marker) {
    case 'U':
      return 1;
    case 'l':
    case 'd':
      return 4;
    case 'L':
      return 8;
    default:
      return 0;
  }
}

uint64_t BigEndian(const char* p, size_t width) {
  uint64_t v = 0;
  for (size_t i = 0; i < width; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

// A marker byte as text for messages: 'x' when printable, else its code.
std::string MarkerText(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x21 && u < 0x7f) return std::string("'") + c + "'";
  return "byte " + std::to_string(u);
}

}  // namespace

// Recursive descent over the bytes, appending nodes in pre-order.
class UbjParser {
 public:
  UbjParser(std::string_view bytes, std::string_view error_prefix, const UbjLimits& limits, UbjDocument* doc)
      : bytes_(bytes), prefix_(error_prefix), limits_(limits), doc_(doc) {
    const size_t per_value = std::max<size_t>(1, limits.min_bytes_per_value);
    max_values_ = bytes.size() / per_value + 16;
  }

  void Run() {
    Value(0, {});
    if (pos_ != bytes_.size()) {
      Fail(pos_, std::to_string(bytes_.size() - pos_) + " bytes after the end of the top-level value");
    }
  }

 private:
  [[noreturn]] void Fail(size_t at, const std::string& what) const {
    throw InvalidInput(std::string(prefix_) + ": UBJSON byte " + std::to_string(at) + ": " + what);
  }

  size_t Left() const { return bytes_.size() - pos_; }

  void Need(size_t n, const char* what) const {
    if (Left() < n) {
      Fail(pos_, std::string("truncated while reading ") + what + " (" + std::to_string(n) + " bytes needed, " +
                     std::to_string(Left()) + " left)");
    }
  }

  char Byte(const char* what) {
    Need(1, what);
    return bytes_[pos_++];
  }

  void Expect(char want, const char* what) {
    const size_t at = pos_;
    const char got = Byte(what);
    if (got != want)
      Fail(at, std::string("expected ") + MarkerText(want) + " for " + what + ", found " + MarkerText(got));
  }

  // The 'L' <int64> length or count that XGBoost writes before strings, keys
  // and counted arrays; must be non-negative (the callers check it fits).
  size_t Length(const char* what) {
    Expect('L', what);
    const size_t at = pos_;
    Need(8, what);
    const auto v = static_cast<int64_t>(BigEndian(bytes_.data() + pos_, 8));
    pos_ += 8;
    if (v < 0) Fail(at, std::string(what) + " " + std::to_string(v) + " is negative");
    return static_cast<size_t>(v);
  }

  std::string_view Text(const char* what) {
    const size_t at = pos_;
    const size_t n = Length(what);
    if (n > Left()) {
      Fail(at, std::string(what) + " " + std::to_string(n) + " is longer than the " + std::to_string(Left()) +
                   " bytes left");
    }
    const std::string_view s = bytes_.substr(pos_, n);
    pos_ += n;
    return s;
  }

  size_t NewNode(UbjNode::Kind kind, char marker, size_t offset, std::string_view key) {
    if (doc_->nodes_.size() >= max_values_) {
      Fail(offset,
           "more than " + std::to_string(max_values_) + " values in " + std::to_string(bytes_.size()) + " bytes");
    }
    UbjNode n;
    n.kind = kind;
    n.marker = marker;
    n.offset = offset;
    n.key = key;
    doc_->nodes_.push_back(n);
    return doc_->nodes_.size() - 1;
  }

  // Parses one value (its marker first) at nesting `depth`.
  void Value(size_t depth, std::string_view key) {
    const size_t at = pos_;
    const char marker = Byte("a value marker");
    using Kind = UbjNode::Kind;
    auto scalar = [&](Kind kind, size_t width) {
      Need(width, "a scalar");
      const size_t i = NewNode(kind, marker, at, key);
      doc_->nodes_[i].bytes = bytes_.substr(pos_, width);
      doc_->nodes_[i].end = i + 1;
      pos_ += width;
    };
    switch (marker) {
      case 'Z':
        return scalar(Kind::kNull, 0);
      case 'T':
      case 'F':
        return scalar(Kind::kBool, 0);
      case 'i':
      case 'U':
        return scalar(Kind::kInt, 1);
      case 'I':
        return scalar(Kind::kInt, 2);
      case 'l':
        return scalar(Kind::kInt, 4);
      case 'L':
        return scalar(Kind::kInt, 8);
      case 'd':
        return scalar(Kind::kFloat, 4);
      case 'D':
        return scalar(Kind::kFloat, 8);
      case 'S': {
        const std::string_view text = Text("a string length");
        const size_t i = NewNode(Kind::kString, marker, at, key);
        doc_->nodes_[i].bytes = text;
        doc_->nodes_[i].end = i + 1;
        return;
      }
      case '[':
      case '{':
        if (depth >= limits_.max_depth) {
          Fail(at, "containers nested deeper than " + std::to_string(limits_.max_depth) + " levels");
        }
        return marker == '[' ? Array(depth, at, key) : Object(depth, at, key);
      default:
        Fail(at, "unknown value marker " + MarkerText(marker));
    }
  }

  void Array(size_t depth, size_t at, std::string_view key) {
    using Kind = UbjNode::Kind;
    Need(1, "an array");
    if (bytes_[pos_] == '$') {
      ++pos_;
      const size_t type_at = pos_;
      const char type = Byte("a typed array's element type");
      const size_t width = TypedElementSize(type);
      if (width == 0) Fail(type_at, "typed array of unsupported element type " + MarkerText(type));
      Expect('#', "a typed array's count");
      const size_t count_at = pos_;
      const size_t count = Length("a typed array's count");
      if (count > Left() / width) {
        Fail(count_at, "typed array count " + std::to_string(count) + " needs " + std::to_string(width) +
                           " bytes each, only " + std::to_string(Left()) + " bytes left");
      }
      const size_t i = NewNode(Kind::kTypedArray, type, at, key);
      doc_->nodes_[i].count = count;
      doc_->nodes_[i].bytes = bytes_.substr(pos_, count * width);
      doc_->nodes_[i].end = i + 1;
      pos_ += count * width;
      return;
    }
    const size_t i = NewNode(Kind::kArray, '[', at, key);
    size_t count = 0;
    if (bytes_[pos_] == '#') {
      ++pos_;
      const size_t count_at = pos_;
      count = Length("an array's count");
      // Every value takes at least its marker byte.
      if (count > Left()) {
        Fail(count_at,
             "array count " + std::to_string(count) + " is more than the " + std::to_string(Left()) + " bytes left");
      }
      for (size_t k = 0; k < count; ++k) Value(depth + 1, {});
    } else {
      for (;;) {
        Need(1, "an array (no closing ']')");
        if (bytes_[pos_] == ']') break;
        Value(depth + 1, {});
        ++count;
      }
      ++pos_;
    }
    doc_->nodes_[i].count = count;
    doc_->nodes_[i].end = doc_->nodes_.size();
  }

  void Object(size_t depth, size_t at, std::string_view key) {
    const size_t i = NewNode(UbjNode::Kind::kObject, '{', at, key);
    std::vector<std::string_view> keys;
    for (;;) {
      Need(1, "an object (no closing '}')");
      if (bytes_[pos_] == '}') break;
      keys.push_back(Text("a key length"));
      Value(depth + 1, keys.back());
    }
    ++pos_;
    doc_->nodes_[i].count = keys.size();
    std::sort(keys.begin(), keys.end());
    const auto dup = std::adjacent_find(keys.begin(), keys.end());
    if (dup != keys.end()) Fail(at, "object has the key \"" + std::string(dup->substr(0, 64)) + "\" twice");
    doc_->nodes_[i].end = doc_->nodes_.size();
  }

  std::string_view bytes_;
  std::string_view prefix_;
  UbjLimits limits_;
  UbjDocument* doc_;
  size_t pos_ = 0;
  size_t max_values_ = 0;
};

UbjDocument UbjDocument::Parse(std::string_view bytes, std::string_view error_prefix, const UbjLimits& limits) {
  UbjDocument doc;
  UbjParser(bytes, error_prefix, limits, &doc).Run();
  return doc;
}

std::vector<const UbjNode*> UbjDocument::Children(const UbjNode& node) const {
  std::vector<const UbjNode*> out;
  if (node.kind != UbjNode::Kind::kArray && node.kind != UbjNode::Kind::kObject) return out;
  out.reserve(node.count);
  const auto self = static_cast<size_t>(&node - nodes_.data());
  for (size_t c = self + 1; c < node.end; c = nodes_[c].end) out.push_back(&nodes_[c]);
  return out;
}

const UbjNode* UbjDocument::Find(const UbjNode& object, std::string_view key) const {
  if (object.kind != UbjNode::Kind::kObject) return nullptr;
  const auto self = static_cast<size_t>(&object - nodes_.data());
  for (size_t c = self + 1; c < object.end; c = nodes_[c].end) {
    if (nodes_[c].key == key) return &nodes_[c];
  }
  return nullptr;
}

int64_t UbjDocument::Int(const UbjNode& node) {
  const uint64_t raw = BigEndian(node.bytes.data(), node.bytes.size());
  switch (node.marker) {
    case 'i':
      return static_cast<int8_t>(raw);
    case 'U':
      return static_cast<uint8_t>(raw);
    case 'I':
      return static_cast<int16_t>(raw);
    case 'l':
      return static_cast<int32_t>(raw);
    default:
      return static_cast<int64_t>(raw);
  }
}

double UbjDocument::Float(const UbjNode& node) {
  if (node.kind == UbjNode::Kind::kInt) return static_cast<double>(Int(node));
  const uint64_t raw = BigEndian(node.bytes.data(), node.bytes.size());
  if (node.marker == 'd') return std::bit_cast<float>(static_cast<uint32_t>(raw));
  return std::bit_cast<double>(raw);
}

int64_t UbjDocument::IntAt(const UbjNode& node, size_t i) {
  const size_t width = TypedElementSize(node.marker);
  const uint64_t raw = BigEndian(node.bytes.data() + i * width, width);
  switch (node.marker) {
    case 'U':
      return static_cast<uint8_t>(raw);
    case 'l':
      return static_cast<int32_t>(raw);
    default:
      return static_cast<int64_t>(raw);
  }
}

double UbjDocument::FloatAt(const UbjNode& node, size_t i) {
  return std::bit_cast<float>(static_cast<uint32_t>(BigEndian(node.bytes.data() + i * 4, 4)));
}

}  // namespace tabpilot
