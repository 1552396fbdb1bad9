#include "base/shared_library.h"

#include <dlfcn.h>

namespace atrium {

Result<SharedLibrary> SharedLibrary::Open(const std::string& soname) {
  void* handle = dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    return Error::Internal("cannot load " + soname + ": " +
                           (why != nullptr ? why : "unknown error"));
  }
  return SharedLibrary(handle, soname);
}

void* SharedLibrary::Find(const char* name) const { return dlsym(handle_, name); }

}  // namespace atrium
