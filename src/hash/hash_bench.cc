// Times single hashes with the production parameters: the "hashing bound" of the registration
// benchmark (cores / time of one hash). Prints JSON.
//   atrium_hash_bench [N]   (default 20 hashes per algorithm)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <vector>

#include "hash/hasher.h"

namespace {

// The median time of n hashes, or nothing when one failed (reported on stderr).
std::optional<double> MedianMs(const atrium::hash::Hasher& hasher, int n) {
  std::vector<double> ms;
  for (int i = 0; i < n; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const auto hashed = hasher.Hash("l3f9toh1uaf81n21-bench");
    const auto end = std::chrono::steady_clock::now();
    if (!hashed.ok()) {
      std::fprintf(stderr, "hash failed: %s\n", hashed.error().reason.c_str());
      return std::nullopt;
    }
    ms.push_back(std::chrono::duration<double, std::milli>(end - start).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::max(1, std::atoi(argv[1])) : 20;
  const atrium::hash::Argon2idHasher argon2{atrium::hash::Argon2Params{}};
  const atrium::hash::BcryptHasher bcrypt(12);
  const std::optional<double> a = MedianMs(argon2, n);
  const std::optional<double> b = MedianMs(bcrypt, n);
  if (!a || !b) {
    return 1;
  }
  std::printf("{\"argon2id_ms_median\":%.2f,\"bcrypt12_ms_median\":%.2f}\n", *a, *b);
  return 0;
}
