#include "serve/served_model.h"

#include "core/error.h"
#include "data/csv_records.h"
#include "data/type_inference.h"

namespace tabpilot {

std::shared_ptr<const ServedModel> ServedModel::Load(Identity identity, const Options& options) {
  std::shared_ptr<ServedModel> model(new ServedModel());  // NOLINT: private constructor
  model->identity_ = std::move(identity);
  model->options_ = options;
  Predictor::Options load;
  load.threads = 1;  // a request runs on the thread that read it
  load.load = options.load;
  model->predictor_ = Predictor::Load(model->identity_.bundle, load);
  model->row_ = std::make_unique<RowPredictor>(*model->predictor_, std::max(1, options.row_threads));
  return model;
}

std::unique_ptr<RowScratch> ServedModel::TakeScratch() const {
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (!pool_.empty()) {
      std::unique_ptr<RowScratch> s = std::move(pool_.back());
      pool_.pop_back();
      return s;
    }
  }
  return std::make_unique<RowScratch>(row_->NewScratch());
}

void ServedModel::ReturnScratch(std::unique_ptr<RowScratch> scratch) const {
  const std::lock_guard<std::mutex> lock(mutex_);
  pool_.push_back(std::move(scratch));
}

Matrix ServedModel::Predict(const RequestRows& rows) const {
  const size_t n = rows.rows();
  const size_t k = row_->num_outputs();
  if (rows.columns != input_schema().columns.size()) {
    throw Internal("request rows of " + std::to_string(rows.columns) + " columns for a model of " +
                   std::to_string(input_schema().columns.size()));
  }
  if (n <= options_.row_path_rows) {
    Matrix out(n, k);
    std::unique_ptr<RowScratch> scratch = TakeScratch();
    try {
      for (size_t r = 0; r < n; ++r) {
        row_->Predict(rows.row(r), *scratch, std::span<float>(out.row(r), k));
      }
    } catch (...) {
      ReturnScratch(std::move(scratch));
      throw;
    }
    ReturnScratch(std::move(scratch));
    return out;
  }
  return predictor_->Predict(RequestTable(rows), 1);
}

Table ServedModel::RequestTable(const RequestRows& rows) const {
  BuildReport report;
  if (rows.csv != nullptr) {
    // CSV: the reader's table itself (columns matched by name).
    return BuildPredictionChunk(*rows.csv, input_schema(), 1, report);
  }
  const RawTable raw = RawTableBuilder::FromCells(ColumnNames(), rows.rows(), rows.cells, rows.missing, "request");
  return BuildPredictionChunk(raw, input_schema(), 1, report);
}

std::vector<std::string> ServedModel::ColumnNames() const {
  std::vector<std::string> names;
  for (const ColumnSpec& c : input_schema().columns) names.push_back(c.name);
  return names;
}

Explanation ServedModel::Explain(const RequestRows& rows, ExplainScale scale) const {
  const ModelExplainer* explainer = nullptr;
  {
    std::lock_guard<std::mutex> lock(explainer_mutex_);
    if (explainer_ == nullptr) {
      const std::string& background = predictor_->bundle().background_csv;
      if (background.empty()) {
        throw InvalidInput("this model keeps no background rows to explain from (retrain it to get explanations)");
      }
      const RawTable raw = ParseRawCsv(background, "background.csv", CsvOptions{});
      ModelExplainer::Options options;
      explainer_ = ModelExplainer::Create(
          *predictor_, BuildPredictionInput(raw, input_schema(), Logger(Logger::Level::kQuiet)), options);
    }
    explainer = explainer_.get();
  }
  return explainer->Explain(RequestTable(rows), scale, 1);
}

}  // namespace tabpilot
