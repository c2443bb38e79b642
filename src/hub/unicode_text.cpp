#include "hub/unicode_text.h"

#include <unicode/uchar.h>

namespace tabpilot {
namespace {

// Bytes a character that starts with `lead` has (0: not a lead byte).
int SequenceLength(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

bool Continuation(unsigned char b) { return (b & 0xC0) == 0x80; }

// The code point at `text[i]` with `length` bytes, or -1 when the bytes are
// not a valid (shortest, non-surrogate, <= U+10FFFF) encoding.
int64_t DecodeAt(std::string_view text, size_t i, int length) {
  if (i + static_cast<size_t>(length) > text.size()) return -1;
  const auto b0 = static_cast<unsigned char>(text[i]);
  if (length == 1) return b0;
  uint32_t cp = b0 & (0x7F >> length);
  for (int k = 1; k < length; ++k) {
    const auto b = static_cast<unsigned char>(text[i + static_cast<size_t>(k)]);
    if (!Continuation(b)) return -1;
    cp = (cp << 6) | (b & 0x3F);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[length] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
  return cp;
}

}  // namespace

std::vector<CodeUnit> DecodeUtf8(std::string_view text) {
  std::vector<CodeUnit> units;
  units.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const int length = SequenceLength(lead);
    const int64_t cp = length > 0 ? DecodeAt(text, i, length) : -1;
    CodeUnit unit;
    unit.offset = static_cast<uint32_t>(i);
    if (cp < 0) {
      unit.cp = lead;
      unit.valid = false;
      unit.length = 1;
    } else {
      unit.cp = static_cast<char32_t>(cp);
      unit.length = static_cast<uint8_t>(length);
    }
    units.push_back(unit);
    i += unit.length;
  }
  return units;
}

std::string EncodeUtf8(char32_t cp) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  std::string out;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
  return out;
}

bool IsCompleteUtf8(std::string_view text) {
  for (const CodeUnit& unit : DecodeUtf8(text)) {
    if (!unit.valid) return false;
  }
  return true;
}

size_t IncompleteUtf8Tail(std::string_view text) {
  // Look back at most 3 bytes for a lead byte whose character runs past the end.
  for (size_t back = 1; back <= 3 && back <= text.size(); ++back) {
    const auto b = static_cast<unsigned char>(text[text.size() - back]);
    if (Continuation(b)) continue;
    const int length = SequenceLength(b);
    return length > static_cast<int>(back) ? back : 0;
  }
  return 0;
}

bool IsLetter(const CodeUnit& unit) { return unit.valid && u_isalpha(static_cast<UChar32>(unit.cp)) != 0; }

bool IsNumber(const CodeUnit& unit) {
  return unit.valid && (U_GET_GC_MASK(static_cast<UChar32>(unit.cp)) & U_GC_N_MASK) != 0;
}

bool IsSpace(const CodeUnit& unit) { return unit.valid && u_isUWhiteSpace(static_cast<UChar32>(unit.cp)) != 0; }

}  // namespace tabpilot
