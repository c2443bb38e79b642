#include "features/feature_pipeline.h"

#include <algorithm>
#include <unordered_set>

#include "core/error.h"
#include "core/parallel.h"
#include "features/text_transform.h"
#include "features/transform_list.h"

namespace tabpilot {
namespace {

constexpr const char* kFormatName = "tabpilot-features";

Json OptionsToJson(const FeatureOptions& o) {
  return Json{{"encoding", EncodingName(o.encoding)},     {"native_categorical", o.native_categorical},
              {"max_onehot_levels", o.max_onehot_levels}, {"max_dense_levels", o.max_dense_levels},
              {"rare_min_count", o.rare_min_count},       {"text_hash_dims", o.text_hash_dims},
              {"dense_clip_sd", o.dense_clip_sd}};
}

FeatureOptions OptionsFromJson(const Json& j) {
  FeatureOptions o;
  o.encoding = ParseEncoding(j.at("encoding").get<std::string>());
  o.native_categorical = j.at("native_categorical").get<bool>();
  o.max_onehot_levels = JsonInteger<int>(j.at("max_onehot_levels"), "max_onehot_levels");
  o.max_dense_levels = JsonInteger<int>(j.at("max_dense_levels"), "max_dense_levels");
  o.rare_min_count = JsonInteger<int>(j.at("rare_min_count"), "rare_min_count");
  o.text_hash_dims = JsonInteger<int>(j.at("text_hash_dims"), "text_hash_dims");
  o.dense_clip_sd = j.at("dense_clip_sd").get<double>();
  o.Validate();
  return o;
}

// A hashed text column costs a feature name (and a column of every matrix)
// per dimension, and "dims" is one number in the JSON: without a cap on the
// sum, a few hundred bytes of forged preprocessing would ask for gigabytes.
// Each column is capped at 2^20 by TextTransform; the pipeline at this.
constexpr int64_t kMaxTotalTextHashDims = int64_t{1} << 22;

void CheckTextHashDims(const Json& transforms) {
  int64_t total = 0;
  for (const Json& t : transforms) {
    if (!t.is_object() || t.value("kind", std::string()) != TextTransform::kKind || !t.contains("dims")) continue;
    total += std::max(0, JsonInteger<int>(t.at("dims"), "dims"));
    if (total > kMaxTotalTextHashDims) {
      throw InvalidInput("text hash dimensions add up to more than " + std::to_string(kMaxTotalTextHashDims));
    }
  }
}

}  // namespace

FeaturePipeline FeaturePipeline::Fit(const Table& train, const std::vector<std::string>& columns,
                                     const FeatureOptions& options) {
  options.Validate();
  if (train.num_rows() == 0) throw InvalidInput("cannot fit features on a table with no rows");
  FeaturePipeline p;
  p.options_ = options;
  std::unordered_set<std::string> seen;
  for (const std::string& name : columns) {
    if (!seen.insert(name).second) throw InvalidInput("feature column '" + name + "' listed twice");
    auto index = train.Find(name);
    if (!index) throw InvalidInput("missing required column '" + name + "'");
    p.transforms_.push_back(FitColumnTransform(train.column(*index), options));
  }
  p.Index();
  return p;
}

std::vector<size_t> FeaturePipeline::feature_sources() const {
  std::vector<size_t> out(feature_names_.size(), 0);
  for (size_t i = 0; i < offsets_.size(); ++i) {
    const size_t end = i + 1 < offsets_.size() ? offsets_[i + 1] : feature_names_.size();
    for (size_t f = offsets_[i]; f < end; ++f) out[f] = i;
  }
  return out;
}

void FeaturePipeline::Index() {
  input_columns_.clear();
  feature_names_.clear();
  offsets_.clear();
  categorical_indices_.clear();
  categorical_sizes_.clear();
  for (const auto& t : transforms_) {
    size_t offset = feature_names_.size();
    offsets_.push_back(offset);
    input_columns_.push_back(t->column());
    feature_names_.insert(feature_names_.end(), t->output_names().begin(), t->output_names().end());
    for (size_t i : t->categorical_outputs()) categorical_indices_.push_back(offset + i);
    for (int k : t->categorical_output_sizes()) categorical_sizes_.push_back(k);
  }
  if (categorical_indices_.size() != categorical_sizes_.size()) {
    throw Internal("categorical feature indices and sizes disagree");
  }
}

Matrix FeaturePipeline::Transform(const Table& table, int threads) const {
  std::vector<RowWriter> writers;
  writers.reserve(transforms_.size());
  for (const auto& t : transforms_) {
    auto index = table.Find(t->column());
    if (!index) {
      throw InvalidInput((table.source().empty() ? "" : table.source() + ": ") + "missing required column '" +
                         t->column() + "'");
    }
    writers.push_back(t->Bind(table.column(*index)));
  }
  Matrix out(table.num_rows(), feature_names_.size());
  const size_t stride = out.cols;
  float* base = out.values.data();
  // Starting a thread costs tens of microseconds: give each at least kMinRowsPerThread rows.
  constexpr size_t kMinRowsPerThread = 2048;
  size_t useful = (out.rows + kMinRowsPerThread - 1) / kMinRowsPerThread;
  int workers =
      static_cast<int>(std::min<size_t>(static_cast<size_t>(std::max(1, threads)), std::max<size_t>(1, useful)));
  ParallelFor(out.rows, workers, [&](size_t begin, size_t end, int) {
    // Row blocks keep each block's output rows in cache while every column writes them.
    constexpr size_t kBlock = 256;
    for (size_t b = begin; b < end; b += kBlock) {
      size_t e = std::min(end, b + kBlock);
      for (size_t i = 0; i < writers.size(); ++i) writers[i](b, e, base + offsets_[i], stride);
    }
  });
  return out;
}

void FeaturePipeline::TransformRow(const TypedCell* cells, float* out) const {
  for (size_t i = 0; i < transforms_.size(); ++i) transforms_[i]->WriteCell(cells[i], out + offsets_[i]);
}

Json FeaturePipeline::ToJson() const {
  Json transforms = Json::array();
  for (const auto& t : transforms_) transforms.push_back(t->ToJson());
  return Json{{"format", kFormatName},
              {"version", kFormatVersion},
              {"options", OptionsToJson(options_)},
              {"transforms", std::move(transforms)},
              {"feature_names", feature_names_}};
}

FeaturePipeline FeaturePipeline::FromJson(const Json& j) {
  try {
    if (!j.is_object() || j.value("format", std::string()) != kFormatName) {
      throw InvalidInput("not a tabpilot feature preprocessing object");
    }
    int version = JsonInteger<int>(j.at("version"), "version");
    if (version > kFormatVersion) {
      throw InvalidInput("version " + std::to_string(version) + " is newer than this build supports (" +
                         std::to_string(kFormatVersion) + ")");
    }
    if (version < 1) throw InvalidInput("invalid version " + std::to_string(version));
    FeaturePipeline p;
    p.options_ = OptionsFromJson(j.at("options"));
    CheckTextHashDims(j.at("transforms"));
    std::unordered_set<std::string> seen;
    for (const Json& t : j.at("transforms")) {
      auto transform = ColumnTransformFromJson(t);
      if (!seen.insert(transform->column()).second) {
        throw InvalidInput("column '" + transform->column() + "' transformed twice");
      }
      p.transforms_.push_back(std::move(transform));
    }
    p.Index();
    if (j.contains("feature_names") && j.at("feature_names").get<std::vector<std::string>>() != p.feature_names_) {
      throw InvalidInput("stored feature names do not match the transforms");
    }
    return p;
  } catch (const InvalidInput& e) {
    throw InvalidInput(std::string("invalid feature preprocessing: ") + e.what());
  } catch (const Json::exception& e) {
    throw InvalidInput(std::string("invalid feature preprocessing: ") + e.what());
  }
}

}  // namespace tabpilot
