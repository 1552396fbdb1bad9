#pragma once
// Reading CBOR from authenticators (libcbor) under strict limits. Every input is first walked by a
// bounded, iterative well-formedness check (definite lengths only, no tags, no floats, text
// strings valid UTF-8, nesting and item count capped, every claimed length backed by the bytes
// that remain) before libcbor sees it, so libcbor never allocates for a length the input does not
// hold and never nests deeper than the cap.

#include <cbor.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace atrium::webauthn {

struct CborLimits {
  std::size_t max_bytes = 64 * 1024;
  std::size_t max_depth = 8;
  std::size_t max_items = 1024;
};

// The length of the first CBOR item of `data` (which may be followed by more bytes), or
// InvalidArgument when it is malformed, truncated, indefinite, tagged or beyond the limits.
Result<std::size_t> FirstItemLength(std::string_view data, const CborLimits& limits = {});

struct CborFree {
  void operator()(cbor_item_t* item) const;
};
using CborItem = std::unique_ptr<cbor_item_t, CborFree>;

// Decodes the first item of `data`; `consumed` gets its length. When `whole` is set, nothing may
// follow it.
Result<CborItem> LoadCbor(std::string_view data, bool whole, std::size_t* consumed = nullptr,
                          const CborLimits& limits = {});

// Map lookups: nullptr when absent, InvalidArgument when the key occurs twice or `map` is no map.
Result<const cbor_item_t*> MapFind(const cbor_item_t* map, std::string_view text_key);
Result<const cbor_item_t*> MapFind(const cbor_item_t* map, int64_t int_key);

// Values: nullopt when the item has another type (or an integer does not fit).
std::optional<int64_t> AsInt(const cbor_item_t* item);
std::optional<std::string> AsBytes(const cbor_item_t* item);
std::optional<std::string> AsText(const cbor_item_t* item);

}  // namespace atrium::webauthn
