// The Adult census files (../shared/datasets/adult) as a feature matrix for
// the explain tests: numeric columns as numbers, categorical ones as codes
// in order of first appearance (shared across files through `codes`), "?"
// missing; the label 1 for ">50K".
#pragma once

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "data/matrix.h"

namespace tabpilot::testing {

inline constexpr size_t kAdultFeatures = 14;

// Category codes per column, filled as values are first seen.
using AdultCodes = std::vector<std::map<std::string, float>>;

// Reads adult.data or adult.test (lines of 15 ", "-separated fields; other
// lines, such as adult.test's first, are skipped) into x and y.
inline void ReadAdult(const std::filesystem::path& path, AdultCodes* codes, Matrix* x, std::vector<float>* y) {
  static const std::vector<bool> kNumeric = {true,  false, true,  false, true, false, false,
                                             false, false, false, true,  true, true,  false};
  codes->resize(kAdultFeatures);
  std::ifstream in(path);
  std::string line;
  std::vector<float> values;
  y->clear();
  while (std::getline(in, line)) {
    std::vector<std::string> fields;
    for (size_t start = 0;;) {
      const size_t comma = line.find(", ", start);
      fields.push_back(line.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
      if (comma == std::string::npos) break;
      start = comma + 2;
    }
    if (fields.size() != kAdultFeatures + 1) continue;
    for (size_t c = 0; c < kAdultFeatures; ++c) {
      const std::string& s = fields[c];
      if (s == "?") {
        values.push_back(kMissingFeature);
      } else if (kNumeric[c]) {
        values.push_back(std::stof(s));
      } else {
        auto& dictionary = (*codes)[c];
        values.push_back(dictionary.emplace(s, static_cast<float>(dictionary.size())).first->second);
      }
    }
    y->push_back(fields.back().rfind(">50K", 0) == 0 ? 1.0f : 0.0f);
  }
  *x = Matrix(y->size(), kAdultFeatures);
  x->values = std::move(values);
}

// The indices of Adult's categorical columns.
inline std::vector<size_t> AdultCategorical() { return {1, 3, 5, 6, 7, 8, 9, 13}; }

}  // namespace tabpilot::testing
