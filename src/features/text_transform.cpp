#include "features/text_transform.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <string_view>

#include "core/error.h"
#include "core/hash.h"
#include "data/matrix.h"
#include "features/column_conversion.h"

namespace tabpilot {
namespace {

bool IsWordByte(unsigned char c) { return c >= 0x80 || std::isalnum(c) != 0; }

struct TextCounts {
  double chars = 0;
  double words = 0;
};

// Adds the word and bigram counts of `text` into hash[0..dims) and returns the
// character and word counts. `word` is scratch space reused across calls.
TextCounts HashText(std::string_view text, size_t dims, float* hash, std::string& word) {
  TextCounts counts;
  uint64_t previous = 0;
  bool has_previous = false;
  size_t i = 0;
  for (unsigned char c : text) counts.chars += (c & 0xC0) != 0x80 ? 1 : 0;
  while (i < text.size()) {
    while (i < text.size() && !IsWordByte(static_cast<unsigned char>(text[i]))) ++i;
    if (i >= text.size()) break;
    word.clear();
    while (i < text.size() && IsWordByte(static_cast<unsigned char>(text[i]))) {
      unsigned char c = static_cast<unsigned char>(text[i++]);
      word.push_back(c < 0x80 ? static_cast<char>(std::tolower(c)) : static_cast<char>(c));
    }
    uint64_t h = Fnv1a64(word);
    hash[h % dims] += 1;
    if (has_previous) {
      // Hash of "previous_word current_word" without building the string.
      hash[Fnv1a64(word, Fnv1a64(" ", previous)) % dims] += 1;
    }
    previous = h;
    has_previous = true;
    counts.words += 1;
  }
  return counts;
}

}  // namespace

TextTransform::TextTransform(std::string column, Encoding encoding, int dims, bool missing_indicator, DenseScaler chars,
                             DenseScaler words)
    : column_(std::move(column)),
      encoding_(encoding),
      dims_(dims),
      missing_indicator_(encoding == Encoding::kDense && missing_indicator),
      chars_(chars),
      words_(words) {
  if (dims_ < 1 || dims_ > (1 << 20)) {
    throw InvalidInput(Where("", 0, column_) + ": text hash dimensions must be in [1, 1048576], got " +
                       std::to_string(dims_));
  }
  names_.reserve(static_cast<size_t>(dims_) + 3);
  for (int i = 0; i < dims_; ++i) names_.push_back(column_ + "#hash" + std::to_string(i));
  names_.push_back(column_ + "#chars");
  names_.push_back(column_ + "#words");
  if (missing_indicator_) names_.push_back(column_ + "#missing");
}

std::unique_ptr<ColumnTransform> TextTransform::Fit(const Column& train, const FeatureOptions& options) {
  auto text = AsText(train);
  int dims = options.EffectiveTextHashDims();
  bool has_missing = false;
  DenseScaler chars, words;
  if (options.encoding == Encoding::kDense) {
    std::vector<double> log_chars(text->texts.size()), log_words(text->texts.size());
    std::vector<float> scratch(static_cast<size_t>(dims));
    std::string word;
    for (size_t r = 0; r < text->texts.size(); ++r) {
      if (text->text_missing[r]) {
        has_missing = true;
        log_chars[r] = log_words[r] = std::numeric_limits<double>::quiet_NaN();
        continue;
      }
      TextCounts c = HashText(text->texts[r], scratch.size(), scratch.data(), word);
      log_chars[r] = std::log1p(c.chars);
      log_words[r] = std::log1p(c.words);
    }
    chars = DenseScaler::Fit(log_chars, options.dense_clip_sd);
    words = DenseScaler::Fit(log_words, options.dense_clip_sd);
  }
  return std::make_unique<TextTransform>(train.name, options.encoding, dims, has_missing, chars, words);
}

std::unique_ptr<ColumnTransform> TextTransform::FromJson(const Json& j) {
  Encoding encoding = ParseEncoding(j.at("encoding").get<std::string>());
  bool missing_indicator = false;
  DenseScaler chars, words;
  if (encoding == Encoding::kDense) {
    missing_indicator = j.at("missing_indicator").get<bool>();
    chars = DenseScaler::FromJson(j.at("chars"));
    words = DenseScaler::FromJson(j.at("words"));
  }
  return std::make_unique<TextTransform>(j.at("column").get<std::string>(), encoding,
                                         JsonInteger<int>(j.at("dims"), "dims"), missing_indicator, chars, words);
}

Json TextTransform::ToJson() const {
  Json j{{"kind", kKind}, {"column", column_}, {"encoding", EncodingName(encoding_)}, {"dims", dims_}};
  if (encoding_ == Encoding::kDense) {
    j["missing_indicator"] = missing_indicator_;
    j["chars"] = chars_.ToJson();
    j["words"] = words_.ToJson();
  }
  return j;
}

void TextTransform::Write(const std::string_view* text, float* o, std::string& word) const {
  const auto dims = static_cast<size_t>(dims_);
  const bool dense = encoding_ == Encoding::kDense;
  if (text == nullptr) {
    if (!dense) {
      std::fill(o, o + dims + 2, kMissingFeature);
      return;
    }
    std::fill(o, o + dims, 0.0f);
    o[dims] = chars_.Apply(std::numeric_limits<double>::quiet_NaN());
    o[dims + 1] = words_.Apply(std::numeric_limits<double>::quiet_NaN());
    if (missing_indicator_) o[dims + 2] = 1.0f;
    return;
  }
  std::fill(o, o + dims, 0.0f);
  TextCounts c = HashText(*text, dims, o, word);
  for (size_t i = 0; i < dims; ++i) {
    if (o[i] != 0) o[i] = std::log1p(o[i]);
  }
  if (dense) {
    o[dims] = chars_.Apply(std::log1p(c.chars));
    o[dims + 1] = words_.Apply(std::log1p(c.words));
    if (missing_indicator_) o[dims + 2] = 0.0f;
  } else {
    o[dims] = static_cast<float>(c.chars);
    o[dims + 1] = static_cast<float>(c.words);
  }
}

void TextTransform::WriteCell(const TypedCell& cell, float* out) const {
  std::string word;
  Write(cell.missing ? nullptr : &cell.text, out, word);
}

RowWriter TextTransform::Bind(const Column& input) const {
  auto text = AsText(input);
  return [this, text](size_t begin, size_t end, float* out, size_t stride) {
    std::string word;
    for (size_t r = begin; r < end; ++r) {
      const std::string_view value = text->texts[r];
      Write(text->text_missing[r] != 0 ? nullptr : &value, out + r * stride, word);
    }
  };
}

}  // namespace tabpilot
