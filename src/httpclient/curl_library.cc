#include "httpclient/curl_library.h"

#include <string>

#include "base/shared_library.h"

namespace atrium::httpclient {
namespace {

// The soname of libcurl's ABI since 7.16 (Debian's libcurl4, the library CMake found).
constexpr const char* kSoname = "libcurl.so.4";

Result<CurlLibrary> Load() {
  ATRIUM_ASSIGN_OR_RETURN(const SharedLibrary so, SharedLibrary::Open(kSoname));
  CurlLibrary lib;
  ATRIUM_RETURN_IF_ERROR(so.Bind("curl_global_init", lib.global_init));
  ATRIUM_RETURN_IF_ERROR(so.Bind("curl_version_info", lib.version_info));
  ATRIUM_RETURN_IF_ERROR(so.Bind("curl_easy_init", lib.easy_init));
  ATRIUM_RETURN_IF_ERROR(so.Bind("curl_easy_setopt", lib.easy_setopt));
  ATRIUM_RETURN_IF_ERROR(so.Bind("curl_easy_perform", lib.easy_perform));
  ATRIUM_RETURN_IF_ERROR(so.Bind("curl_easy_getinfo", lib.easy_getinfo));
  ATRIUM_RETURN_IF_ERROR(so.Bind("curl_easy_reset", lib.easy_reset));
  ATRIUM_RETURN_IF_ERROR(so.Bind("curl_easy_cleanup", lib.easy_cleanup));
  ATRIUM_RETURN_IF_ERROR(so.Bind("curl_easy_strerror", lib.easy_strerror));
  ATRIUM_RETURN_IF_ERROR(so.Bind("curl_share_init", lib.share_init));
  ATRIUM_RETURN_IF_ERROR(so.Bind("curl_share_setopt", lib.share_setopt));
  ATRIUM_RETURN_IF_ERROR(so.Bind("curl_share_cleanup", lib.share_cleanup));
  ATRIUM_RETURN_IF_ERROR(so.Bind("curl_slist_append", lib.slist_append));
  ATRIUM_RETURN_IF_ERROR(so.Bind("curl_slist_free_all", lib.slist_free_all));
  const curl_version_info_data* version = lib.version_info(CURLVERSION_NOW);
  if (version == nullptr || (version->features & CURL_VERSION_THREADSAFE) == 0) {
    return Error::Internal(std::string(kSoname) +
                           " is older than 7.84: its initialisation is not thread-safe");
  }
  if (const CURLcode rc = lib.global_init(CURL_GLOBAL_DEFAULT); rc != CURLE_OK) {
    return Error::Internal(std::string("curl_global_init failed: ") + lib.easy_strerror(rc));
  }
  return lib;
}

}  // namespace

Result<const CurlLibrary*> LoadCurl() {
  static LoadedOnce<CurlLibrary> curl(&Load);
  return curl.Get();
}

}  // namespace atrium::httpclient
