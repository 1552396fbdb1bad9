#pragma once
// Helpers for the threads a module starts itself.

namespace atrium {

// Blocks every signal on the calling thread: signals are the main thread's business (it waits
// for SIGINT and SIGTERM), so a background thread must never be the one they are delivered to.
void BlockSignalsOnThisThread();

// Names the calling thread (as `top -H`, perf and /proc/<pid>/task/<tid>/comm show it); at most
// 15 characters are kept. bench/run.sh finds the hashing threads by their name, "atrium-hash".
void NameThisThread(const char* name);

}  // namespace atrium
