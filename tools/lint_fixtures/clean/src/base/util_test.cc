#include <gtest/gtest.h>

#include "base/fake_test.h"
#include "base/util.h"
