// Trees alone: a bundle's tree members evaluated by the compiled forests and
// by each family's own predict, on the same feature rows in memory.
//
// Usage: tree_bench MODEL DATA.csv [ROWS] [THREADS] [REPEATS] [FORM] [KERNEL]
// DATA's rows are repeated up to ROWS (default 100000). KERNEL (auto, scalar,
// avx2, avx512; default auto) is the compiled forests' tree kernel for the
// per-member figures. Prints one JSON object:
// per member its trees, nodes and depths and the seconds of both engines
// (median of REPEATS, default 5), the same for the whole predictor, and the
// latency of one-row calls: the one-row path from raw cells (one thread a
// call, and THREADS), and for comparison the batch path on one-row tables.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "compiled/row_forest.h"
#include "compiled/simd_walk.h"
#include "core/json.h"
#include "data/csv_reader.h"
#include "model/stacking.h"
#include "predict/predictor.h"
#include "predict/row_predictor.h"

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

// Rows [begin, begin + rows) of `table`, wrapping around.
Table Repeat(const Table& table, size_t rows, size_t begin = 0);

// Median and 99th percentile in microseconds of `call(i)` for i in
// [0, calls), after a first pass that warms up.
template <typename Call>
Json Latency(size_t calls, Call&& call) {
  std::vector<double> us;
  for (int pass = 0; pass < 2; ++pass) {
    us.clear();
    for (size_t i = 0; i < calls; ++i) {
      const auto start = std::chrono::steady_clock::now();
      call(i);
      us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
    }
  }
  std::sort(us.begin(), us.end());
  return Json{{"calls", calls}, {"median_us", us[us.size() / 2]}, {"p99_us", us[us.size() * 99 / 100]}};
}

// Latency of one-row calls to the whole predictor (features, members,
// stacking) through the batch path, from typed one-row tables.
Json BatchPathLatency(const Predictor& predictor, const Table& input, size_t calls) {
  std::vector<Table> rows;
  for (size_t i = 0; i < calls; ++i) rows.push_back(Repeat(input, 1, i));
  return Latency(calls, [&](size_t i) { (void)predictor.Predict(rows[i]); });
}

// Latency of the one-row path (predict/row_predictor.h) from the raw cells
// of `raw`'s rows, as a server gets them, one caller with its scratch and
// `threads` threads per call.
Json OneRowLatency(const Predictor& predictor, const RawTable& raw, size_t calls, int threads) {
  const RowPredictor row(predictor, threads);
  std::vector<std::vector<std::string_view>> cells;
  for (size_t r = 0; r < std::min(calls, raw.num_rows()); ++r) {
    std::vector<std::string_view> one;
    for (const ColumnSpec& spec : predictor.input_schema().columns) {
      const size_t c = *raw.Find(spec.name);
      one.push_back(raw.is_missing(r, c) ? std::string_view() : raw.cell(r, c));
    }
    cells.push_back(std::move(one));
  }
  RowScratch scratch = row.NewScratch();
  std::vector<float> out(row.num_outputs());
  return Latency(calls, [&](size_t i) { row.Predict(cells[i % cells.size()], scratch, out); });
}

Table Repeat(const Table& table, size_t rows, size_t begin) {
  Table out;
  for (size_t c = 0; c < table.num_columns(); ++c) {
    const Column& in = table.column(c);
    Column col = in;
    col.numbers.clear();
    col.codes.clear();
    for (size_t i = 0; i < rows; ++i) {
      const size_t r = (begin + i) % table.num_rows();
      if (!in.numbers.empty()) col.numbers.push_back(in.numbers[r]);
      if (!in.codes.empty()) col.codes.push_back(in.codes[r]);
    }
    out.AddColumn(std::move(col));
  }
  return out;
}

// Trees, nodes and depths over every cell of a member's plan.
Json TreeShape(const MemberPlan& plan) {
  size_t trees = 0, nodes = 0, max_depth = 0, sum_depth = 0;
  for (const FoldCell& cell : plan.cells) {
    const CompiledForest& f = *cell.compiled;
    trees += f.trees().size();
    nodes += f.nodes().size();
    for (const CompiledTree& t : f.trees()) {
      max_depth = std::max<size_t>(max_depth, t.depth);
      sum_depth += t.depth;
    }
  }
  return Json{{"trees", trees},
              {"nodes", nodes},
              {"max_depth", max_depth},
              {"mean_depth", trees == 0 ? 0.0 : static_cast<double>(sum_depth) / static_cast<double>(trees)}};
}

TreeKernel ParseKernel(const std::string& name) {
  for (TreeKernel k : {TreeKernel::kAuto, TreeKernel::kScalar, TreeKernel::kAvx2, TreeKernel::kAvx512}) {
    if (name == TreeKernelName(k)) return k;
  }
  throw std::invalid_argument("KERNEL: auto, scalar, avx2 or avx512, not " + name);
}

int Run(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: tree_bench MODEL DATA.csv [ROWS] [THREADS] [REPEATS] [FORM] [KERNEL]\n";
    return 2;
  }
  const size_t rows = argc > 3 ? std::stoul(argv[3]) : 100000;
  const int threads = argc > 4 ? std::stoi(argv[4]) : 2;
  const int repeats = argc > 5 ? std::stoi(argv[5]) : 5;
  Predictor::Options options;
  options.threads = threads;
  options.load.form = ParseBundleForm(argc > 6 ? argv[6] : "default", "FORM");
  const TreeKernel kernel = ParseKernel(argc > 7 ? argv[7] : "auto");
  const auto compiled = Predictor::Load(argv[1], options);
  options.reference = true;
  const auto reference = Predictor::Load(argv[1], options);
  const RawTable raw = ReadRawCsv(argv[2], CsvOptions{});
  const Table input = Repeat(BuildPredictionInput(raw, compiled->input_schema(), Logger(Logger::Level::kQuiet)), rows);
  const Bundle& bundle = compiled->bundle();
  const auto k = static_cast<size_t>(bundle.problem.num_outputs());
  std::vector<float> buf(rows * k);
  Json members = Json::array();
  double tree_compiled = 0, tree_reference = 0;
  std::map<std::string, Matrix> features;
  for (size_t m = 0; m < bundle.members.size(); ++m) {
    const BundleMember& member = bundle.members[m];
    const MemberPlan& plan = compiled->plans()[m];
    if (plan.cells.empty() || plan.cells[0].compiled == nullptr || !member.stack_inputs.empty()) continue;
    auto it = features.find(member.pipeline);
    if (it == features.end()) {
      it = features.emplace(member.pipeline, bundle.pipelines.at(member.pipeline).Transform(input, threads)).first;
    }
    const Matrix& x = it->second;
    const double own = MedianSeconds(repeats, [&] {
      for (const auto& fold : member.folds) fold->Predict(x, buf.data(), threads);
    });
    const double ours = MedianSeconds(repeats, [&] {
      for (const FoldCell& cell : plan.cells) cell.compiled->Predict(x, buf.data(), threads, kernel);
    });
    // One row at a time through the one-row layout (row_forest.h), this
    // member alone: its nodes stay warm in the caches between calls.
    Json one_row_member;
    std::vector<std::shared_ptr<const RowForest>> row_forests;
    for (const FoldCell& cell : plan.cells) row_forests.push_back(RowForest::Make(cell.compiled));
    if (std::all_of(row_forests.begin(), row_forests.end(), [](const auto& r) { return r != nullptr; })) {
      RowForest::Scratch scratch;
      Matrix one(1, x.cols);
      one_row_member = Latency(std::min<size_t>(2000, x.rows), [&](size_t i) {
        std::copy_n(x.row(i), x.cols, one.values.data());
        for (const auto& row : row_forests) row->Predict(one, scratch, buf.data());
      });
    }
    Json shape = TreeShape(plan);
    shape["one_row"] = one_row_member;
    shape["member"] = member.name;
    shape["family"] = member.family;
    shape["folds"] = member.folds.size();
    shape["cells"] = plan.cells.size();
    shape["reference_s"] = own;
    shape["compiled_s"] = ours;
    shape["kernel"] = TreeKernelName(kernel);
    shape["speedup"] = own / ours;
    members.push_back(shape);
    tree_compiled += ours;
    tree_reference += own;
  }
  const double whole_compiled = MedianSeconds(repeats, [&] { compiled->Predict(input); });
  const double whole_reference = MedianSeconds(repeats, [&] { reference->Predict(input); });
  Predictor::Options one_thread = options;
  one_thread.threads = 1;
  one_thread.reference = false;
  const auto single = Predictor::Load(argv[1], one_thread);
  const Json one_row = OneRowLatency(*single, raw, 2000, 1);
  const Json one_row_threads = threads > 1 ? OneRowLatency(*single, raw, 2000, threads) : Json();
  const Json one_row_batch = BatchPathLatency(*single, input, 2000);
  Json out{
      {"rows", rows},
      {"one_row", one_row},
      {"one_row_threads", one_row_threads},
      {"one_row_batch_path", one_row_batch},
      {"form", BundleFormName(bundle.form)},
      {"threads", threads},
      {"repeats", repeats},
      {"members", members},
      {"level1_trees",
       {{"compiled_s", tree_compiled}, {"reference_s", tree_reference}, {"speedup", tree_reference / tree_compiled}}},
      {"predictor",
       {{"compiled_s", whole_compiled},
        {"reference_s", whole_reference},
        {"speedup", whole_reference / whole_compiled},
        {"compiled_rows_per_s", static_cast<double>(rows) / whole_compiled}}}};
  std::cout << out.dump(2) << "\n";
  return 0;
}

}  // namespace
}  // namespace tabpilot

int main(int argc, char** argv) {
  try {
    return tabpilot::Run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
