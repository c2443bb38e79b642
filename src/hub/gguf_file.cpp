#include "hub/gguf_file.h"

#include <cerrno>
#include <cstring>
#include <limits>

#include "core/error.h"
#include "hub/mapped_file.h"
#include "learners/byte_io.h"

namespace tabpilot {
namespace {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" little-endian
constexpr uint64_t kDefaultAlignment = 32;
// Bounds on untrusted counts beyond "fits in the file": nesting and dims.
constexpr int kMaxArrayDepth = 2;
constexpr uint32_t kMaxDims = 4;
constexpr uint64_t kMaxKeyBytes = 1 << 16;

bool Known(GgmlType t) {
  switch (t) {
    case GgmlType::kF32:
    case GgmlType::kF16:
    case GgmlType::kQ4_0:
    case GgmlType::kQ8_0:
    case GgmlType::kBF16:
      return true;
  }
  return false;
}

// The smallest encoding of a value of `type`: what an array of n of them
// needs at least, checked before reserving n.
size_t MinBytes(GgufType type) {
  switch (type) {
    case GgufType::kUint8:
    case GgufType::kInt8:
    case GgufType::kBool:
      return 1;
    case GgufType::kUint16:
    case GgufType::kInt16:
      return 2;
    case GgufType::kUint32:
    case GgufType::kInt32:
    case GgufType::kFloat32:
      return 4;
    case GgufType::kString:
    case GgufType::kUint64:
    case GgufType::kInt64:
    case GgufType::kFloat64:
      return 8;
    case GgufType::kArray:
      return 12;
  }
  return 1;
}

class Parser {
 public:
  Parser(std::string_view bytes, const std::string& name) : prefix_(name), r_(bytes, prefix_) {}

  ByteReader& reader() { return r_; }
  [[noreturn]] void Fail(const std::string& what) const { r_.Fail(what); }

  std::string Text(const char* what, uint64_t limit = std::numeric_limits<uint64_t>::max()) {
    const uint64_t n = r_.U64(what);
    if (n > r_.remaining() || n > limit) Fail(std::string(what) + " is longer than the file");
    return std::string(r_.Raw(static_cast<size_t>(n), what));
  }

  GgufType Type(const char* what) {
    const uint32_t t = r_.U32(what);
    if (t > static_cast<uint32_t>(GgufType::kFloat64))
      Fail(std::string(what) + ": unknown value type " + std::to_string(t));
    return static_cast<GgufType>(t);
  }

  GgufValue Value(GgufType type, int depth) {
    GgufValue v;
    v.type = type;
    switch (type) {
      case GgufType::kUint8:
        v.unsigned_integer = r_.U8("a value");
        break;
      case GgufType::kInt8: {
        const int byte = r_.U8("a value");
        v.integer = byte >= 128 ? byte - 256 : byte;  // two's complement, without a signed char
        break;
      }
      case GgufType::kBool: {
        const uint8_t b = r_.U8("a value");
        if (b > 1) Fail("a bool that is neither 0 nor 1");
        v.unsigned_integer = b;
        break;
      }
      case GgufType::kUint16:
        v.unsigned_integer = static_cast<uint16_t>(r_.U8("a value") | (r_.U8("a value") << 8U));
        break;
      case GgufType::kInt16:
        v.integer = static_cast<int16_t>(static_cast<uint16_t>(r_.U8("a value") | (r_.U8("a value") << 8U)));
        break;
      case GgufType::kUint32:
        v.unsigned_integer = r_.U32("a value");
        break;
      case GgufType::kInt32:
        v.integer = r_.I32("a value");
        break;
      case GgufType::kFloat32:
        v.number = r_.F32("a value");
        break;
      case GgufType::kUint64:
        v.unsigned_integer = r_.U64("a value");
        break;
      case GgufType::kInt64:
        v.integer = static_cast<int64_t>(r_.U64("a value"));
        break;
      case GgufType::kFloat64:
        v.number = r_.F64("a value");
        break;
      case GgufType::kString:
        v.text = Text("a string");
        break;
      case GgufType::kArray: {
        if (depth >= kMaxArrayDepth) Fail("arrays nested too deep");
        v.element_type = Type("an array's element type");
        const uint64_t n = r_.U64("an array's length");
        if (n > r_.remaining() / MinBytes(v.element_type)) Fail("an array is longer than the file");
        v.elements.reserve(static_cast<size_t>(n));
        for (uint64_t i = 0; i < n; ++i) v.elements.push_back(Value(v.element_type, depth + 1));
        break;
      }
    }
    // Signed and unsigned views of the same integer, and the number view, all set.
    if (type == GgufType::kInt8 || type == GgufType::kInt16 || type == GgufType::kInt32 || type == GgufType::kInt64) {
      v.unsigned_integer = static_cast<uint64_t>(v.integer);
      v.number = static_cast<double>(v.integer);
    } else if (type != GgufType::kFloat32 && type != GgufType::kFloat64 && type != GgufType::kString &&
               type != GgufType::kArray) {
      v.integer = static_cast<int64_t>(v.unsigned_integer);
      v.number = static_cast<double>(v.unsigned_integer);
    }
    return v;
  }

 private:
  std::string prefix_;
  ByteReader r_;
};

}  // namespace

const char* GgmlTypeName(GgmlType type) {
  switch (type) {
    case GgmlType::kF32:
      return "f32";
    case GgmlType::kF16:
      return "f16";
    case GgmlType::kQ4_0:
      return "q4_0";
    case GgmlType::kQ8_0:
      return "q8_0";
    case GgmlType::kBF16:
      return "bf16";
  }
  return "unknown";
}

size_t GgmlBlockValues(GgmlType type) { return type == GgmlType::kQ4_0 || type == GgmlType::kQ8_0 ? 32 : 1; }

size_t GgmlBlockBytes(GgmlType type) {
  switch (type) {
    case GgmlType::kF32:
      return 4;
    case GgmlType::kF16:
    case GgmlType::kBF16:
      return 2;
    case GgmlType::kQ4_0:
      return 2 + 16;  // an f16 scale, 32 four-bit values
    case GgmlType::kQ8_0:
      return 2 + 32;  // an f16 scale, 32 bytes
  }
  return 0;
}

uint64_t GgufTensor::elements() const {
  uint64_t n = 1;
  for (uint64_t d : shape) n *= d;
  return n;
}

GgufFile GgufFile::Open(const std::filesystem::path& path) {
  auto mapping = MappedFile::Open(path);
  GgufFile file;
  file.name_ = path.string();
  file.mapping_ = mapping;
  file.Parse(mapping->bytes());
  return file;
}

GgufFile GgufFile::FromBytes(std::string_view bytes, const std::string& name) {
  GgufFile file;
  file.name_ = name;
  file.Parse(bytes);
  return file;
}

// Long on purpose: the header, the pairs, the tensor table and the data
// section's checks read one after another from one reader.
void GgufFile::Parse(std::string_view bytes) {
  Parser p(bytes, name_);
  ByteReader& r = p.reader();
  if (bytes.size() < 4 || r.U32("the magic") != kMagic) p.Fail("not a GGUF file (no GGUF magic)");
  version_ = r.U32("the version");
  if (version_ != 2 && version_ != 3) {
    p.Fail("GGUF version " + std::to_string(version_) + " is not supported (2 and 3 are)");
  }
  const uint64_t tensor_count = r.U64("the tensor count");
  const uint64_t pair_count = r.U64("the metadata count");
  // Each pair and tensor info takes at least 12 and 24 bytes.
  if (pair_count > r.remaining() / 12 || tensor_count > r.remaining() / 24) p.Fail("counts larger than the file");
  for (uint64_t i = 0; i < pair_count; ++i) {
    std::string key = p.Text("a metadata key", kMaxKeyBytes);
    if (key.empty()) p.Fail("an empty metadata key");
    const GgufType type = p.Type(("the type of '" + key + "'").c_str());
    GgufValue value = p.Value(type, 0);
    if (!metadata_.emplace(key, std::move(value)).second) p.Fail("metadata key '" + key + "' appears twice");
  }
  uint64_t alignment = kDefaultAlignment;
  if (const GgufValue* a = Find("general.alignment")) {
    if (a->type != GgufType::kUint32 || a->unsigned_integer == 0 || (a->unsigned_integer & (a->unsigned_integer - 1))) {
      p.Fail("general.alignment must be a power of two (u32)");
    }
    alignment = a->unsigned_integer;
  }
  tensors_.reserve(static_cast<size_t>(tensor_count));
  for (uint64_t i = 0; i < tensor_count; ++i) {
    GgufTensor t;
    t.name = p.Text("a tensor name", kMaxKeyBytes);
    const uint32_t dims = r.U32("a tensor's dimensions");
    if (dims == 0 || dims > kMaxDims) p.Fail("tensor '" + t.name + "' has " + std::to_string(dims) + " dimensions");
    uint64_t elements = 1;
    for (uint32_t d = 0; d < dims; ++d) {
      const uint64_t extent = r.U64("a tensor's extent");
      if (extent == 0 || extent > (uint64_t{1} << 40) || elements > (uint64_t{1} << 48) / extent) {
        p.Fail("tensor '" + t.name + "' has an extent out of range");
      }
      elements *= extent;
      t.shape.push_back(extent);
    }
    const uint32_t type = r.U32("a tensor's type");
    t.type = static_cast<GgmlType>(type);
    if (!Known(t.type)) {
      p.Fail("tensor '" + t.name + "' is of ggml type " + std::to_string(type) +
             ", which is not supported (f32, f16, bf16, q8_0, q4_0 are)");
    }
    if (t.shape[0] % GgmlBlockValues(t.type) != 0) {
      p.Fail("tensor '" + t.name + "': its rows are not whole " + GgmlTypeName(t.type) + " blocks");
    }
    t.bytes = elements / GgmlBlockValues(t.type) * GgmlBlockBytes(t.type);
    t.offset = r.U64("a tensor's offset");
    if (t.offset % alignment != 0) p.Fail("tensor '" + t.name + "' is not aligned");
    tensors_.push_back(std::move(t));
  }
  // The data section starts at the next multiple of the alignment.
  const uint64_t header = bytes.size() - r.remaining();
  const uint64_t data_start = (header + alignment - 1) / alignment * alignment;
  for (GgufTensor& t : tensors_) {
    if (data_start > bytes.size() || t.offset > bytes.size() - data_start ||
        t.bytes > bytes.size() - data_start - t.offset) {
      p.Fail("tensor '" + t.name + "' lies past the end of the file");
    }
    t.data = reinterpret_cast<const unsigned char*>(bytes.data()) + data_start + t.offset;
  }
}

const GgufValue* GgufFile::Find(const std::string& key) const {
  auto it = metadata_.find(key);
  return it == metadata_.end() ? nullptr : &it->second;
}

const GgufTensor* GgufFile::FindTensor(const std::string& name) const {
  for (const GgufTensor& t : tensors_) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

namespace {

bool IsInteger(GgufType t) {
  return t != GgufType::kFloat32 && t != GgufType::kFloat64 && t != GgufType::kString && t != GgufType::kArray &&
         t != GgufType::kBool;
}

}  // namespace

std::string GgufFile::String(const std::string& key) const {
  const GgufValue* v = Find(key);
  if (v == nullptr) throw InvalidInput(name_ + ": metadata '" + key + "' is missing");
  if (v->type != GgufType::kString) throw InvalidInput(name_ + ": metadata '" + key + "' is not a string");
  return v->text;
}

uint64_t GgufFile::Unsigned(const std::string& key) const {
  const GgufValue* v = Find(key);
  if (v == nullptr) throw InvalidInput(name_ + ": metadata '" + key + "' is missing");
  if (!IsInteger(v->type) || v->integer < 0) {
    throw InvalidInput(name_ + ": metadata '" + key + "' is not a non-negative integer");
  }
  return v->unsigned_integer;
}

uint64_t GgufFile::Unsigned(const std::string& key, uint64_t fallback) const {
  return Find(key) == nullptr ? fallback : Unsigned(key);
}

double GgufFile::Number(const std::string& key) const {
  const GgufValue* v = Find(key);
  if (v == nullptr) throw InvalidInput(name_ + ": metadata '" + key + "' is missing");
  if (v->type == GgufType::kString || v->type == GgufType::kArray || v->type == GgufType::kBool) {
    throw InvalidInput(name_ + ": metadata '" + key + "' is not a number");
  }
  return v->number;
}

double GgufFile::Number(const std::string& key, double fallback) const {
  return Find(key) == nullptr ? fallback : Number(key);
}

std::vector<std::string> GgufFile::Strings(const std::string& key) const {
  const GgufValue* v = Find(key);
  if (v == nullptr) throw InvalidInput(name_ + ": metadata '" + key + "' is missing");
  if (v->type != GgufType::kArray || v->element_type != GgufType::kString) {
    throw InvalidInput(name_ + ": metadata '" + key + "' is not an array of strings");
  }
  std::vector<std::string> out;
  out.reserve(v->elements.size());
  for (const GgufValue& e : v->elements) out.push_back(e.text);
  return out;
}

std::vector<double> GgufFile::Numbers(const std::string& key) const {
  const GgufValue* v = Find(key);
  if (v == nullptr) throw InvalidInput(name_ + ": metadata '" + key + "' is missing");
  if (v->type != GgufType::kArray || v->element_type == GgufType::kString || v->element_type == GgufType::kArray ||
      v->element_type == GgufType::kBool) {
    throw InvalidInput(name_ + ": metadata '" + key + "' is not an array of numbers");
  }
  std::vector<double> out;
  out.reserve(v->elements.size());
  for (const GgufValue& e : v->elements) out.push_back(e.number);
  return out;
}

}  // namespace tabpilot
