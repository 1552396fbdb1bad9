// The hashing bound of the registration and sign-in benchmarks, measured the way the server
// hashes: the production parameters, the production allocation path (Hasher::Hash through the
// HashPool), one pool worker per core as the server starts it, every worker kept busy by more
// clients than workers, warmed up, and the median of several timed rounds. The bound is the
// pool's throughput under that load, in hashes per second: no request that hashes once can go
// faster. (Timing one hash on an idle machine and multiplying by the cores is not a bound: one
// idle-machine measurement can be slower or faster than the cores deliver together.)
// Prints JSON.
//   atrium_hash_bench [rounds]   (default 7 rounds per algorithm)
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <thread>
#include <vector>

#include "hash/hasher.h"

namespace {

struct Figures {
  double per_second = 0;   // median over the rounds
  double ms_per_hash = 0;  // median latency of one hash inside the busy pool
  double single_ms = 0;    // median of single hashes on one otherwise idle thread
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double Ms(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

// `rounds` rounds of `per_round` hashes through a pool of `workers` threads, fed by twice as
// many client threads; one extra round first to warm up (page faults, CPU frequency).
std::optional<Figures> Measure(const atrium::hash::Hasher& hasher, int workers, int rounds,
                               int per_round) {
  Figures f;
  std::vector<double> single;
  for (int i = 0; i < 5; ++i) {
    const auto start = std::chrono::steady_clock::now();
    if (!hasher.Hash("l3f9toh1uaf81n21-bench").ok()) {
      return std::nullopt;
    }
    single.push_back(Ms(std::chrono::steady_clock::now() - start));
  }
  f.single_ms = Median(single);

  atrium::hash::HashPool pool(hasher, workers, 1024);
  std::vector<double> throughput;
  std::vector<double> latency;
  std::atomic<bool> failed{false};
  for (int round = 0; round <= rounds; ++round) {
    std::atomic<int> left{per_round};
    std::vector<std::vector<double>> lat(static_cast<std::size_t>(workers) * 2);
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> clients;
    clients.reserve(lat.size());
    for (auto& mine : lat) {
      clients.emplace_back([&] {
        while (left.fetch_sub(1) > 0) {
          const auto t0 = std::chrono::steady_clock::now();
          if (!pool.Hash("l3f9toh1uaf81n21-bench").ok()) {
            failed = true;
          }
          mine.push_back(Ms(std::chrono::steady_clock::now() - t0));
        }
      });
    }
    for (auto& c : clients) {
      c.join();
    }
    const double seconds = Ms(std::chrono::steady_clock::now() - start) / 1000;
    if (round == 0) {
      continue;  // warm-up
    }
    throughput.push_back(per_round / seconds);
    for (auto& mine : lat) {
      latency.insert(latency.end(), mine.begin(), mine.end());
    }
  }
  if (failed) {
    return std::nullopt;
  }
  f.per_second = Median(throughput);
  // Clients queue for the workers: a hash's own time is the latency divided by the queue depth
  // (2 clients per worker).
  f.ms_per_hash = Median(latency) / 2;
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 7;
  const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  const atrium::hash::Argon2idHasher argon2{atrium::hash::Argon2Params{}};
  const atrium::hash::BcryptHasher bcrypt(12);
  const auto a = Measure(argon2, cores, rounds, 40 * cores);
  const auto b = Measure(bcrypt, cores, std::max(1, rounds / 2), 4 * cores);
  if (!a || !b) {
    std::fprintf(stderr, "hashing failed\n");
    return 1;
  }
  std::printf(
      "{\"workers\":%d,\"argon2id_per_second\":%.1f,\"argon2id_ms_in_pool\":%.2f,"
      "\"argon2id_ms_single\":%.2f,\"bcrypt12_per_second\":%.2f,\"bcrypt12_ms_in_pool\":%.2f,"
      "\"bcrypt12_ms_single\":%.2f}\n",
      cores, a->per_second, a->ms_per_hash, a->single_ms, b->per_second, b->ms_per_hash,
      b->single_ms);
  return 0;
}
