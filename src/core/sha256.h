// SHA-256 (FIPS 180-4), streaming, and HMAC-SHA256. Content addresses in the
// artifact store and the files of a model bundle are SHA-256 hex digests;
// signed bundles carry an HMAC-SHA256 of their manifest.
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
  // Returns the 32-byte digest. The object must not be updated afterwards.
  std::array<uint8_t, 32> Finish();

 private:
  void Block(const uint8_t* p);

  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> buffer_{};
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

// SHA-256 of `data` as 64 lowercase hex characters.
std::string Sha256Hex(std::string_view data);

// HMAC-SHA256 (RFC 2104) of `data` under `key`, as 64 lowercase hex characters.
std::string HmacSha256Hex(std::string_view key, std::string_view data);

// Compares two strings in time independent of where they differ (for MACs).
bool ConstantTimeEqual(std::string_view a, std::string_view b);

}  // namespace tabpilot
