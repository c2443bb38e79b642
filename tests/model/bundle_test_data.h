// A small two-member bundle (xgboost on tree features, linear on dense) over
// a generated table, shared by the bundle tests; and the same with both forms.
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

// The labels MakeBundle's models learn.
inline std::vector<float> MakeLabels(const Table& table) {
  std::vector<float> y;
  for (size_t i = 0; i < table.num_rows(); ++i) {
    double x = table.column(0).numbers[i];
    y.push_back((std::isnan(x) ? 0 : x) + (table.column(1).codes[i] == 0 ? 1.0 : 0.0) > 0.5 ? 1.0f : 0.0f);
  }
  return y;
}

// A small two-member bundle (xgboost on tree features, linear on dense).
inline Bundle MakeBundle(const Table& table) {
  const std::vector<float> y = MakeLabels(table);
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

// MakeBundle with both forms, served full by default: the xgboost member's
// model on all rows becomes its full model and its bagged form is two fold
// models (fitted on the even and on the odd rows, fewer trees); the linear
// member keeps its one model, which it serves in both forms (like a member
// with its own out-of-fold predictions). Deterministic: two calls give the
// same models.
inline Bundle MakeTwoFormBundle(const Table& table) {
  Bundle b = MakeBundle(table);
  BundleMember& xgb = b.members.at(0);
  xgb.full = std::move(xgb.folds.at(0));
  xgb.full_params = xgb.params;
  xgb.folds.clear();
  const std::vector<float> y = MakeLabels(table);
  const Matrix x = b.pipelines.at(xgb.pipeline).Transform(table, 1);
  LearnerRegistry learners = LearnerRegistry::WithBuiltins();
  FitOptions fit;
  fit.task = Task::kBinary;
  fit.num_classes = 2;
  fit.threads = 1;
  auto learner = learners.Create("xgboost", Json{{"n_estimators", 8}});
  xgb.params = learner->params().values();
  for (size_t parity = 0; parity < 2; ++parity) {
    std::vector<size_t> rows;
    std::vector<float> fold_y;
    for (size_t i = parity; i < table.num_rows(); i += 2) {
      rows.push_back(i);
      fold_y.push_back(y[i]);
    }
    const Matrix fold_x = x.SelectRows(rows);
    xgb.folds.push_back(learner->Fit(TrainData{&fold_x, &fold_y, nullptr}, nullptr, fit));
  }
  b.forms.full = true;
  b.forms.default_form = BundleForm::kFull;
  return b;
}

// What MakeTwoFormBundle's full form is in memory: the xgboost member's full
// model in place of its folds (as a full-form load holds it).
inline Bundle MakeFullFormBundle(const Table& table) {
  Bundle b = MakeTwoFormBundle(table);
  BundleMember& xgb = b.members.at(0);
  xgb.folds.clear();
  xgb.folds.push_back(std::move(xgb.full));
  xgb.params = xgb.full_params;
  xgb.folds_are_full = true;
  b.forms.bagged = false;
  return b;
}

}  // namespace tabpilot::testing
