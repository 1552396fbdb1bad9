#include "store/mem/mem.h"

#include "base/util.h"
