#include "metrics/registry.h"

#include <unistd.h>

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <sys/resource.h>

#include "base/check.h"

namespace atrium::metrics {
namespace {

constexpr std::array<double, 11> kDefaultBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                    0.5,   1,    2.5,   5,    10};

std::string EscapeHelp(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (const char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// {a="x",b="y"} plus an optional extra pair (the histogram's `le`); "" when there is none.
void AppendLabels(std::string& out, const std::vector<std::string>& names,
                  const std::vector<std::string>& values, std::string_view extra_name = {},
                  std::string_view extra_value = {}) {
  if (names.empty() && extra_name.empty()) {
    return;
  }
  out += '{';
  bool first = true;
  for (std::size_t i = 0; i < names.size(); ++i) {
    out += first ? "" : ",";
    first = false;
    out += names[i];
    out += "=\"";
    out += EscapeLabelValue(values[i]);
    out += '"';
  }
  if (!extra_name.empty()) {
    out += first ? "" : ",";
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
}

// The fields of /proc/self/stat after the command name (which may hold spaces).
std::vector<std::string> ProcStatFields() {
  std::ifstream in("/proc/self/stat");
  std::string line;
  std::getline(in, line);
  const std::size_t close = line.rfind(')');
  std::vector<std::string> fields;
  if (close == std::string::npos) {
    return fields;
  }
  std::istringstream rest(line.substr(close + 1));
  std::string field;
  while (rest >> field) {
    fields.push_back(field);
  }
  return fields;
}

double FieldAsDouble(const std::vector<std::string>& fields, std::size_t index) {
  if (index >= fields.size()) {
    return 0;
  }
  double value = 0;
  const std::string& f = fields[index];
  std::from_chars(f.data(), f.data() + f.size(), value);
  return value;
}

double BootTimeSeconds() {
  std::ifstream in("/proc/stat");
  std::string key;
  double value = 0;
  while (in >> key) {
    if (key == "btime") {
      in >> value;
      return value;
    }
    in.ignore(1 << 16, '\n');
  }
  return 0;
}

// Indexes into ProcStatFields() (the stat fields of proc(5) minus the first two).
constexpr std::size_t kUtime = 11;
constexpr std::size_t kStime = 12;
constexpr std::size_t kStartTime = 19;
constexpr std::size_t kVsize = 20;
constexpr std::size_t kRss = 21;

}  // namespace

Histogram::Histogram(std::span<const double> bounds)
    : bounds_(bounds.begin(), bounds.end()),
      buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds.size() + 1)) {
  for (std::size_t i = 1; i < bounds_.size(); ++i) {
    ATRIUM_CHECK(bounds_[i - 1] < bounds_[i], "histogram bounds must ascend");
  }
}

void Histogram::Observe(double value) {
  std::size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) {
    ++i;
  }
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::Read() const {
  Snapshot s;
  s.cumulative.reserve(bounds_.size() + 1);
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(running);
  }
  s.count = running;
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

std::span<const double> DefaultSecondsBuckets() { return kDefaultBuckets; }

template <typename T>
T& Family<T>::With(const std::vector<std::string>& values) {
  ATRIUM_CHECK(values.size() == label_names_.size(), "one value per label name");
  const std::lock_guard lock(mu_);
  auto [it, inserted] = children_.try_emplace(values);
  if (inserted) {
    it->second = make_();
  }
  return *it->second;
}

template <typename T>
void Family<T>::ForEach(
    const std::function<void(const std::vector<std::string>&, const T&)>& visit) const {
  const std::lock_guard lock(mu_);
  for (const auto& [values, child] : children_) {
    visit(values, *child);
  }
}

template class Family<Counter>;
template class Family<Histogram>;

Registry::Entry& Registry::Add(std::string name, std::string help, std::string type) {
  for (const auto& e : entries_) {
    ATRIUM_CHECK(e->name != name, "metric names are unique");
  }
  auto entry = std::make_unique<Entry>();
  entry->name = std::move(name);
  entry->help = std::move(help);
  entry->type = std::move(type);
  entries_.push_back(std::move(entry));
  return *entries_.back();
}

Family<Counter>& Registry::AddCounter(std::string name, std::string help,
                                      std::vector<std::string> label_names) {
  Entry& e = Add(std::move(name), std::move(help), "counter");
  e.counters = std::make_unique<Family<Counter>>(std::move(label_names),
                                                 [] { return std::make_unique<Counter>(); });
  return *e.counters;
}

Family<Histogram>& Registry::AddHistogram(std::string name, std::string help,
                                          std::vector<std::string> label_names,
                                          std::span<const double> bounds) {
  Entry& e = Add(std::move(name), std::move(help), "histogram");
  std::vector<double> copy(bounds.begin(), bounds.end());
  e.histograms = std::make_unique<Family<Histogram>>(
      std::move(label_names),
      [copy = std::move(copy)] { return std::make_unique<Histogram>(copy); });
  return *e.histograms;
}

void Registry::AddCallback(std::string name, std::string help, std::string type,
                           std::function<std::vector<Sample>()> read) {
  ATRIUM_CHECK(type == "gauge" || type == "counter", "callback metrics are gauges or counters");
  Add(std::move(name), std::move(help), std::move(type)).read = std::move(read);
}

void Registry::AddGauge(std::string name, std::string help, std::function<double()> read) {
  AddCallback(std::move(name), std::move(help), "gauge", [read = std::move(read)] {
    return std::vector<Sample>{{{}, read()}};
  });
}

std::string Registry::Render() const {
  std::string out;
  for (const auto& e : entries_) {
    std::string body;
    if (e->counters) {
      e->counters->ForEach([&](const std::vector<std::string>& values, const Counter& c) {
        body += e->name;
        AppendLabels(body, e->counters->LabelNames(), values);
        body += ' ';
        body += std::to_string(c.Value());
        body += '\n';
      });
    } else if (e->histograms) {
      const auto& names = e->histograms->LabelNames();
      e->histograms->ForEach([&](const std::vector<std::string>& values, const Histogram& h) {
        const Histogram::Snapshot s = h.Read();
        const auto bounds = h.Bounds();
        for (std::size_t i = 0; i < s.cumulative.size(); ++i) {
          body += e->name;
          body += "_bucket";
          AppendLabels(body, names, values, "le",
                       i < bounds.size() ? FormatValue(bounds[i]) : "+Inf");
          body += ' ';
          body += std::to_string(s.cumulative[i]);
          body += '\n';
        }
        body += e->name + "_sum";
        AppendLabels(body, names, values);
        body += ' ' + FormatValue(s.sum) + '\n';
        body += e->name + "_count";
        AppendLabels(body, names, values);
        body += ' ' + std::to_string(s.count) + '\n';
      });
    } else {
      for (const Sample& sample : e->read()) {
        std::vector<std::string> names;
        std::vector<std::string> values;
        for (const auto& [n, v] : sample.labels) {
          names.push_back(n);
          values.push_back(v);
        }
        body += e->name;
        AppendLabels(body, names, values);
        body += ' ' + FormatValue(sample.value) + '\n';
      }
    }
    out += "# HELP " + e->name + ' ' + EscapeHelp(e->help) + '\n';
    out += "# TYPE " + e->name + ' ' + e->type + '\n';
    out += body;
  }
  return out;
}

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string FormatValue(double value) {
  if (std::isnan(value)) {
    return "NaN";
  }
  if (std::isinf(value)) {
    return value > 0 ? "+Inf" : "-Inf";
  }
  std::array<char, 32> buf{};
  const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), value);
  return ec == std::errc() ? std::string(buf.data(), end) : "NaN";
}

void AddProcessMetrics(Registry& registry) {
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  const double boot = BootTimeSeconds();
  registry.AddCallback("process_cpu_seconds_total",
                       "Total user and system CPU time spent in seconds.", "counter", [ticks] {
                         const auto f = ProcStatFields();
                         return std::vector<Sample>{
                             {{}, (FieldAsDouble(f, kUtime) + FieldAsDouble(f, kStime)) / ticks}};
                       });
  registry.AddGauge("process_open_fds", "Number of open file descriptors.", [] {
    std::error_code ec;
    double n = 0;
    for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
         it.increment(ec)) {
      ++n;
    }
    return n;
  });
  registry.AddGauge("process_max_fds", "Maximum number of open file descriptors.", [] {
    rlimit limit{};
    return getrlimit(RLIMIT_NOFILE, &limit) == 0 ? static_cast<double>(limit.rlim_cur) : 0.0;
  });
  registry.AddGauge("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                    [] { return FieldAsDouble(ProcStatFields(), kVsize); });
  registry.AddGauge("process_resident_memory_bytes", "Resident memory size in bytes.",
                    [page] { return FieldAsDouble(ProcStatFields(), kRss) * page; });
  const double start = boot + FieldAsDouble(ProcStatFields(), kStartTime) / ticks;
  registry.AddGauge("process_start_time_seconds",
                    "Start time of the process since unix epoch in seconds.",
                    [start] { return start; });
}

}  // namespace atrium::metrics
