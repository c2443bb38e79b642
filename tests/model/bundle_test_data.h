// A small two-member bundle (xgboost on tree features, linear on dense) over
// a generated table, shared by the bundle tests.
#pragma once

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "model/bundle.h"

namespace tabpilot::testing {

inline Table MakeTable(size_t rows) {
  Table t;
  Column x;
  x.name = "x";
  x.type = ColumnType::kNumeric;
  Column c;
  c.name = "color";
  c.type = ColumnType::kCategorical;
  c.categories = {"red", "green", "blue"};
  for (size_t i = 0; i < rows; ++i) {
    x.numbers.push_back(i % 7 == 0 ? std::nan("") : std::sin(static_cast<double>(i)) * 3);
    c.codes.push_back(static_cast<int32_t>(i % 3));
  }
  t.AddColumn(std::move(x));
  t.AddColumn(std::move(c));
  return t;
}

// A small two-member bundle (xgboost on tree features, linear on dense).
inline Bundle MakeBundle(const Table& table) {
  std::vector<float> y;
  for (size_t i = 0; i < table.num_rows(); ++i) {
    double x = table.column(0).numbers[i];
    y.push_back((std::isnan(x) ? 0 : x) + (table.column(1).codes[i] == 0 ? 1.0 : 0.0) > 0.5 ? 1.0f : 0.0f);
  }
  Bundle b;
  b.problem.task = Task::kBinary;
  b.problem.target = "label";
  b.problem.class_labels = {"no", "yes"};
  b.problem.threshold = 0.4;
  b.problem.metric = "f1";
  b.input_schema.columns = {{"x", ColumnType::kNumeric, ""}, {"color", ColumnType::kCategorical, ""}};
  LearnerRegistry learners = LearnerRegistry::WithBuiltins();
  FitOptions fit;
  fit.task = Task::kBinary;
  fit.num_classes = 2;
  fit.threads = 1;
  const std::vector<std::pair<std::string, Encoding>> members{{"xgboost", Encoding::kTree},
                                                              {"linear", Encoding::kDense}};
  for (const auto& [family, encoding] : members) {
    FeatureOptions fo;
    fo.encoding = encoding;
    FeaturePipeline pipeline = FeaturePipeline::Fit(table, {"x", "color"}, fo);
    Matrix m = pipeline.Transform(table, 1);
    Json params = family == "xgboost" ? Json{{"n_estimators", 20}} : Json::object();
    auto learner = learners.Create(family, params);
    TrainData data{&m, &y, nullptr};
    BundleMember member;
    member.name = family + "_1";
    member.family = family;
    member.params = learner->params().values();
    member.pipeline = EncodingName(encoding);
    member.weight = 0.5;
    member.folds.push_back(learner->Fit(data, nullptr, fit));
    b.pipelines.emplace(EncodingName(encoding), std::move(pipeline));
    b.members.push_back(std::move(member));
  }
  return b;
}

}  // namespace tabpilot::testing
