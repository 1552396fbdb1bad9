#include "strategy/pw/strategy.h"

#include "base/util.h"
#include "store/mem/mem.h"
