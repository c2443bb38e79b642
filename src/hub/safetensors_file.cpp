#include "hub/safetensors_file.h"

#include <cstring>
#include <limits>

#include "core/error.h"
#include "core/json.h"
#include "hub/mapped_file.h"

namespace tabpilot {
namespace {

constexpr uint64_t kMaxHeaderBytes = uint64_t{100} << 20;  // safetensors' own limit

}  // namespace

SafetensorsFile SafetensorsFile::Open(const std::filesystem::path& path) {
  auto mapping = MappedFile::Open(path);
  SafetensorsFile file;
  file.name_ = path.string();
  file.mapping_ = mapping;
  file.Parse(mapping->bytes());
  return file;
}

SafetensorsFile SafetensorsFile::FromBytes(std::string_view bytes, const std::string& name) {
  SafetensorsFile file;
  file.name_ = name;
  file.Parse(bytes);
  return file;
}

const SafeTensor* SafetensorsFile::Find(const std::string& name) const {
  const auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

void SafetensorsFile::Parse(std::string_view bytes) {
  auto fail = [&](const std::string& what) { throw InvalidInput(name_ + ": " + what); };
  if (bytes.size() < 8) fail("not a safetensors file (shorter than its header length)");
  uint64_t header = 0;
  std::memcpy(&header, bytes.data(), 8);
  if (header > kMaxHeaderBytes || header > bytes.size() - 8) fail("not a safetensors file (bad header length)");
  Json j;
  try {
    j = Json::parse(bytes.substr(8, header));
  } catch (const Json::exception&) {
    fail("not a safetensors file (the header is not JSON)");
  }
  if (!j.is_object()) fail("not a safetensors file (the header is not a JSON object)");
  const std::string_view data = bytes.substr(8 + header);
  for (const auto& [key, entry] : j.items()) {
    if (key == "__metadata__") continue;
    const std::string where = "tensor '" + key + "'";
    if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") || !entry.contains("data_offsets")) {
      fail(where + " lacks dtype, shape or data_offsets");
    }
    SafeTensor t;
    t.name = key;
    const Json& dtype = entry.at("dtype");
    const std::string d = dtype.is_string() ? dtype.get<std::string>() : "?";
    size_t width = 0;
    if (d == "F32") {
      t.type = GgmlType::kF32;
      width = 4;
    } else if (d == "F16") {
      t.type = GgmlType::kF16;
      width = 2;
    } else if (d == "BF16") {
      t.type = GgmlType::kBF16;
      width = 2;
    } else {
      fail(where + " has dtype " + d + " (F32, F16 and BF16 are read)");
    }
    t.shape = JsonIntegerArray<uint64_t>(entry.at("shape"), name_ + ": " + where + " shape");
    if (t.shape.size() > 4) fail(where + " has more than 4 dimensions");
    uint64_t count = 1;
    for (uint64_t extent : t.shape) {
      if (extent != 0 && count > std::numeric_limits<uint64_t>::max() / width / extent) fail(where + " is too large");
      count *= extent;
    }
    const std::vector<uint64_t> offsets = JsonIntegerArray<uint64_t>(entry.at("data_offsets"), name_ + ": " + where);
    if (offsets.size() != 2 || offsets[0] > offsets[1] || offsets[1] > data.size()) {
      fail(where + "'s data lies outside the file");
    }
    if (offsets[1] - offsets[0] != count * width) {
      fail(where + " has " + std::to_string(offsets[1] - offsets[0]) + " bytes for " + std::to_string(count) + " " + d +
           " values");
    }
    t.bytes = offsets[1] - offsets[0];
    t.data = reinterpret_cast<const unsigned char*>(data.data()) + offsets[0];
    tensors_.emplace(key, std::move(t));
  }
}

}  // namespace tabpilot
