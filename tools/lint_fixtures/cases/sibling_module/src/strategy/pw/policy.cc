#include "strategy/pw/policy.h"

// pw_strategy (same folder) declares core; pw_policy does not.
#include "core/core.h"
