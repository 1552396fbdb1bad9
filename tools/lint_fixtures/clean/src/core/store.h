#pragma once
// A header without a .cc: it belongs to the only module of its folder.
