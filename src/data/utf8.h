// UTF-8 validation for the readers (cells must be valid UTF-8 so that JSON
// output and the web UI never see broken text).
#pragma once

#include <string_view>

namespace tabpilot {

// True if `s` is well-formed UTF-8: no stray continuation bytes, no overlong
// encodings, no surrogates, nothing above U+10FFFF.
bool IsValidUtf8(std::string_view s);

}  // namespace tabpilot
