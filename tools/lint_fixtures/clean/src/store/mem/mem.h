#pragma once
#include "core/store.h"
