#include "scaleout/fold_worker.h"

#include <map>
#include <memory>

#include "automl/fold_wire.h"
#include "core/error.h"
#include "core/parallel.h"
#include "learners/byte_io.h"
#include "learners/learner_registry.h"
#include "scaleout/mpi_farm.h"

namespace tabpilot {
namespace {

void SayHello(MpiWorld& world) {
  ByteWriter hello;
  hello.U32(static_cast<uint32_t>(world.host().size()));
  hello.Raw(world.host().data(), world.host().size());
  hello.U32(static_cast<uint32_t>(HardwareThreads()));
  world.Send(0, kFarmHello, hello.Take());
}

// Fits one job on the data this worker holds; a job whose data it lacks, or
// whose learner cannot be made, comes back as an error.
FoldOutcome Fit(const WireJob& wire, const LearnerRegistry& learners, const std::map<uint64_t, WireData>& data,
                const std::map<uint64_t, WireTarget>& targets) {
  FoldOutcome failed;
  failed.tag = wire.tag;
  auto x = data.find(wire.x_key);
  auto y = targets.find(wire.y_key);
  if (x == data.end() || y == targets.end()) {
    failed.error = "the worker does not hold the job's data";
    return failed;
  }
  std::unique_ptr<Learner> learner;
  try {
    learner = learners.Create(wire.family, wire.params);
  } catch (const Error& e) {
    failed.error = e.what();
    failed.error_kind = e.kind();
    return failed;
  }
  FoldJob job;
  job.tag = wire.tag;
  job.learner = learner.get();
  job.x = &x->second.x;
  job.y = &y->second.y;
  job.folds = &y->second.folds;
  job.fold = wire.fold;
  job.fit.task = wire.task;
  job.fit.num_classes = wire.num_classes;
  job.fit.threads = wire.threads;
  job.fit.seed = wire.seed;
  job.fit.deadline = wire.seconds >= 0 ? Deadline::Never().Sub(wire.seconds) : Deadline::Never();
  job.fit.feature_names = &x->second.names;
  job.fit.categorical_features = &x->second.categorical;
  if (job.fold != kOwnOofFold && job.folds->size() != job.x->rows) {
    failed.error = "the job's folds do not match its matrix";
    return failed;
  }
  return RunFoldJob(job);
}

}  // namespace

void RunFoldWorker(MpiWorld& world) {
  SayHello(world);
  const LearnerRegistry learners = LearnerRegistry::WithBuiltins();
  std::map<uint64_t, WireData> data;
  std::map<uint64_t, WireTarget> targets;
  for (;;) {
    std::optional<MpiMessage> m = world.Receive(0, 0);
    if (!m) continue;
    switch (m->tag) {
      case kFarmData: {
        WireData d = DecodeData(m->bytes);
        data[d.key] = std::move(d);
        break;
      }
      case kFarmTarget: {
        WireTarget t = DecodeTarget(m->bytes);
        targets[t.key] = std::move(t);
        break;
      }
      case kFarmDrop: {
        ByteReader reader(m->bytes, "damaged drop message");
        const uint8_t kind = reader.U8("kind");
        const uint64_t key = reader.U64("key");
        if (kind == 0) {
          data.erase(key);
        } else {
          targets.erase(key);
        }
        break;
      }
      case kFarmJob: {
        const WireJob wire = DecodeJob(m->bytes);
        const FoldOutcome outcome = Fit(wire, learners, data, targets);
        world.Send(0, kFarmOutcome, EncodeOutcome(ToWire(outcome)));
        break;
      }
      case kFarmStop:
        return;
      default:
        throw Internal("rank 0 sent an unknown message (tag " + std::to_string(m->tag) + ")");
    }
  }
}

}  // namespace tabpilot
