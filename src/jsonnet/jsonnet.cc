#include "jsonnet/jsonnet.h"

#include <memory>

extern "C" {
#include <libjsonnet.h>
}

#include "base/shared_library.h"

namespace atrium::jsonnet {
namespace {

constexpr std::size_t kMaxErrorBytes = 1024;

// libjsonnet, loaded by the first evaluation (dlopen): a configuration without Jsonnet (no web
// hook bodies, no claim mappers) never maps it.
struct Library {
  decltype(&::jsonnet_make) make = nullptr;
  decltype(&::jsonnet_destroy) destroy = nullptr;
  decltype(&::jsonnet_realloc) reallocate = nullptr;
  decltype(&::jsonnet_max_stack) max_stack = nullptr;
  decltype(&::jsonnet_max_trace) max_trace = nullptr;
  decltype(&::jsonnet_import_callback) import_callback = nullptr;
  decltype(&::jsonnet_ext_code) ext_code = nullptr;
  decltype(&::jsonnet_tla_code) tla_code = nullptr;
  decltype(&::jsonnet_evaluate_snippet) evaluate_snippet = nullptr;
};

Result<Library> Load() {
  ATRIUM_ASSIGN_OR_RETURN(const SharedLibrary so, SharedLibrary::Open("libjsonnet.so.0"));
  Library lib;
  ATRIUM_RETURN_IF_ERROR(so.Bind("jsonnet_make", lib.make));
  ATRIUM_RETURN_IF_ERROR(so.Bind("jsonnet_destroy", lib.destroy));
  ATRIUM_RETURN_IF_ERROR(so.Bind("jsonnet_realloc", lib.reallocate));
  ATRIUM_RETURN_IF_ERROR(so.Bind("jsonnet_max_stack", lib.max_stack));
  ATRIUM_RETURN_IF_ERROR(so.Bind("jsonnet_max_trace", lib.max_trace));
  ATRIUM_RETURN_IF_ERROR(so.Bind("jsonnet_import_callback", lib.import_callback));
  ATRIUM_RETURN_IF_ERROR(so.Bind("jsonnet_ext_code", lib.ext_code));
  ATRIUM_RETURN_IF_ERROR(so.Bind("jsonnet_tla_code", lib.tla_code));
  ATRIUM_RETURN_IF_ERROR(so.Bind("jsonnet_evaluate_snippet", lib.evaluate_snippet));
  return lib;
}

// Loads libjsonnet once for the process (thread-safe); later calls give the same outcome.
Result<const Library*> Loaded() {
  static LoadedOnce<Library> library(&Load);
  return library.Get();
}

// Only reached once Loaded() succeeded (a VM exists).
const Library& Lib() { return **Loaded(); }

struct VmDeleter {
  void operator()(JsonnetVm* vm) const { Lib().destroy(vm); }
};
using Vm = std::unique_ptr<JsonnetVm, VmDeleter>;

// A string libjsonnet allocated, handed back to it.
class Output {
 public:
  Output(JsonnetVm* vm, char* text) : vm_(vm), text_(text) {}
  ~Output() {
    if (text_ != nullptr) {
      Lib().reallocate(vm_, text_, 0);
    }
  }
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;
  std::string_view view() const { return text_ == nullptr ? "" : std::string_view(text_); }

 private:
  JsonnetVm* vm_;
  char* text_;
};

// Copies `s` into memory libjsonnet owns.
char* Allocate(JsonnetVm* vm, std::string_view s) {
  char* out = Lib().reallocate(vm, nullptr, s.size() + 1);
  s.copy(out, s.size());
  out[s.size()] = '\0';
  return out;
}

// Imports would read files (or whatever a path names) at evaluation time: refused.
char* RefuseImport(void* ctx, const char* /*base*/, const char* rel, char** /*found_here*/,
                   int* success) {
  *success = 0;
  return Allocate(static_cast<JsonnetVm*>(ctx),
                  "imports are not allowed (\"" + std::string(rel) + "\")");
}

}  // namespace

Result<Json> EvaluateSnippet(std::string_view name, std::string_view code, const Variables& vars,
                             const Limits& limits) {
  if (code.size() > limits.max_code_bytes) {
    return Error::InvalidArgument("jsonnet " + std::string(name) + ": the code is larger than " +
                                  std::to_string(limits.max_code_bytes) + " bytes");
  }
  if (code.find('\0') != std::string_view::npos) {
    return Error::InvalidArgument("jsonnet " + std::string(name) + ": the code holds a NUL byte");
  }
  // As text (JSON is Jsonnet; DumpJson escapes NUL), within the size limit.
  std::map<std::string, std::string> ext;
  std::map<std::string, std::string> tla;
  std::size_t total = 0;
  for (auto [from, to] : {std::pair{&vars.ext_code, &ext}, std::pair{&vars.tla_code, &tla}}) {
    for (const auto& [key, value] : *from) {
      std::string text = DumpJson(value);
      total += text.size();
      if (total > limits.max_vars_bytes) {
        return Error::InvalidArgument("jsonnet " + std::string(name) +
                                      ": the variables are larger than " +
                                      std::to_string(limits.max_vars_bytes) + " bytes");
      }
      to->emplace(key, std::move(text));
    }
  }
  ATRIUM_ASSIGN_OR_RETURN(const Library* lib, Loaded());
  Vm vm(lib->make());
  if (!vm) {
    return Error::Internal("jsonnet: cannot create a VM");
  }
  lib->max_stack(vm.get(), limits.max_stack);
  lib->max_trace(vm.get(), 4);
  lib->import_callback(vm.get(), &RefuseImport, vm.get());
  for (const auto& [key, text] : ext) {
    lib->ext_code(vm.get(), key.c_str(), text.c_str());
  }
  for (const auto& [key, text] : tla) {
    lib->tla_code(vm.get(), key.c_str(), text.c_str());
  }
  int failed = 0;
  const std::string snippet(code);
  const Output out(vm.get(), lib->evaluate_snippet(vm.get(), std::string(name).c_str(),
                                                   snippet.c_str(), &failed));
  if (failed != 0) {
    std::string why(out.view().substr(0, kMaxErrorBytes));
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) {
      why.pop_back();
    }
    return Error::Unprocessable("jsonnet " + std::string(name) + ": " + why);
  }
  auto parsed = ParseJson(out.view(), limits.output);
  if (!parsed.ok()) {
    return Error::Unprocessable("jsonnet " + std::string(name) +
                                ": the output: " + parsed.error().reason);
  }
  return std::move(parsed).value();
}

}  // namespace atrium::jsonnet
