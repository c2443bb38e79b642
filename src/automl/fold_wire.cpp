#include "automl/fold_wire.h"

#include "automl/folds.h"
#include "learners/byte_io.h"

namespace tabpilot {
namespace {

constexpr std::string_view kPrefix = "damaged fold message";

void String(ByteWriter& w, std::string_view s) {
  w.U64(s.size());
  w.Raw(s.data(), s.size());
}

std::string String(ByteReader& r, const char* what) {
  const uint64_t n = r.U64(what);
  if (n > r.remaining()) r.Fail(std::string("truncated while reading ") + what);
  return std::string(r.Raw(static_cast<size_t>(n), what));
}

size_t Count(ByteReader& r, size_t item_bytes, const char* what) {
  const uint64_t n = r.U64(what);
  if (n > r.remaining() / item_bytes) r.Fail(std::string("truncated while reading ") + what);
  return static_cast<size_t>(n);
}

void Floats(ByteWriter& w, const std::vector<float>& v) {
  w.U64(v.size());
  w.Floats(v);
}

std::vector<float> Floats(ByteReader& r, const char* what) { return r.Floats(Count(r, sizeof(float), what), what); }

void Done(const ByteReader& r) {
  if (r.remaining() != 0) r.Fail("trailing bytes");
}

}  // namespace

WireJob ToWire(const FoldJob& job) {
  WireJob w;
  w.tag = job.tag;
  w.family = job.learner->family();
  w.params = job.learner->params().values();
  w.x_key = job.x_key;
  w.y_key = job.y_key;
  w.fold = job.fold;
  w.seed = job.fit.seed;
  w.threads = job.fit.threads;
  w.task = job.fit.task;
  w.num_classes = job.fit.num_classes;
  w.seconds = job.fit.deadline.bounded() ? job.fit.deadline.Remaining() : -1.0;
  return w;
}

WireOutcome ToWire(const FoldOutcome& outcome) {
  WireOutcome w;
  w.tag = outcome.tag;
  w.error = outcome.error;
  w.error_kind = outcome.error_kind;
  if (outcome.model) w.model = outcome.model->Serialize();
  w.pred = outcome.pred;
  w.fit_seconds = outcome.fit_seconds;
  return w;
}

std::string EncodeJob(const WireJob& job) {
  ByteWriter w;
  w.U64(job.tag);
  String(w, job.family);
  String(w, job.params.dump());
  w.U64(job.x_key);
  w.U64(job.y_key);
  w.I32(job.fold);
  w.U64(job.seed);
  w.I32(job.threads);
  w.U8(static_cast<uint8_t>(job.task));
  w.I32(job.num_classes);
  w.F64(job.seconds);
  return w.Take();
}

WireJob DecodeJob(std::string_view bytes) {
  ByteReader r(bytes, kPrefix);
  WireJob job;
  job.tag = r.U64("tag");
  job.family = String(r, "family");
  const std::string params = String(r, "params");
  job.params = Json::parse(params, nullptr, false);
  if (job.params.is_discarded() || !job.params.is_object()) r.Fail("params are not a JSON object");
  job.x_key = r.U64("x key");
  job.y_key = r.U64("y key");
  job.fold = r.I32("fold");
  job.seed = r.U64("seed");
  job.threads = r.I32("threads");
  const uint8_t task = r.U8("task");
  if (task > static_cast<uint8_t>(Task::kRegression)) r.Fail("unknown task");
  job.task = static_cast<Task>(task);
  job.num_classes = r.I32("classes");
  job.seconds = r.F64("seconds");
  Done(r);
  if (job.threads < 1 || job.num_classes < 1 || job.fold < kOwnOofFold) r.Fail("field out of range");
  return job;
}

std::string EncodeData(const WireData& data) {
  ByteWriter w;
  w.Reserve(data.x.values.size() * sizeof(float) + 64);
  w.U64(data.key);
  w.U64(data.x.rows);
  w.U64(data.x.cols);
  w.Floats(data.x.values);
  w.U64(data.names.size());
  for (const std::string& n : data.names) String(w, n);
  w.U64(data.categorical.size());
  for (size_t c : data.categorical) w.U64(c);
  return w.Take();
}

WireData DecodeData(std::string_view bytes) {
  ByteReader r(bytes, kPrefix);
  WireData data;
  data.key = r.U64("key");
  const uint64_t rows = r.U64("rows");
  const uint64_t cols = r.U64("cols");
  if (cols != 0 && rows > r.remaining() / sizeof(float) / cols) r.Fail("truncated while reading the matrix");
  data.x.rows = static_cast<size_t>(rows);
  data.x.cols = static_cast<size_t>(cols);
  data.x.values = r.Floats(data.x.rows * data.x.cols, "the matrix");
  const size_t names = Count(r, 8, "names");
  for (size_t i = 0; i < names; ++i) data.names.push_back(String(r, "a name"));
  const size_t categorical = Count(r, 8, "categorical columns");
  for (size_t i = 0; i < categorical; ++i) {
    const uint64_t c = r.U64("a categorical column");
    if (c >= cols) r.Fail("categorical column out of range");
    data.categorical.push_back(static_cast<size_t>(c));
  }
  Done(r);
  return data;
}

std::string EncodeTarget(const WireTarget& target) {
  ByteWriter w;
  w.U64(target.key);
  Floats(w, target.y);
  w.U64(target.folds.size());
  for (int f : target.folds) w.I32(f);
  return w.Take();
}

WireTarget DecodeTarget(std::string_view bytes) {
  ByteReader r(bytes, kPrefix);
  WireTarget target;
  target.key = r.U64("key");
  target.y = Floats(r, "targets");
  const size_t folds = Count(r, 4, "folds");
  target.folds.reserve(folds);
  for (size_t i = 0; i < folds; ++i) target.folds.push_back(r.I32("a fold"));
  Done(r);
  if (!target.folds.empty() && target.folds.size() != target.y.size()) r.Fail("folds and targets differ in length");
  return target;
}

std::string EncodeOutcome(const WireOutcome& outcome) {
  ByteWriter w;
  w.U64(outcome.tag);
  String(w, outcome.error);
  w.U8(static_cast<uint8_t>(outcome.error_kind));
  String(w, outcome.model);
  Floats(w, outcome.pred);
  w.F64(outcome.fit_seconds);
  return w.TakeSealed();
}

WireOutcome DecodeOutcome(std::string_view bytes) {
  ByteReader r(bytes, kPrefix);
  r.Unseal();
  WireOutcome outcome;
  outcome.tag = r.U64("tag");
  outcome.error = String(r, "error");
  const uint8_t kind = r.U8("error kind");
  if (kind > static_cast<uint8_t>(ErrorKind::kInternal)) r.Fail("unknown error kind");
  outcome.error_kind = static_cast<ErrorKind>(kind);
  outcome.model = String(r, "model");
  outcome.pred = Floats(r, "predictions");
  outcome.fit_seconds = r.F64("fit seconds");
  Done(r);
  return outcome;
}

FoldOutcome FromWire(WireOutcome wire, const FoldJob& job) {
  FoldOutcome out;
  out.tag = job.tag;
  out.fit_seconds = wire.fit_seconds;
  if (!wire.error.empty()) {
    out.error = std::move(wire.error);
    out.error_kind = wire.error_kind;
    return out;
  }
  try {
    if (job.fold == kOwnOofFold) {
      out.held_rows.resize(job.x->rows);
      for (size_t r = 0; r < out.held_rows.size(); ++r) out.held_rows[r] = r;
    } else {
      std::vector<size_t> train;
      SplitFold(*job.folds, job.fold, &train, &out.held_rows);
    }
    const size_t outputs = static_cast<size_t>(job.fit.task == Task::kRegression ? 1 : job.fit.num_classes);
    if (wire.pred.size() != out.held_rows.size() * outputs) {
      throw InvalidInput("a fold's predictions do not cover its held rows");
    }
    out.pred = std::move(wire.pred);
    out.model = job.learner->Load(wire.model, job.fit);
  } catch (const Error& e) {
    out = FoldOutcome{};
    out.tag = job.tag;
    out.error = std::string("a fold model came back unusable: ") + e.what();
  }
  return out;
}

}  // namespace tabpilot
