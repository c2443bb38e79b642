// SHA-256 (FIPS 180-4), streaming, and HMAC-SHA256. Content addresses in the
// artifact store and the files of a model bundle are SHA-256 hex digests;
// signed bundles carry an HMAC-SHA256 of their manifest.
// The digest is OpenSSL's (libcrypto, the one file that includes it), which
// uses the CPU's SHA extensions where there are any: a bundle is hashed on
// every load: 1.8 GB/s on the 2-core machine (`openssl speed -evp sha256`)
// against about 0.23 for the portable loop it replaced (24 MB in 0.1 s of a
// predict profile).
// A Sha256 object is used by one thread at a time.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX

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
  struct Free {
    void operator()(evp_md_ctx_st* context) const;
  };
  std::unique_ptr<evp_md_ctx_st, Free> context_;
};

// SHA-256 of `data` as 64 lowercase hex characters.
std::string Sha256Hex(std::string_view data);

// HMAC-SHA256 (RFC 2104) of `data` under `key`, as 64 lowercase hex characters.
std::string HmacSha256Hex(std::string_view key, std::string_view data);

// Compares two strings in time independent of where they differ (for MACs).
bool ConstantTimeEqual(std::string_view a, std::string_view b);

}  // namespace tabpilot
