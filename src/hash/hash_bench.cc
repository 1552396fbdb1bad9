// The hashing bound of the registration and sign-in benchmarks, measured the way the server
// hashes: the production parameters, the production allocation path (Hasher::Hash through the
// HashPool), one pool worker per core as the server starts it, every worker kept busy by more
// clients than workers, warmed up, and the median of several timed rounds. The bound is the
// pool's throughput under that load, in hashes per second: no request that hashes once can go
// faster. (Timing one hash on an idle machine and multiplying by the cores is not a bound: one
// idle-machine measurement can be slower or faster than the cores deliver together.)
// It also prints the pool workers' share of the machine's CPU during the timed rounds (the
// median round): bench/run.sh compares the server's hashing threads' share during a
// registration run with it, a figure that does not move with the machine's speed.
// Prints JSON.
//   atrium_hash_bench [rounds]   (default 7 rounds per algorithm)
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "hash/hasher.h"

namespace {

struct Figures {
  double per_second = 0;   // median over the rounds
  double ms_per_hash = 0;  // median latency of one hash inside the busy pool
  double single_ms = 0;    // median of single hashes on one otherwise idle thread
  double share = 0;        // median over the rounds of the workers' share of the machine's CPU
};

// CPU time so far in clock ticks: of this process's threads named atrium-hash (the pool's
// workers, named by the pool), and of the whole machine (every core, busy or idle).
struct Ticks {
  long long hashing = 0;
  long long machine = 0;
};

Ticks ReadTicks() {
  Ticks t;
  std::error_code ignored;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", ignored)) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    std::getline(comm, name);
    if (name != "atrium-hash") {
      continue;
    }
    std::ifstream stat(task.path() / "stat");
    std::string line;
    std::getline(stat, line);
    const auto after_name = line.rfind(')');  // fields 14 and 15 are utime and stime
    long long user = 0;
    long long system = 0;
    if (after_name != std::string::npos &&
        std::sscanf(line.c_str() + after_name + 1,
                    " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lld %lld", &user,
                    &system) == 2) {
      t.hashing += user + system;
    }
  }
  std::ifstream stat("/proc/stat");
  std::string cpu;
  stat >> cpu;  // "cpu": user nice system idle iowait irq softirq steal
  long long value = 0;
  for (int i = 0; i < 8 && stat >> value; ++i) {
    t.machine += value;
  }
  return t;
}

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
  std::vector<double> shares;
  std::atomic<bool> failed{false};
  for (int round = 0; round <= rounds; ++round) {
    std::atomic<int> left{per_round};
    std::vector<std::vector<double>> lat(static_cast<std::size_t>(workers) * 2);
    const Ticks before = ReadTicks();
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
    const Ticks after = ReadTicks();
    if (round == 0) {
      continue;  // warm-up
    }
    throughput.push_back(per_round / seconds);
    if (after.machine > before.machine) {
      shares.push_back(static_cast<double>(after.hashing - before.hashing) /
                       static_cast<double>(after.machine - before.machine));
    }
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
  f.share = shares.empty() ? 0 : Median(shares);
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
      "\"argon2id_ms_single\":%.2f,\"argon2id_share\":%.3f,\"bcrypt12_per_second\":%.2f,"
      "\"bcrypt12_ms_in_pool\":%.2f,\"bcrypt12_ms_single\":%.2f}\n",
      cores, a->per_second, a->ms_per_hash, a->single_ms, a->share, b->per_second, b->ms_per_hash,
      b->single_ms);
  return 0;
}
