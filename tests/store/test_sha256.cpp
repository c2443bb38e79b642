#include <gtest/gtest.h>

#include "store/sha256.h"

namespace tabpilot {
namespace {

// Test vectors from FIPS 180-2, appendix B.
TEST(Sha256, KnownVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256Hex(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, StreamingEqualsOneShotAtEveryBoundary) {
  std::string data;
  for (int i = 0; i < 300; ++i) data += static_cast<char>(i * 31 + 7);
  const std::string expected = Sha256Hex(data);
  for (size_t chunk : {1u, 3u, 55u, 56u, 63u, 64u, 65u, 127u}) {
    Sha256 h;
    for (size_t p = 0; p < data.size(); p += chunk) h.Update(std::string_view(data).substr(p, chunk));
    EXPECT_EQ(h.FinishHex(), expected) << "chunk " << chunk;
  }
  // Lengths around the padding boundary differ from each other.
  EXPECT_NE(Sha256Hex(data.substr(0, 55)), Sha256Hex(data.substr(0, 56)));
}

}  // namespace
}  // namespace tabpilot
