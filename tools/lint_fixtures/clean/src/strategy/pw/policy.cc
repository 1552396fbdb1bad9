#include "strategy/pw/policy.h"
