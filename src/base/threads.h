#pragma once
// Helpers for the threads a module starts itself.

namespace atrium {

// Blocks every signal on the calling thread: signals are the main thread's business (it waits
// for SIGINT and SIGTERM), so a background thread must never be the one they are delivered to.
void BlockSignalsOnThisThread();

}  // namespace atrium
