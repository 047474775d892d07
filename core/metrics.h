// MetricsRegistry: counters, gauges and histograms rendered in the Prometheus text exposition
// format (version 0.0.4). Thread-safe. Names carry the patbot_ prefix and a unit suffix
// (_total, _seconds, _days, _timestamp_seconds). Label values are escaped on render.
// Never put a secret in a label.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace patbot {

using Labels = std::vector<std::pair<std::string, std::string>>;

class MetricsRegistry {
 public:
  // Declares a family once (later calls with the same name are ignored). Using an undeclared
  // name declares it as untyped with empty help.
  void declareCounter(const std::string& name, const std::string& help);
  void declareGauge(const std::string& name, const std::string& help);
  void declareHistogram(const std::string& name, const std::string& help, std::vector<double> buckets);

  void inc(const std::string& name, const Labels& labels = {}, double by = 1.0);
  void set(const std::string& name, const Labels& labels, double value);
  void observe(const std::string& name, const Labels& labels, double value);
  // Drops every series of a gauge family (for per-token gauges rebuilt on each scan).
  void clear(const std::string& name);

  std::string render() const;

 private:
  enum class Type { kCounter, kGauge, kHistogram, kUntyped };
  struct Histogram {
    std::vector<double> counts;   // cumulative per bucket, plus +Inf last
    double sum = 0;
    double count = 0;
  };
  struct Family {
    Type type = Type::kUntyped;
    std::string help;
    std::vector<double> buckets;
    std::map<Labels, double> values;
    std::map<Labels, Histogram> histograms;
  };
  Family& family(const std::string& name, Type type);

  mutable std::mutex mutex_;
  std::map<std::string, Family> families_;
};

}  // namespace patbot
