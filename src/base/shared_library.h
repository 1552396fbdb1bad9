#pragma once
// A shared library loaded at run time (dlopen), for dependencies that only some configurations
// use (the PostgreSQL client, libcurl): they cost no memory until first needed. A library stays
// loaded for the life of the process.

#include <string>

#include "base/lazy.h"
#include "base/result.h"

namespace atrium {

class SharedLibrary {
 public:
  // Internal when the library cannot be loaded (not installed, or its dependencies missing).
  static Result<SharedLibrary> Open(const std::string& soname);

  // Points `fn` at the function `name` of the library; Internal when it has none.
  template <typename Fn>
  Status Bind(const char* name, Fn& fn) const {
    void* symbol = Find(name);
    if (symbol == nullptr) {
      return Error::Internal(soname_ + " has no function " + name);
    }
    // POSIX guarantees that a function's address from dlsym converts to its pointer type.
    fn = reinterpret_cast<Fn>(symbol);  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
    return OkStatus();
  }

 private:
  SharedLibrary(void* handle, std::string soname) : handle_(handle), soname_(std::move(soname)) {}
  void* Find(const char* name) const;

  void* handle_;
  std::string soname_;
};

// A library's table of functions (a struct of pointers bound with SharedLibrary::Bind), loaded
// by the first caller that needs it and shared by all after (thread-safe). Every caller sees the
// outcome of that one load; a failed load is not retried. Meant as a function-local static.
template <typename Table>
class LoadedOnce {
 public:
  using Load = Result<Table> (*)();
  explicit LoadedOnce(Load load) : loaded_(load) {}

  Result<const Table*> Get() const {
    const Result<Table>& loaded = loaded_.Get();
    if (!loaded.ok()) {
      return loaded.error();
    }
    return &*loaded;
  }

 private:
  Lazy<Result<Table>> loaded_;
};

}  // namespace atrium
