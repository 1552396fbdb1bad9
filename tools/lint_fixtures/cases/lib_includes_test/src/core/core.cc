#include "core/core.h"

#include "base/fake_test.h"
#include "core/store.h"
