#include "strategy/pw/strategy.h"

#include "base/util.h"
