#include "http/metrics.h"

#include <charconv>
#include <cmath>

#include "base/log.h"

namespace lucid::metrics {
namespace {

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

void AppendEscaped(std::string& out, std::string_view s, bool quote) {
  for (char c : s) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (quote && c == '"')
      out += "\\\"";
    else
      out.push_back(c);
  }
}

void AppendLabels(std::string& out, const std::vector<std::string>& names, const std::vector<std::string>& values,
                  const char* extra_name = nullptr, const std::string& extra_value = "") {
  if (names.empty() && !extra_name) return;
  out.push_back('{');
  bool first = true;
  for (size_t i = 0; i < names.size(); ++i) {
    if (!first) out.push_back(',');
    first = false;
    out += names[i] + "=\"";
    AppendEscaped(out, values[i], true);
    out.push_back('"');
  }
  if (extra_name) {
    if (!first) out.push_back(',');
    out += std::string(extra_name) + "=\"" + extra_value + "\"";
  }
  out.push_back('}');
}

void AtomicAdd(std::atomic<double>& a, double v) {
  double cur = a.load();
  while (!a.compare_exchange_weak(cur, cur + v)) {
  }
}

}  // namespace

void Child::Inc(double v) { AtomicAdd(value_, v); }
void Child::Set(double v) { value_.store(v); }

void Child::Observe(double v) {
  std::lock_guard<std::mutex> l(mu_);
  if (!bounds_) return;
  size_t i = 0;
  while (i < bounds_->size() && v > (*bounds_)[i]) ++i;
  if (i < buckets_.size()) ++buckets_[i];
  ++count_;
  sum_ += v;
}

uint64_t Child::Count() const {
  std::lock_guard<std::mutex> l(mu_);
  return count_;
}

Family::Family(std::string name, std::string help, Type type, std::vector<std::string> labels,
               std::vector<double> buckets)
    : name_(std::move(name)),
      help_(std::move(help)),
      type_(type),
      labels_(std::move(labels)),
      bounds_(std::move(buckets)) {}

Child& Family::With(const std::vector<std::string>& values) {
  std::lock_guard<std::mutex> l(mu_);
  if (values.size() == labels_.size()) {  // the usual case: no key copy for an existing child
    auto it = children_.find(values);
    if (it != children_.end()) return *it->second;
  }
  std::vector<std::string> key = values;
  key.resize(labels_.size());  // tolerate callers passing too few/many values
  auto& slot = children_[key];
  if (!slot) {
    slot = std::make_unique<Child>();
    if (type_ == Type::kHistogram) {
      slot->bounds_ = &bounds_;
      slot->buckets_.assign(bounds_.size(), 0);
    }
  }
  return *slot;
}

void Family::Render(std::string& out) const {
  out += "# HELP " + name_ + " ";
  AppendEscaped(out, help_, false);
  out += "\n# TYPE " + name_ + " ";
  out += type_ == Type::kCounter ? "counter" : type_ == Type::kGauge ? "gauge" : "histogram";
  out += "\n";
  std::lock_guard<std::mutex> l(mu_);
  for (const auto& [values, child] : children_) {
    if (type_ != Type::kHistogram) {
      out += name_;
      AppendLabels(out, labels_, values);
      out += " " + FormatValue(child->value_.load()) + "\n";
      continue;
    }
    std::lock_guard<std::mutex> cl(child->mu_);
    uint64_t cumulative = 0;
    for (size_t i = 0; i < bounds_.size(); ++i) {
      cumulative += child->buckets_[i];
      out += name_ + "_bucket";
      AppendLabels(out, labels_, values, "le", FormatValue(bounds_[i]));
      out += " " + std::to_string(cumulative) + "\n";
    }
    out += name_ + "_bucket";
    AppendLabels(out, labels_, values, "le", "+Inf");
    out += " " + std::to_string(child->count_) + "\n";
    out += name_ + "_sum";
    AppendLabels(out, labels_, values);
    out += " " + FormatValue(child->sum_) + "\n";
    out += name_ + "_count";
    AppendLabels(out, labels_, values);
    out += " " + std::to_string(child->count_) + "\n";
  }
}

Registry& Registry::Default() {
  static Registry* r = new Registry();  // never destroyed: used from exiting threads
  return *r;
}

std::vector<double> Registry::DefaultBuckets() { return {.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}; }

Family& Registry::Add(const std::string& name, const std::string& help, Type type, std::vector<std::string> labels,
                      std::vector<double> buckets) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = families_.find(name);
  if (it != families_.end()) {
    // Same name, different shape: a programming error, reported loudly.
    if (it->second->type() != type || it->second->labels() != labels) {
      log::Error("metrics", "metric registered twice with different type or labels", {{"metric", name}});
    }
    return *it->second;
  }
  auto f = std::make_unique<Family>(name, help, type, std::move(labels), std::move(buckets));
  Family& ref = *f;
  families_.emplace(name, std::move(f));
  return ref;
}

Family& Registry::AddCounter(const std::string& name, const std::string& help, std::vector<std::string> labels) {
  return Add(name, help, Type::kCounter, std::move(labels), {});
}
Family& Registry::AddGauge(const std::string& name, const std::string& help, std::vector<std::string> labels) {
  return Add(name, help, Type::kGauge, std::move(labels), {});
}
Family& Registry::AddHistogram(const std::string& name, const std::string& help, std::vector<std::string> labels,
                               std::vector<double> buckets) {
  return Add(name, help, Type::kHistogram, std::move(labels), std::move(buckets));
}

std::string Registry::Render() const {
  std::string out;
  std::lock_guard<std::mutex> l(mu_);
  for (const auto& [name, fam] : families_) fam->Render(out);
  return out;
}

}  // namespace lucid::metrics
