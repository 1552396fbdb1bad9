#include "identity/identity.h"

#include "base/strings.h"
#include "base/time.h"

namespace atrium::identity {

std::string SchemaUrl(const std::string& public_base_url, const std::string& schema_id) {
  return public_base_url + "schemas/" + Base64UrlEncode(schema_id);
}

Json Identity::ToPublicJson(const std::string& public_base_url) const {
  Json j;
  j["id"] = id;
  j["schema_id"] = schema_id;
  j["schema_url"] = SchemaUrl(public_base_url, schema_id);
  j["state"] = state;
  j["state_changed_at"] = FormatRfc3339(state_changed_at);
  j["traits"] = traits;
  if (!verifiable_addresses.empty()) {
    Json arr = Json::array();
    for (const auto& a : verifiable_addresses) {
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
  if (!recovery_addresses.empty()) {
    Json arr = Json::array();
    for (const auto& a : recovery_addresses) {
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
  j["metadata_public"] = metadata_public;
  j["created_at"] = FormatRfc3339(created_at);
  j["updated_at"] = FormatRfc3339(updated_at);
  j["organization_id"] = organization_id ? Json(*organization_id) : Json();
  return j;
}

}  // namespace atrium::identity
