#include "identity/identity.h"

#include "base/strings.h"
#include "base/time.h"

namespace atrium::identity {

std::string SchemaUrl(const std::string& public_base_url, const std::string& schema_id) {
  return public_base_url + "schemas/" + Base64UrlEncode(schema_id);
}

namespace {

Json IdentityJson(const Identity& i, const std::string& public_base_url, bool admin) {
  Json j;
  j["id"] = i.id;
  j["schema_id"] = i.schema_id;
  j["schema_url"] = SchemaUrl(public_base_url, i.schema_id);
  j["state"] = i.state;
  j["state_changed_at"] = FormatRfc3339(i.state_changed_at);
  j["traits"] = i.traits;
  if (!i.verifiable_addresses.empty()) {
    Json arr = Json::array();
    for (const auto& a : i.verifiable_addresses) {
      Json e;
      e["id"] = a.id;
      e["value"] = a.value;
      e["verified"] = a.verified;
      e["via"] = a.via;
      e["status"] = a.status;
      if (a.verified_at) {
        e["verified_at"] = FormatRfc3339(*a.verified_at);
      }
      e["created_at"] = FormatRfc3339(a.created_at);
      e["updated_at"] = FormatRfc3339(a.updated_at);
      arr.push_back(std::move(e));
    }
    j["verifiable_addresses"] = std::move(arr);
  }
  if (!i.recovery_addresses.empty()) {
    Json arr = Json::array();
    for (const auto& a : i.recovery_addresses) {
      Json e;
      e["id"] = a.id;
      e["value"] = a.value;
      e["via"] = a.via;
      e["created_at"] = FormatRfc3339(a.created_at);
      e["updated_at"] = FormatRfc3339(a.updated_at);
      arr.push_back(std::move(e));
    }
    j["recovery_addresses"] = std::move(arr);
  }
  j["metadata_public"] = i.metadata_public;
  if (admin) {
    j["metadata_admin"] = i.metadata_admin;
  }
  j["created_at"] = FormatRfc3339(i.created_at);
  j["updated_at"] = FormatRfc3339(i.updated_at);
  j["organization_id"] = i.organization_id ? Json(*i.organization_id) : Json();
  return j;
}

}  // namespace

Json Identity::ToPublicJson(const std::string& public_base_url) const {
  return IdentityJson(*this, public_base_url, false);
}

Json Identity::ToAdminJson(const std::string& public_base_url) const {
  return IdentityJson(*this, public_base_url, true);
}

}  // namespace atrium::identity
