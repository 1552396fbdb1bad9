#include "base/threads.h"

#include <pthread.h>

#include <csignal>

namespace atrium {

void BlockSignalsOnThisThread() {
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
}

}  // namespace atrium
