#pragma once
// The command line: `atrium serve [-c FILE] [--dev]`, `atrium migrate [-c FILE]`, `atrium version`.

namespace atrium::cli {

int Run(int argc, char** argv);

}  // namespace atrium::cli
