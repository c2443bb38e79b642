// Keeping freed memory for reuse in long streaming jobs.
//
// glibc's malloc serves a block over its mmap threshold (128 KiB at first,
// adapting up to 32 MiB) with a fresh mapping and unmaps it when freed, and
// gives the top of its heap back to the kernel past a trim threshold. A
// stream that allocates and frees a chunk's buffers (tens of MiB) every
// chunk then pays for the kernel zeroing new pages each time: in a
// 200,000-row `tabpilot predict`, page faults and clearing took about 10 %
// of the CPU and half the system time. KeepFreedMemory raises both
// thresholds so the buffers are reused from chunk to chunk; peak memory
// stays that of the largest chunk (measured +8 % peak RSS on that job).
#pragma once

namespace tabpilot {

// Called once at the start of a streaming command, before its threads
// start. A no-op where the C library is not glibc.
void KeepFreedMemory();

}  // namespace tabpilot
