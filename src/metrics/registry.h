#pragma once
// Prometheus metrics without a library: counters, histograms with fixed buckets, gauges read at
// scrape time, label sets, and the text exposition format 0.0.4. Updates are relaxed atomic
// increments on a child found once per label set; rendering happens only on a scrape.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace atrium::metrics {

// A monotonically increasing count. Thread-safe, lock-free.
class Counter final {
 public:
  void Inc(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

// Observations counted into fixed buckets (upper bounds, ascending; +Inf is implicit). Each
// observation lands in exactly one bucket; the cumulative counts Prometheus wants are summed on
// read, so `count` always equals the +Inf bucket. Thread-safe, lock-free.
class Histogram final {
 public:
  explicit Histogram(std::span<const double> bounds);
  void Observe(double value);

  struct Snapshot {
    std::vector<std::uint64_t> cumulative;  // one per bound, then +Inf
    std::uint64_t count = 0;
    double sum = 0;
  };
  Snapshot Read() const;
  std::span<const double> Bounds() const { return bounds_; }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // bounds_.size() + 1
  std::atomic<double> sum_{0};
};

// Prometheus' default buckets (seconds), as client_golang's DefBuckets.
std::span<const double> DefaultSecondsBuckets();

// A metric with label names; one child per distinct label values, created on first use and
// never removed (so references stay valid). Children are found under a mutex: callers on a hot
// path keep the reference (or cache it per thread) instead of looking it up per event.
template <typename T>
class Family final {
 public:
  Family(std::vector<std::string> label_names, std::function<std::unique_ptr<T>()> make)
      : label_names_(std::move(label_names)), make_(std::move(make)) {}
  // `values` must have one entry per label name (checked).
  T& With(const std::vector<std::string>& values);
  const std::vector<std::string>& LabelNames() const { return label_names_; }
  // Calls `visit(values, child)` for every child, in label order.
  void ForEach(const std::function<void(const std::vector<std::string>&, const T&)>& visit) const;

 private:
  std::vector<std::string> label_names_;
  std::function<std::unique_ptr<T>()> make_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<T>> children_;
};

// Label name/value pairs of one sample.
using Labels = std::vector<std::pair<std::string, std::string>>;

// One metric family's samples at scrape time, for values owned elsewhere (pool sizes, queue
// lengths, process figures).
struct Sample {
  Labels labels;
  double value = 0;
};

// Every metric of a process, rendered on demand. Registration happens at start (not
// thread-safe against a concurrent Render); updates and Render are thread-safe.
class Registry final {
 public:
  Family<Counter>& AddCounter(std::string name, std::string help,
                              std::vector<std::string> label_names);
  Family<Histogram>& AddHistogram(std::string name, std::string help,
                                  std::vector<std::string> label_names,
                                  std::span<const double> bounds);
  // A gauge or counter whose samples are read by `read` at scrape time. `type` is "gauge" or
  // "counter".
  void AddCallback(std::string name, std::string help, std::string type,
                   std::function<std::vector<Sample>()> read);
  // Shorthand: one unlabelled gauge.
  void AddGauge(std::string name, std::string help, std::function<double()> read);

  // The text exposition format, version 0.0.4, families in registration order.
  std::string Render() const;

 private:
  struct Entry {
    std::string name;
    std::string help;
    std::string type;
    std::unique_ptr<Family<Counter>> counters;
    std::unique_ptr<Family<Histogram>> histograms;
    std::function<std::vector<Sample>()> read;
  };
  Entry& Add(std::string name, std::string help, std::string type);
  std::vector<std::unique_ptr<Entry>> entries_;
};

// The Content-Type of Render()'s output.
inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

// Escapes a label value for the text format (backslash, double quote, line feed).
std::string EscapeLabelValue(std::string_view value);
// Formats a sample value as Go's client does ("+Inf", "-Inf", "NaN", shortest round trip).
std::string FormatValue(double value);

// process_* metrics as Go's client reports them on Linux (resident and virtual memory, open and
// maximum descriptors, CPU seconds, start time), read from /proc at scrape time.
void AddProcessMetrics(Registry& registry);

}  // namespace atrium::metrics
