#include "strategy/pw/policy.h"

#include <gtest/gtest.h>
