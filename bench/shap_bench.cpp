// SHAP speed: a bundle's SHAP values for the first ROWS rows of DATA, our
// engine against XGBoost's own pred_contribs over the same trees.
//
// Usage: shap_bench MODEL DATA.csv [ROWS] [THREADS] [REPEATS]
// (defaults 1000 rows, 2 threads, 5 repeats). Prints one JSON object: per
// member, its trees and the seconds (median of REPEATS) of our exact
// TreeSHAP over its compiled fold models and, for XGBoost members, of
// XGBoost's pred_contribs over each of its fold models in turn, on the same
// feature rows; and the whole bundle through the model explainer (every
// member, stacking carried back, log-odds), with the background (100 rows
// of DATA) prepared outside the timing.
#include <algorithm>
#include <chrono>
#include <iostream>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/json.h"
#include "data/csv_reader.h"
#include "explain/model_explainer.h"
#include "explain/tree_shap.h"
#include "learners/xgboost_api.h"
#include "learners/xgboost_learner.h"
#include "predict/predictor.h"

namespace tabpilot {
namespace {

template <typename Fn>
double MedianSeconds(int repeats, Fn&& fn) {
  std::vector<double> times;
  for (int r = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    fn();
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

Table FirstRows(const Table& table, size_t n) {
  std::vector<size_t> rows(std::min(n, table.num_rows()));
  std::iota(rows.begin(), rows.end(), size_t{0});
  return table.SelectRows(rows);
}

int Run(int argc, char** argv) {
  if (argc < 3) throw std::runtime_error("usage: shap_bench MODEL DATA.csv [ROWS] [THREADS] [REPEATS]");
  const size_t rows = argc > 3 ? std::stoul(argv[3]) : 1000;
  const int threads = argc > 4 ? std::stoi(argv[4]) : 2;
  const int repeats = argc > 5 ? std::stoi(argv[5]) : 5;
  Predictor::Options po;
  po.threads = threads;
  const auto predictor = Predictor::Load(argv[1], po);
  const Bundle& bundle = predictor->bundle();
  const RawTable raw = ReadRawCsv(argv[2], CsvOptions{});
  const Table all = BuildPredictionInput(raw, predictor->input_schema(), Logger(Logger::Level::kQuiet));
  const Table input = FirstRows(all, rows);
  const Table background = FirstRows(all, 100);

  Json out;
  out["rows"] = input.num_rows();
  out["threads"] = threads;
  out["repeats"] = repeats;
  Json members = Json::array();
  const std::vector<Predictor::MemberOutput> outputs = predictor->MemberOutputs(input, threads);
  double ours_total = 0;
  double theirs_total = 0;
  for (size_t mi = 0; mi < bundle.members.size(); ++mi) {
    const BundleMember& m = bundle.members[mi];
    const MemberPlan& plan = predictor->plans()[mi];
    const FeaturePipeline& pipeline = bundle.pipelines.at(m.pipeline);
    const Matrix features = pipeline.Transform(input, threads);
    size_t trees = 0;
    uint32_t depth = 0;
    double ours = 0;
    double theirs = 0;
    bool compiled = false;
    for (const FoldCell& cell : plan.cells) {
      if (cell.compiled == nullptr) continue;
      compiled = true;
      const Matrix x = m.stack_inputs.empty() ? features : predictor->StackedRows(mi, features, outputs, cell.group);
      trees += cell.compiled->trees().size();
      for (const CompiledTree& t : cell.compiled->trees()) depth = std::max(depth, t.depth);
      const auto shap = TreeShap::Create(*cell.compiled, TreeShap::Options{});
      std::vector<double> values(x.rows * shap->row_width());
      ours += MedianSeconds(repeats, [&] { shap->Explain(x, values.data(), threads); });
      if (m.family != "xgboost") continue;
      XgbDMatrix matrix = XgbDMatrix::FromDense(x.values.data(), x.rows, x.cols, threads);
      if (!pipeline.categorical_feature_indices().empty() && m.params.value("enable_categorical", false)) {
        std::vector<std::string> types(x.cols, "q");
        for (size_t c : pipeline.categorical_feature_indices()) types[c] = "c";
        matrix.SetStrFeatureInfo("feature_type", types);
      }
      std::vector<XgbBooster> boosters;
      for (size_t j : cell.folds) {
        boosters.push_back(XgbBooster::LoadFromBuffer(SplitXgboostModel(m.folds[j]->Serialize()).ubjson));
        boosters.back().SetParam("nthread", std::to_string(threads));
      }
      std::vector<float> contribs;
      theirs += MedianSeconds(repeats, [&] {
        for (const XgbBooster& b : boosters) b.PredictContribs(matrix, &contribs);
      });
    }
    if (!compiled) continue;
    ours_total += ours;
    theirs_total += theirs;
    members.push_back({{"member", m.name},
                       {"family", m.family},
                       {"level", m.level},
                       {"trees", trees},
                       {"max_depth", depth},
                       {"ours_s", ours},
                       {"xgboost_pred_contribs_s", m.family == "xgboost" ? Json(theirs) : Json(nullptr)}});
  }
  out["members"] = std::move(members);
  out["tree_members_ours_s"] = ours_total;
  out["tree_members_xgboost_s"] = theirs_total;
  ModelExplainer::Options eo;
  eo.threads = threads;
  const auto explainer = ModelExplainer::Create(*predictor, background, eo);
  const ExplainScale scale = IsClassification(bundle.problem.task) ? ExplainScale::kLogOdds : ExplainScale::kRaw;
  out["whole_bundle_s"] = MedianSeconds(repeats, [&] { (void)explainer->Explain(input, scale, threads); });
  out["bundle_members"] = explainer->Methods();
  std::cout << out.dump(2) << "\n";
  return 0;
}

}  // namespace
}  // namespace tabpilot

int main(int argc, char** argv) {
  try {
    return tabpilot::Run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  }
}
