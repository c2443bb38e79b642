// A worker rank of the MPI task farm (mpi_farm.h): says hello to rank 0,
// then keeps the matrices and fold assignments it is sent and fits the fold
// jobs, one at a time, until rank 0 says stop.
#pragma once

#include "scaleout/mpi_comm.h"

namespace tabpilot {

// Ranks 1..N-1. Returns when rank 0 sends kFarmStop; throws Internal on a
// message it cannot read (MPI then stops the job).
void RunFoldWorker(MpiWorld& world);

}  // namespace tabpilot
