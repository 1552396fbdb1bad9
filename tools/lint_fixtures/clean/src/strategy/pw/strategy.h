#pragma once
#include "core/core.h"
#include "strategy/pw/policy.h"
