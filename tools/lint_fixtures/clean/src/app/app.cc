#include "app/app.h"

#include "core/core.h"
#include "store/mem/mem.h"
#include "strategy/pw/strategy.h"

namespace demo::app {
int Run() { return 0; }
}  // namespace demo::app
