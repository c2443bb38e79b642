// Text as Unicode code points for the tokenizers: UTF-8 decoding that keeps
// every input byte (a byte that is not part of valid UTF-8 becomes a unit of
// its own, so no text is lost or invented), and the character classes the
// pre-tokenizers' patterns use (\p{L}, \p{N}, \s), answered by ICU. ICU's
// headers are included only in unicode_text.cpp.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tabpilot {

// One character of a text: its code point (or, for a byte that is not valid
// UTF-8, the byte's value with `valid` false) and where its bytes are.
struct CodeUnit {
  char32_t cp = 0;
  uint32_t offset = 0;  // first byte in the text
  uint8_t length = 1;   // bytes, 1-4
  bool valid = true;
};

// The text's characters in order; the units' bytes tile the text exactly.
std::vector<CodeUnit> DecodeUtf8(std::string_view text);
// The UTF-8 bytes of one code point (U+FFFD for a value beyond U+10FFFF or a surrogate).
std::string EncodeUtf8(char32_t cp);
// Whether `text` is whole, valid UTF-8 (a stream prints only whole characters).
bool IsCompleteUtf8(std::string_view text);
// Bytes at the end of `text` that begin a character still incomplete (0-3).
size_t IncompleteUtf8Tail(std::string_view text);

// Unicode general categories L (letters), N (numbers) and the White_Space
// property; an invalid byte is none of them.
bool IsLetter(const CodeUnit& unit);
bool IsNumber(const CodeUnit& unit);
bool IsSpace(const CodeUnit& unit);

}  // namespace tabpilot
