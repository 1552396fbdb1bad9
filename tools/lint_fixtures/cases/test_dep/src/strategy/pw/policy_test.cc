#include "strategy/pw/policy.h"

#include <gtest/gtest.h>

#include "store/mem/mem.h"
