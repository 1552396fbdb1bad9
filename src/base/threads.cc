#include "base/threads.h"

#include <pthread.h>

#include <csignal>
#include <cstring>

namespace atrium {

void BlockSignalsOnThisThread() {
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
}

void NameThisThread(const char* name) {
  char shortened[16] = {};
  std::strncpy(shortened, name, sizeof shortened - 1);
  pthread_setname_np(pthread_self(), shortened);
}

}  // namespace atrium
