#pragma once
// libcurl, loaded when it is first needed instead of at start (dlopen): a server that never calls
// out maps neither it nor the two dozen libraries it pulls in (GnuTLS, Kerberos, LDAP, SSH2, ...),
// about 4 MiB of resident memory. Private to this module (curl_client.cc and smtp.cc).

#include <curl/curl.h>

#include "base/result.h"

namespace atrium::httpclient {

// The functions of libcurl this module calls.
struct CurlLibrary {
  decltype(&::curl_global_init) global_init = nullptr;
  decltype(&::curl_version_info) version_info = nullptr;
  decltype(&::curl_easy_init) easy_init = nullptr;
  decltype(&::curl_easy_setopt) easy_setopt = nullptr;
  decltype(&::curl_easy_perform) easy_perform = nullptr;
  decltype(&::curl_easy_getinfo) easy_getinfo = nullptr;
  decltype(&::curl_easy_reset) easy_reset = nullptr;
  decltype(&::curl_easy_cleanup) easy_cleanup = nullptr;
  decltype(&::curl_easy_strerror) easy_strerror = nullptr;
  decltype(&::curl_share_init) share_init = nullptr;
  decltype(&::curl_share_setopt) share_setopt = nullptr;
  decltype(&::curl_share_cleanup) share_cleanup = nullptr;
  decltype(&::curl_slist_append) slist_append = nullptr;
  decltype(&::curl_slist_free_all) slist_free_all = nullptr;
};

// Loads libcurl and runs curl_global_init, once for the process (thread-safe: nothing can use
// libcurl before this returned it); every later call gives the same outcome. The library stays
// loaded. Internal when libcurl cannot be loaded, lacks a function, was built without a
// thread-safe curl_global_init (before 7.84: other threads of the process run meanwhile), or
// fails to initialise.
Result<const CurlLibrary*> LoadCurl();

}  // namespace atrium::httpclient
