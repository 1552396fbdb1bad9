#include "core/core.h"

#include <gtest/gtest.h>

#include "base/util.h"
#include "store/mem/mem.h"
