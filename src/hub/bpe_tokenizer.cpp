#include "hub/bpe_tokenizer.h"

#include <algorithm>
#include <limits>

#include "core/error.h"

namespace tabpilot {
namespace {

// GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves;
// the other 68 bytes map to U+0100 onwards, in byte order.
std::vector<char32_t> ByteStandIns() {
  std::vector<char32_t> map(256, 0);
  std::vector<bool> printable(256, false);
  for (int b = '!'; b <= '~'; ++b) printable[static_cast<size_t>(b)] = true;
  for (int b = 0xA1; b <= 0xAC; ++b) printable[static_cast<size_t>(b)] = true;
  for (int b = 0xAE; b <= 0xFF; ++b) printable[static_cast<size_t>(b)] = true;
  char32_t next = 256;
  for (size_t b = 0; b < 256; ++b) map[b] = printable[b] ? static_cast<char32_t>(b) : next++;
  return map;
}

bool IsLineBreak(const CodeUnit& u) { return u.valid && (u.cp == U'\r' || u.cp == U'\n'); }
bool IsOther(const CodeUnit& u) { return !IsSpace(u) && !IsLetter(u) && !IsNumber(u); }

char32_t Lower(char32_t c) { return c >= U'A' && c <= U'Z' ? c + 32 : c; }

// The length (in units) of a contraction ('s 't 're 've 'm 'll 'd) at `i`, or 0.
size_t Contraction(const std::vector<CodeUnit>& u, size_t i, bool ignore_case) {
  if (u[i].cp != U'\'' || i + 1 >= u.size()) return 0;
  auto at = [&](size_t k) { return k < u.size() ? (ignore_case ? Lower(u[k].cp) : u[k].cp) : char32_t{0}; };
  const char32_t a = at(i + 1);
  if (a == U's' || a == U't' || a == U'm' || a == U'd') return 2;
  const char32_t b = at(i + 2);
  if ((a == U'r' && b == U'e') || (a == U'v' && b == U'e') || (a == U'l' && b == U'l')) return 3;
  return 0;
}

template <typename Pred>
size_t RunOf(const std::vector<CodeUnit>& u, size_t i, Pred pred) {
  while (i < u.size() && pred(u[i])) ++i;
  return i;
}

// `\s+(?!\S)|\s+` at a whitespace unit `i`: the run, less its last unit when
// a non-space follows and the run is longer than one.
size_t SpaceRun(const std::vector<CodeUnit>& u, size_t i) {
  const size_t end = RunOf(u, i, IsSpace);
  if (end < u.size() && end - i > 1) return end - 1;
  return end;
}

// GPT-2: 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
size_t NextGpt2(const std::vector<CodeUnit>& u, size_t i) {
  if (const size_t c = Contraction(u, i, false); c > 0) return i + c;
  const size_t j = (u[i].valid && u[i].cp == U' ' && i + 1 < u.size()) ? i + 1 : i;
  if (IsLetter(u[j])) return RunOf(u, j, IsLetter);
  if (IsNumber(u[j])) return RunOf(u, j, IsNumber);
  if (IsOther(u[j])) return RunOf(u, j, IsOther);
  return SpaceRun(u, i);
}

// LLaMA-3: (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
//          ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
size_t NextLlama3(const std::vector<CodeUnit>& u, size_t i) {
  if (const size_t c = Contraction(u, i, true); c > 0) return i + c;
  if (IsLetter(u[i])) return RunOf(u, i, IsLetter);
  if (!IsLineBreak(u[i]) && !IsNumber(u[i]) && i + 1 < u.size() && IsLetter(u[i + 1])) {
    return RunOf(u, i + 1, IsLetter);
  }
  if (IsNumber(u[i])) return std::min(RunOf(u, i, IsNumber), i + 3);
  const size_t j = (u[i].valid && u[i].cp == U' ' && i + 1 < u.size()) ? i + 1 : i;
  if (IsOther(u[j])) return RunOf(u, RunOf(u, j, IsOther), IsLineBreak);
  // \s*[\r\n]+: up to the last line break in the whitespace run.
  const size_t end = RunOf(u, i, IsSpace);
  for (size_t k = end; k > i; --k) {
    if (IsLineBreak(u[k - 1])) return k;
  }
  return SpaceRun(u, i);
}

}  // namespace

const std::vector<std::string>& BpeTokenizer::Pretokenizers() {
  static const std::vector<std::string> kNames = {"default", "gpt2", "gpt-2", "llama-bpe", "llama3", "smaug-bpe"};
  return kNames;
}

BpeTokenizer::BpeTokenizer(Vocabulary vocab, const std::string& source) : Tokenizer(std::move(vocab)) {
  const std::string& pre = vocab_.pre;
  if (pre == "llama-bpe" || pre == "llama3" || pre == "smaug-bpe") {
    pattern_ = Pattern::kLlama3;
  } else if (pre == "default" || pre == "gpt2" || pre == "gpt-2" || pre.empty()) {
    pattern_ = Pattern::kGpt2;
  } else {
    std::string names;
    for (const std::string& n : Pretokenizers()) names += (names.empty() ? "" : ", ") + n;
    throw InvalidInput(source + ": byte-level BPE pre-tokenizer '" + pre + "' is not supported (supported: " + names +
                       ")");
  }
  ids_.reserve(vocab_.tokens.size());
  for (size_t id = 0; id < vocab_.tokens.size(); ++id) ids_.emplace(vocab_.tokens[id], static_cast<int32_t>(id));
  ranks_.reserve(vocab_.merges.size());
  for (size_t r = 0; r < vocab_.merges.size(); ++r) {
    const std::string& m = vocab_.merges[r];
    const size_t space = m.find(' ', 1);
    if (space == std::string::npos || space + 1 >= m.size()) {
      throw InvalidInput(source + ": merge " + std::to_string(r) + " ('" + m + "') is not two tokens");
    }
    ranks_.emplace(m, static_cast<int32_t>(r));
  }
  const std::vector<char32_t> stand_ins = ByteStandIns();
  byte_symbol_.resize(256);
  for (size_t b = 0; b < 256; ++b) {
    byte_symbol_[b] = EncodeUtf8(stand_ins[b]);
    symbol_byte_[stand_ins[b]] = static_cast<unsigned char>(b);
  }
}

std::vector<std::pair<size_t, size_t>> BpeTokenizer::Split(std::string_view text) const {
  const std::vector<CodeUnit> units = DecodeUtf8(text);
  std::vector<std::pair<size_t, size_t>> words;
  size_t i = 0;
  while (i < units.size()) {
    size_t end = pattern_ == Pattern::kGpt2 ? NextGpt2(units, i) : NextLlama3(units, i);
    if (end <= i) end = i + 1;  // every pattern matches at least one unit; never loop
    const size_t last = end - 1;
    words.emplace_back(units[i].offset, units[last].offset + units[last].length);
    i = end;
  }
  return words;
}

void BpeTokenizer::EncodeWord(std::string_view word, std::vector<int32_t>* out) const {
  std::vector<std::string> symbols;
  symbols.reserve(word.size());
  std::string whole;
  for (char c : word) {
    symbols.push_back(byte_symbol_[static_cast<unsigned char>(c)]);
    whole += symbols.back();
  }
  if (auto it = ids_.find(whole); it != ids_.end()) {
    out->push_back(it->second);
    return;
  }
  // Merge the lowest-ranked adjacent pair, every occurrence left to right, until none is ranked.
  std::string key;
  while (symbols.size() > 1) {
    int32_t best = std::numeric_limits<int32_t>::max();
    for (size_t k = 0; k + 1 < symbols.size(); ++k) {
      key.assign(symbols[k]).append(" ").append(symbols[k + 1]);
      if (auto it = ranks_.find(key); it != ranks_.end()) best = std::min(best, it->second);
    }
    if (best == std::numeric_limits<int32_t>::max()) break;
    const std::string& merge = vocab_.merges[static_cast<size_t>(best)];
    const size_t space = merge.find(' ', 1);
    const std::string_view left(merge.data(), space);
    const std::string_view right(merge.data() + space + 1, merge.size() - space - 1);
    std::vector<std::string> merged;
    merged.reserve(symbols.size());
    for (size_t k = 0; k < symbols.size(); ++k) {
      if (k + 1 < symbols.size() && symbols[k] == left && symbols[k + 1] == right) {
        merged.push_back(symbols[k] + symbols[k + 1]);
        ++k;
      } else {
        merged.push_back(std::move(symbols[k]));
      }
    }
    symbols = std::move(merged);
  }
  for (const std::string& s : symbols) {
    if (auto it = ids_.find(s); it != ids_.end()) {
      out->push_back(it->second);
      continue;
    }
    // A symbol the vocabulary lacks (an inconsistent file): its bytes one by one, else unknown.
    for (const CodeUnit& u : DecodeUtf8(s)) {
      const auto b = symbol_byte_.find(u.cp);
      const auto id = b == symbol_byte_.end() ? ids_.end() : ids_.find(byte_symbol_[b->second]);
      if (id != ids_.end()) {
        out->push_back(id->second);
      } else if (vocab_.unknown >= 0) {
        out->push_back(vocab_.unknown);
      }
    }
  }
}

void BpeTokenizer::EncodeText(std::string_view text, bool /*after_special*/, std::vector<int32_t>* out) const {
  for (const auto& [begin, end] : Split(text)) EncodeWord(text.substr(begin, end - begin), out);
}

std::string BpeTokenizer::NormalBytes(int32_t id) const {
  std::string bytes;
  for (const CodeUnit& u : DecodeUtf8(vocab_.tokens[static_cast<size_t>(id)])) {
    const auto it = symbol_byte_.find(u.cp);
    if (it != symbol_byte_.end()) {
      bytes.push_back(static_cast<char>(it->second));
    } else {
      bytes.append(vocab_.tokens[static_cast<size_t>(id)], u.offset, u.length);
    }
  }
  return bytes;
}

}  // namespace tabpilot
