#include "hub/spm_tokenizer.h"

#include <cstdio>
#include <queue>

#include "core/error.h"
#include "hub/unicode_text.h"

namespace tabpilot {
namespace {

constexpr std::string_view kSpace = "\xE2\x96\x81";  // U+2581, SentencePiece's visible space

// One symbol of the text being merged: a byte range, linked to its live
// neighbours (a merged-away symbol has length 0).
struct Symbol {
  size_t begin = 0;
  size_t length = 0;
  int prev = -1;
  int next = -1;
};

struct Bigram {
  float score = 0;
  int left = 0;
  size_t length = 0;                       // bytes of the joined text when the pair was queued
  bool operator<(const Bigram& o) const {  // the queue's top: best score, then leftmost
    return score < o.score || (score == o.score && left > o.left);
  }
};

std::string Escape(std::string_view text, bool prefix) {
  std::string out;
  out.reserve(text.size() + 8);
  if (prefix) out += kSpace;
  for (char c : text) {
    if (c == ' ') {
      out += kSpace;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

SpmTokenizer::SpmTokenizer(Vocabulary vocab, const std::string& source) : Tokenizer(std::move(vocab)) {
  if (vocab_.scores.empty()) throw InvalidInput(source + ": the SentencePiece vocabulary has no token scores");
  byte_ids_.fill(-1);
  ids_.reserve(vocab_.tokens.size());
  for (size_t id = 0; id < vocab_.tokens.size(); ++id) {
    const std::string& t = vocab_.tokens[id];
    ids_.emplace(t, static_cast<int32_t>(id));
    unsigned value = 0;
    if (vocab_.TypeOf(static_cast<int32_t>(id)) == TokenType::kByte && t.size() == 6 &&
        std::sscanf(t.c_str(), "<0x%2X>", &value) == 1) {
      byte_ids_[value & 0xFF] = static_cast<int32_t>(id);
    }
  }
}

void SpmTokenizer::Resegment(const std::string& piece,
                             const std::unordered_map<std::string, std::pair<std::string, std::string>>& merged_from,
                             std::vector<int32_t>* out) const {
  if (auto it = ids_.find(piece); it != ids_.end()) {
    out->push_back(it->second);
    return;
  }
  if (auto it = merged_from.find(piece); it != merged_from.end()) {
    Resegment(it->second.first, merged_from, out);
    Resegment(it->second.second, merged_from, out);
    return;
  }
  for (char c : piece) {
    const int32_t id = byte_ids_[static_cast<unsigned char>(c)];
    if (id >= 0) {
      out->push_back(id);
    } else if (vocab_.unknown >= 0) {
      out->push_back(vocab_.unknown);
    }
  }
}

void SpmTokenizer::EncodeText(std::string_view raw, bool after_special, std::vector<int32_t>* out) const {
  const std::string text = Escape(raw, vocab_.add_space_prefix && after_special);
  std::vector<Symbol> symbols;
  for (const CodeUnit& u : DecodeUtf8(text)) {
    Symbol s;
    s.begin = u.offset;
    s.length = u.length;
    s.prev = static_cast<int>(symbols.size()) - 1;
    s.next = static_cast<int>(symbols.size()) + 1;
    symbols.push_back(s);
  }
  if (symbols.empty()) return;
  symbols.back().next = -1;

  std::priority_queue<Bigram> queue;
  auto add = [&](int left, int right) {
    if (left < 0 || right < 0) return;
    const Symbol& a = symbols[static_cast<size_t>(left)];
    const Symbol& b = symbols[static_cast<size_t>(right)];
    const auto it = ids_.find(std::string(text.substr(a.begin, a.length + b.length)));
    if (it == ids_.end()) return;
    queue.push(Bigram{vocab_.scores[static_cast<size_t>(it->second)], left, a.length + b.length});
  };
  for (size_t i = 1; i < symbols.size(); ++i) add(static_cast<int>(i) - 1, static_cast<int>(i));

  std::unordered_map<std::string, std::pair<std::string, std::string>> merged_from;
  while (!queue.empty()) {
    const Bigram top = queue.top();
    queue.pop();
    Symbol& left = symbols[static_cast<size_t>(top.left)];
    if (left.length == 0 || left.next < 0) continue;
    Symbol& right = symbols[static_cast<size_t>(left.next)];
    if (left.length + right.length != top.length) continue;  // one side changed since it was queued
    merged_from.emplace(text.substr(left.begin, top.length),
                        std::pair{text.substr(left.begin, left.length), text.substr(right.begin, right.length)});
    left.length += right.length;
    right.length = 0;
    left.next = right.next;
    if (right.next >= 0) symbols[static_cast<size_t>(right.next)].prev = top.left;
    add(left.prev, top.left);
    add(top.left, left.next);
  }
  for (int i = 0; i >= 0; i = symbols[static_cast<size_t>(i)].next) {
    const Symbol& s = symbols[static_cast<size_t>(i)];
    Resegment(text.substr(s.begin, s.length), merged_from, out);
  }
}

std::string SpmTokenizer::NormalBytes(int32_t id) const {
  const std::string& t = vocab_.tokens[static_cast<size_t>(id)];
  if (vocab_.TypeOf(id) == TokenType::kByte) {
    for (size_t b = 0; b < 256; ++b) {
      if (byte_ids_[b] == id) return std::string(1, static_cast<char>(b));
    }
  }
  std::string out;
  out.reserve(t.size());
  for (size_t i = 0; i < t.size();) {
    if (t.compare(i, kSpace.size(), kSpace) == 0) {
      out.push_back(' ');
      i += kSpace.size();
    } else {
      out.push_back(t[i++]);
    }
  }
  return out;
}

}  // namespace tabpilot
