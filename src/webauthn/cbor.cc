#include "webauthn/cbor.h"

#include <vector>

#include "base/strings.h"

namespace atrium::webauthn {
namespace {

Error Malformed(std::string_view why) {
  return Error::InvalidArgument("malformed CBOR: " + std::string(why));
}

}  // namespace

Result<std::size_t> FirstItemLength(std::string_view data, const CborLimits& limits) {
  if (data.size() > limits.max_bytes) {
    return Malformed("too large");
  }
  const auto* p = reinterpret_cast<const uint8_t*>(data.data());
  const std::size_t n = data.size();
  std::size_t pos = 0;
  std::size_t items = 0;
  // Items still expected by each open container, innermost last.
  std::vector<uint64_t> open;
  do {
    if (++items > limits.max_items) {
      return Malformed("too many items");
    }
    if (pos >= n) {
      return Malformed("truncated");
    }
    const uint8_t initial = p[pos++];
    const uint8_t major = initial >> 5;
    const uint8_t info = initial & 0x1f;
    uint64_t arg = info;
    if (info >= 24 && info <= 27) {
      const std::size_t size = std::size_t{1} << (info - 24);
      if (n - pos < size) {
        return Malformed("truncated");
      }
      arg = 0;
      for (std::size_t i = 0; i < size; ++i) {
        arg = (arg << 8) | p[pos++];
      }
    } else if (info > 27) {
      return Malformed(info == 31 ? "indefinite length" : "reserved additional information");
    }
    const std::size_t remaining = n - pos;
    uint64_t children = 0;
    switch (major) {
      case 0:
      case 1:
        break;
      case 2:
      case 3:
        if (arg > remaining) {
          return Malformed("truncated string");
        }
        if (major == 3 && !IsValidUtf8(data.substr(pos, static_cast<std::size_t>(arg)))) {
          return Malformed("text is not UTF-8");
        }
        pos += static_cast<std::size_t>(arg);
        break;
      case 4:
        if (arg > remaining) {
          return Malformed("array longer than the input");
        }
        children = arg;
        break;
      case 5:
        if (arg > remaining / 2) {
          return Malformed("map longer than the input");
        }
        children = arg * 2;
        break;
      case 6:
        return Malformed("tags are not accepted");
      default:  // 7: only false, true and null (WebAuthn needs no floats)
        if (info < 20 || info > 22) {
          return Malformed("unsupported simple value or float");
        }
        break;
    }
    if (children > 0) {
      if (open.size() >= limits.max_depth) {
        return Malformed("nested too deeply");
      }
      open.push_back(children);
      continue;
    }
    // The item is complete: it completes its container, maybe several.
    while (!open.empty() && --open.back() == 0) {
      open.pop_back();
    }
  } while (!open.empty());
  return pos;
}

void CborFree::operator()(cbor_item_t* item) const { cbor_decref(&item); }

Result<CborItem> LoadCbor(std::string_view data, bool whole, std::size_t* consumed,
                          const CborLimits& limits) {
  ATRIUM_ASSIGN_OR_RETURN(const std::size_t length, FirstItemLength(data, limits));
  if (whole && length != data.size()) {
    return Malformed("trailing bytes");
  }
  cbor_load_result result{};
  CborItem item(cbor_load(reinterpret_cast<cbor_data>(data.data()), length, &result));
  if (!item || result.error.code != CBOR_ERR_NONE || result.read != length) {
    return Malformed("undecodable");
  }
  if (consumed != nullptr) {
    *consumed = length;
  }
  return item;
}

namespace {

template <typename Match>
Result<const cbor_item_t*> Find(const cbor_item_t* map, Match match) {
  if (map == nullptr || !cbor_isa_map(map) || !cbor_map_is_definite(map)) {
    return Malformed("a map was expected");
  }
  const cbor_pair* pairs = cbor_map_handle(map);
  const cbor_item_t* found = nullptr;
  for (std::size_t i = 0; i < cbor_map_size(map); ++i) {
    if (match(pairs[i].key)) {
      if (found != nullptr) {
        return Malformed("duplicate map key");
      }
      found = pairs[i].value;
    }
  }
  return found;
}

}  // namespace

Result<const cbor_item_t*> MapFind(const cbor_item_t* map, std::string_view text_key) {
  return Find(map, [&](const cbor_item_t* key) { return AsText(key) == text_key; });
}

Result<const cbor_item_t*> MapFind(const cbor_item_t* map, int64_t int_key) {
  return Find(map, [&](const cbor_item_t* key) { return AsInt(key) == int_key; });
}

std::optional<int64_t> AsInt(const cbor_item_t* item) {
  if (item == nullptr || !cbor_is_int(item)) {
    return std::nullopt;
  }
  const uint64_t v = cbor_get_int(item);
  if (v > static_cast<uint64_t>(INT64_MAX)) {
    return std::nullopt;
  }
  const auto s = static_cast<int64_t>(v);
  return cbor_isa_uint(item) ? s : -1 - s;
}

std::optional<std::string> AsBytes(const cbor_item_t* item) {
  if (item == nullptr || !cbor_isa_bytestring(item) || !cbor_bytestring_is_definite(item)) {
    return std::nullopt;
  }
  const std::size_t n = cbor_bytestring_length(item);
  return n == 0 ? std::string()
                : std::string(reinterpret_cast<const char*>(cbor_bytestring_handle(item)), n);
}

std::optional<std::string> AsText(const cbor_item_t* item) {
  if (item == nullptr || !cbor_isa_string(item) || !cbor_string_is_definite(item)) {
    return std::nullopt;
  }
  const std::size_t n = cbor_string_length(item);
  return n == 0 ? std::string()
                : std::string(reinterpret_cast<const char*>(cbor_string_handle(item)), n);
}

}  // namespace atrium::webauthn
