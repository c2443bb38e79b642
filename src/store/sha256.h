// SHA-256 (FIPS 180-4), streaming. Content addresses in the artifact store are
// SHA-256 hex digests: unlike the 64-bit FNV-1a used for bundle checksums they
// make an accidental collision between two artifacts practically impossible.
// A Sha256 object is used by one thread at a time.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace tabpilot {

class Sha256 {
 public:
  Sha256();
  // Feeds more bytes. May be called any number of times before Finish().
  void Update(std::string_view data);
  // Returns the digest as 64 lowercase hex characters. The object must not be
  // updated afterwards.
  std::string FinishHex();

 private:
  void Block(const uint8_t* p);

  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> buffer_{};
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

// SHA-256 of `data` as 64 lowercase hex characters.
std::string Sha256Hex(std::string_view data);

}  // namespace tabpilot
