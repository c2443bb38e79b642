#include "predict/batch_predict.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <fstream>
#include <limits>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

#include "core/atomic_file.h"
#include "core/bounded_queue.h"
#include "core/error.h"
#include "data/arff_reader.h"
#include "data/csv_chunk_reader.h"
#include "data/csv_reader.h"
#include "predict/prediction_format.h"
#include "predict/predictor.h"

namespace tabpilot {
namespace {

// Chunks waiting between two stages. With one chunk in each stage as well,
// at most 3 + 2 * kQueueDepth chunks are alive at a time.
constexpr size_t kQueueDepth = 1;
// The whole-file path formats and writes this many rows at a time.
constexpr size_t kWholeFileWriteRows = 50000;

// The predictions file: written to a temp sibling, renamed over the output by
// Commit(); destroyed without Commit() it removes the temp file.
class PredictionOutput {
 public:
  explicit PredictionOutput(const std::filesystem::path& target)
      : target_(target), file_(target), out_(file_.path(), std::ios::binary) {
    if (!out_) throw IoError("cannot write " + target_.string());
  }
  void Write(std::string_view text) {
    out_.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (!out_) throw IoError("cannot write " + target_.string() + " (disk full?)");
  }
  void Commit() {
    out_.flush();
    out_.close();
    if (!out_) throw IoError("cannot write " + target_.string() + " (disk full?)");
    file_.Commit();
  }

 private:
  std::filesystem::path target_;
  AtomicOutputFile file_;
  std::ofstream out_;
};

// One chunk of rows as it moves through the stages.
struct Batch {
  size_t index = 0;
  RawTable raw;  // the parsed cells (dropped after typing unless joining)
  Matrix predictions;
  std::vector<std::string> labels;
};

// The error the user sees when stages fail: the one on the earliest chunk,
// whatever the threads' timing.
class FirstFailure {
 public:
  void Record(size_t chunk, std::exception_ptr error) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!error_ || chunk < chunk_) {
      chunk_ = chunk;
      error_ = std::move(error);
    }
  }
  void RethrowIfAny() {
    if (error_) std::rethrow_exception(error_);
  }

 private:
  std::mutex mutex_;
  size_t chunk_ = std::numeric_limits<size_t>::max();
  std::exception_ptr error_;
};

// The stages of the streaming path and what they share: a reader, as many
// predict workers as threads (each predicts whole chunks, so the threads do
// not meet at every member; a chunk gets the threads no other worker is
// using, all of them when it is alone), and a writer that gets the chunks
// in file order (a worker hands its chunk on when the one before it has
// been, so at most one chunk a worker waits).
class StreamingTransform {
 public:
  StreamingTransform(const Predictor& predictor, const BatchPredictOptions& options, CsvChunkReader& reader,
                     PredictionOutput& output)
      : predictor_(predictor),
        options_(options),
        reader_(reader),
        output_(output),
        format_(predictor.problem(), options.join ? reader.names() : std::vector<std::string>{}) {}

  // Runs the stages to the end; returns the rows written or throws the
  // earliest chunk's error.
  size_t Run() {
    output_.Write(format_.Header());
    std::vector<std::jthread> stages;
    const int workers = std::max(1, options_.threads);
    live_workers_ = workers;
    try {
      stages.emplace_back([this] { ReadStage(); });
      stages.emplace_back([this] { WriteStage(); });
      for (int w = 1; w < workers; ++w) stages.emplace_back([this] { PredictStage(); });
      PredictStage();
    } catch (...) {  // a thread could not start
      failure_.Record(0, std::current_exception());
      Cancel();
    }
    stages.clear();  // joins
    failure_.RethrowIfAny();
    WarnCoercedCells(reader_.source(), coerced_, options_.logger);
    return rows_;
  }

 private:
  void Cancel() {
    parsed_.Cancel();
    predicted_.Cancel();
    {
      std::lock_guard<std::mutex> lock(turn_mutex_);
      cancelled_ = true;
    }
    turn_.notify_all();
  }

  // Waits until chunk `index` is the next to hand to the writer; false when
  // the transform was cancelled.
  bool WaitForTurn(size_t index) {
    std::unique_lock<std::mutex> lock(turn_mutex_);
    turn_.wait(lock, [&] { return cancelled_ || next_to_write_ == index; });
    return !cancelled_;
  }
  void PassTurn() {
    {
      std::lock_guard<std::mutex> lock(turn_mutex_);
      ++next_to_write_;
    }
    turn_.notify_all();
  }

  void ReadStage() {
    size_t index = 0;
    try {
      for (; auto raw = reader_.Next(); ++index) {
        if (!parsed_.Push(Batch{index, std::move(*raw), {}, {}})) return;
      }
      parsed_.Close();
    } catch (...) {
      failure_.Record(index, std::current_exception());
      Cancel();
    }
  }

  void PredictStage() {
    size_t index = 0;
    BuildReport coerced;
    try {
      while (auto batch = parsed_.Pop()) {
        index = batch->index;
        const int busy = ++busy_workers_;
        const int threads = std::max(1, options_.threads - (busy - 1));
        Table input = BuildPredictionChunk(batch->raw, predictor_.input_schema(), threads, coerced);
        batch->predictions = predictor_.Predict(input, threads);
        --busy_workers_;
        batch->labels = predictor_.Labels(batch->predictions);
        if (!options_.join) batch->raw = RawTable();
        if (!WaitForTurn(index)) return;
        const bool pushed = predicted_.Push(std::move(*batch));
        PassTurn();
        if (!pushed) return;
      }
      MergeCoerced(coerced);
      if (--live_workers_ == 0) predicted_.Close();
    } catch (...) {
      failure_.Record(index, std::current_exception());
      Cancel();
    }
  }

  void MergeCoerced(const BuildReport& part) {
    std::lock_guard<std::mutex> lock(turn_mutex_);
    for (const auto& [column, count] : part.coerced) coerced_.coerced[column] += count;
  }

  void WriteStage() {
    size_t index = 0;
    try {
      while (auto batch = predicted_.Pop()) {
        index = batch->index;
        const size_t rows = batch->predictions.rows;
        output_.Write(format_.Rows(batch->labels, batch->predictions, options_.join ? &batch->raw : nullptr, 0, rows,
                                   options_.threads));
        rows_ += rows;
      }
    } catch (...) {
      failure_.Record(index, std::current_exception());
      Cancel();
    }
  }

  const Predictor& predictor_;
  const BatchPredictOptions& options_;
  CsvChunkReader& reader_;
  PredictionOutput& output_;
  const PredictionFormat format_;
  BoundedQueue<Batch> parsed_{kQueueDepth};
  BoundedQueue<Batch> predicted_{kQueueDepth};
  FirstFailure failure_;
  BuildReport coerced_;  // the workers' reports, merged under turn_mutex_
  size_t rows_ = 0;      // written by the write stage only
  std::atomic<int> busy_workers_{0};
  std::atomic<int> live_workers_{0};
  std::mutex turn_mutex_;
  std::condition_variable turn_;
  size_t next_to_write_ = 0;  // under turn_mutex_
  bool cancelled_ = false;    // under turn_mutex_
};

size_t PredictStreaming(const Predictor& predictor, const BatchPredictOptions& options) {
  CsvChunkOptions chunks;
  chunks.csv.threads = options.threads;
  chunks.csv.limits = options.load.limits;
  chunks.chunk_rows = options.chunk_rows;
  CsvChunkReader reader(options.data, chunks);  // a missing file or bad header fails before any output
  PredictionOutput output(options.output);
  const size_t rows = StreamingTransform(predictor, options, reader, output).Run();
  output.Commit();
  return rows;
}

// The file read, typed and predicted at once (ARFF input, chunk_rows = 0).
size_t PredictWholeFile(const Predictor& predictor, const BatchPredictOptions& options) {
  CsvOptions csv;
  csv.threads = options.threads;
  csv.limits = options.load.limits;
  RawTable raw = ReadRawCsv(options.data, csv);
  Table input = BuildPredictionInput(raw, predictor.input_schema(), options.logger);
  Matrix pred = predictor.Predict(input);
  std::vector<std::string> labels = predictor.Labels(pred);
  const PredictionFormat format(predictor.problem(), options.join ? raw.names() : std::vector<std::string>{});
  PredictionOutput output(options.output);
  output.Write(format.Header());
  for (size_t begin = 0; begin < pred.rows; begin += kWholeFileWriteRows) {
    const size_t end = std::min(pred.rows, begin + kWholeFileWriteRows);
    output.Write(format.Rows(labels, pred, options.join ? &raw : nullptr, begin, end, options.threads));
  }
  output.Commit();
  return pred.rows;
}

}  // namespace

size_t BatchPredict(const BatchPredictOptions& a) {
  Predictor::Options options;
  options.threads = a.threads;
  options.load = a.load;
  options.reference = a.reference;
  auto predictor = Predictor::Load(a.model, options);
  if (a.chunk_rows == 0 || IsArffPath(a.data)) return PredictWholeFile(*predictor, a);
  return PredictStreaming(*predictor, a);
}

}  // namespace tabpilot
