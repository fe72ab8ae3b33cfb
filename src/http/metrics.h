// A small Prometheus metrics registry (counters, gauges, histograms with
// labels) rendered in the text exposition format 0.0.4. Any module may
// register its own families:
//
//   auto& scanned = metrics::Registry::Default().AddCounter(
//       "lucid_indexer_layers_scanned_total", "Layers scanned.", {"scanner"});
//   scanned.With({"dpkg"}).Inc();
//
// Registering an existing name with the same type and labels returns the
// existing family, so call sites need no coordination. Thread-safe.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace lucid::metrics {

enum class Type { kCounter, kGauge, kHistogram };

class Child {
 public:
  // Counters: Inc only (non-negative). Gauges: everything but Observe.
  void Inc(double v = 1);
  void Dec(double v = 1) { Inc(-v); }
  void Set(double v);
  double Value() const { return value_.load(); }
  // Histograms.
  void Observe(double v);
  uint64_t Count() const;

 private:
  friend class Family;
  std::atomic<double> value_{0};
  // Histogram state.
  mutable std::mutex mu_;
  const std::vector<double>* bounds_ = nullptr;
  std::vector<uint64_t> buckets_;  // per-bucket (non-cumulative) counts
  uint64_t count_ = 0;
  double sum_ = 0;
};

class Family {
 public:
  Family(std::string name, std::string help, Type type, std::vector<std::string> labels, std::vector<double> buckets);
  // One child per combination of label values (size must equal labels()).
  Child& With(const std::vector<std::string>& label_values);
  const std::string& name() const { return name_; }
  Type type() const { return type_; }
  const std::vector<std::string>& labels() const { return labels_; }
  void Render(std::string& out) const;

 private:
  std::string name_, help_;
  Type type_;
  std::vector<std::string> labels_;
  std::vector<double> bounds_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<Child>> children_;
};

class Registry {
 public:
  // The process-wide registry served at /metrics.
  static Registry& Default();

  Family& AddCounter(const std::string& name, const std::string& help, std::vector<std::string> labels = {});
  Family& AddGauge(const std::string& name, const std::string& help, std::vector<std::string> labels = {});
  Family& AddHistogram(const std::string& name, const std::string& help, std::vector<std::string> labels,
                       std::vector<double> buckets = DefaultBuckets());
  // Prometheus text format 0.0.4, families sorted by name.
  std::string Render() const;

  static std::vector<double> DefaultBuckets();  // client_golang's DefBuckets

 private:
  Family& Add(const std::string& name, const std::string& help, Type type, std::vector<std::string> labels,
              std::vector<double> buckets);
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Family>> families_;
};

inline constexpr const char* kTextContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace lucid::metrics
