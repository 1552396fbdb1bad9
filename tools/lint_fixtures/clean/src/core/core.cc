#include "core/core.h"

#include "core/store.h"
