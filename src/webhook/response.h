#pragma once
// What a web hook's answer means (docs/wire/registration.md §18.7), as pure functions over the
// body: Kratos' veto format and its identity changes. Bodies come from outside and are read with
// the bounded JSON parser only.

#include <string_view>
#include <vector>

#include "base/result.h"
#include "flow/form.h"
#include "identity/identity.h"

namespace atrium::webhook {

// The largest answer read from a hook (Kratos reads at most 5 MB).
inline constexpr std::size_t kMaxResponseBytes = std::size_t{5} << 20;

// {"messages":[{"instance_ptr":"#/traits/email","messages":[{"id","text","type","context"}]}]}
// as field messages: "#/traits/email" is node "traits.email", "#/" or "" the form itself; a
// message type other than "error" becomes "info". InvalidArgument for a body that is not that
// shape, or that holds no message at all.
Result<std::vector<flow::FieldMessage>> ParseVeto(std::string_view body);

// {"identity":{...}}: replaces the identity's traits, metadata_public and metadata_admin when
// present and not empty (Kratos' rule); no "identity" key changes nothing. InvalidArgument for a
// body that is not JSON or whose members have the wrong type.
Status ApplyChanges(std::string_view body, identity::Identity& identity);

}  // namespace atrium::webhook
