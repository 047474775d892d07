#include "core/metrics.h"

#include <cmath>
#include <sstream>

namespace patbot {
namespace {

std::string escapeLabel(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string escapeHelp(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string formatValue(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  std::ostringstream s;
  s.precision(15);
  s << v;
  return s.str();
}

std::string labelText(const Labels& labels, const std::string& extraName = {},
                      const std::string& extraValue = {}) {
  if (labels.empty() && extraName.empty()) return "";
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ',';
    first = false;
    out += k + "=\"" + escapeLabel(v) + "\"";
  }
  if (!extraName.empty()) {
    if (!first) out += ',';
    out += extraName + "=\"" + extraValue + "\"";
  }
  return out + "}";
}

}  // namespace

MetricsRegistry::Family& MetricsRegistry::family(const std::string& name, Type type) {
  auto [it, inserted] = families_.try_emplace(name);
  if (inserted) it->second.type = type;
  return it->second;
}

void MetricsRegistry::declareCounter(const std::string& name, const std::string& help) {
  std::lock_guard lock(mutex_);
  auto& f = family(name, Type::kCounter);
  if (f.help.empty()) f.help = help;
}

void MetricsRegistry::declareGauge(const std::string& name, const std::string& help) {
  std::lock_guard lock(mutex_);
  auto& f = family(name, Type::kGauge);
  if (f.help.empty()) f.help = help;
}

void MetricsRegistry::declareHistogram(const std::string& name, const std::string& help,
                                       std::vector<double> buckets) {
  std::lock_guard lock(mutex_);
  auto& f = family(name, Type::kHistogram);
  if (f.help.empty()) f.help = help;
  if (f.buckets.empty()) f.buckets = std::move(buckets);
}

void MetricsRegistry::inc(const std::string& name, const Labels& labels, double by) {
  std::lock_guard lock(mutex_);
  family(name, Type::kUntyped).values[labels] += by;
}

void MetricsRegistry::set(const std::string& name, const Labels& labels, double value) {
  std::lock_guard lock(mutex_);
  family(name, Type::kUntyped).values[labels] = value;
}

void MetricsRegistry::observe(const std::string& name, const Labels& labels, double value) {
  std::lock_guard lock(mutex_);
  auto& f = family(name, Type::kHistogram);
  auto& h = f.histograms[labels];
  if (h.counts.empty()) h.counts.assign(f.buckets.size() + 1, 0);
  for (size_t i = 0; i < f.buckets.size(); ++i) {
    if (value <= f.buckets[i]) h.counts[i] += 1;
  }
  h.counts.back() += 1;
  h.sum += value;
  h.count += 1;
}

void MetricsRegistry::clear(const std::string& name) {
  std::lock_guard lock(mutex_);
  auto it = families_.find(name);
  if (it != families_.end()) {
    it->second.values.clear();
    it->second.histograms.clear();
  }
}

std::string MetricsRegistry::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& [name, f] : families_) {
    const char* type = f.type == Type::kCounter ? "counter"
                       : f.type == Type::kGauge ? "gauge"
                       : f.type == Type::kHistogram ? "histogram" : "untyped";
    if (!f.help.empty()) out += "# HELP " + name + " " + escapeHelp(f.help) + "\n";
    out += "# TYPE " + name + " " + type + "\n";
    for (const auto& [labels, value] : f.values) {
      out += name + labelText(labels) + " " + formatValue(value) + "\n";
    }
    for (const auto& [labels, h] : f.histograms) {
      for (size_t i = 0; i < f.buckets.size(); ++i) {
        out += name + "_bucket" + labelText(labels, "le", formatValue(f.buckets[i])) + " " +
               formatValue(h.counts[i]) + "\n";
      }
      out += name + "_bucket" + labelText(labels, "le", "+Inf") + " " + formatValue(h.counts.back()) + "\n";
      out += name + "_sum" + labelText(labels) + " " + formatValue(h.sum) + "\n";
      out += name + "_count" + labelText(labels) + " " + formatValue(h.count) + "\n";
    }
  }
  return out;
}

}  // namespace patbot
