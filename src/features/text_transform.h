// Free-text columns become hashed bag-of-words features: the text is
// lowercased (ASCII) and split on every byte that is not an ASCII letter or
// digit (bytes >= 0x80 count as letters, so UTF-8 words stay whole); each word
// and each pair of adjacent words is hashed with FNV-1a into one of `dims`
// buckets "#hash<i>", whose value is log(1 + count). Then "#chars" (UTF-8
// characters) and "#words".
// kTree: everything NaN for a missing text. kDense: log(1 + chars) and
// log(1 + words) standardized; missing text has zero hash counts, imputed
// lengths and a "#missing" column when training had missing values.
#pragma once

#include <memory>

#include "features/column_transform.h"
#include "features/dense_scaler.h"
#include "features/feature_options.h"

namespace tabpilot {

class TextTransform : public ColumnTransform {
 public:
  static constexpr const char* kKind = "text";

  static std::unique_ptr<ColumnTransform> Fit(const Column& train, const FeatureOptions& options);
  static std::unique_ptr<ColumnTransform> FromJson(const Json& j);

  // Prefer Fit/FromJson; public so that std::make_unique can build it.
  // Throws InvalidInput if dims is not in [1, 2^20].
  TextTransform(std::string column, Encoding encoding, int dims, bool missing_indicator, DenseScaler chars,
                DenseScaler words);

  const char* kind() const override { return kKind; }
  const std::string& column() const override { return column_; }
  const std::vector<std::string>& output_names() const override { return names_; }
  RowWriter Bind(const Column& input) const override;
  ColumnType fitted_type() const override { return ColumnType::kText; }
  void WriteCell(const TypedCell& cell, float* out) const override;
  Json ToJson() const override;

 private:
  // The outputs of one text (null = missing); `word` is scratch.
  void Write(const std::string_view* text, float* out, std::string& word) const;

  std::string column_;
  Encoding encoding_;
  int dims_;
  bool missing_indicator_;  // kDense only
  DenseScaler chars_;       // kDense only, on log(1 + chars)
  DenseScaler words_;       // kDense only, on log(1 + words)
  std::vector<std::string> names_;
};

}  // namespace tabpilot
