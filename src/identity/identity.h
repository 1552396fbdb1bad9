#pragma once
// The identity aggregate: traits, credentials and addresses (docs/wire/registration.md §20.1).

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/json.h"

namespace atrium::identity {

struct VerifiableAddress {
  std::string id;
  std::string value;
  bool verified = false;
  std::string via = "email";
  std::string status = "pending";
  std::optional<Timestamp> verified_at;
  Timestamp created_at;
  Timestamp updated_at;
};

struct RecoveryAddress {
  std::string id;
  std::string value;
  std::string via = "email";
  Timestamp created_at;
  Timestamp updated_at;
};

struct Credential {
  std::string type;  // "password", "code", "webauthn", ...
  std::vector<std::string> identifiers;
  Json config = Json::object();  // e.g. {"hashed_password": "..."}; never leaves the server
  int version = 0;
};

struct Identity {
  std::string id;
  std::string schema_id;
  std::string state = "active";
  Timestamp state_changed_at;
  Json traits = Json::object();
  std::vector<VerifiableAddress> verifiable_addresses;
  std::vector<RecoveryAddress> recovery_addresses;
  std::map<std::string, Credential> credentials;  // by type
  Json metadata_public;                           // null when unset
  Json metadata_admin;
  Timestamp created_at;
  Timestamp updated_at;
  std::optional<std::string> organization_id;

  // The public JSON form (no credentials, no admin metadata), in Kratos' key order.
  Json ToPublicJson(const std::string& public_base_url) const;
};

// "<public base URL>schemas/<base64url(schema id)>".
std::string SchemaUrl(const std::string& public_base_url, const std::string& schema_id);

}  // namespace atrium::identity
