#pragma once
// Test code of base (a header of a single-module folder whose name ends in _test.h).
