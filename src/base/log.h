// Structured logging: one JSON object per line on stderr (Clair's zerolog
// shape: level, time, component, message, plus fields), or a human console
// format. Backed by spdlog.
//
//   log::Info("indexer", "layer scanned", {{"layer", digest}, {"ms", 12.5}});
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace lucid::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kOff = 4 };
enum class Format { kJson, kConsole };

using FieldValue = std::variant<std::string, int64_t, double, bool>;
struct Field {
  std::string key;
  FieldValue value;
  Field(std::string k, std::string v) : key(std::move(k)), value(std::move(v)) {}
  Field(std::string k, std::string_view v) : key(std::move(k)), value(std::string(v)) {}
  Field(std::string k, const char* v) : key(std::move(k)), value(std::string(v)) {}
  Field(std::string k, int v) : key(std::move(k)), value(static_cast<int64_t>(v)) {}
  Field(std::string k, long v) : key(std::move(k)), value(static_cast<int64_t>(v)) {}
  Field(std::string k, long long v) : key(std::move(k)), value(static_cast<int64_t>(v)) {}
  Field(std::string k, unsigned v) : key(std::move(k)), value(static_cast<int64_t>(v)) {}
  Field(std::string k, unsigned long v) : key(std::move(k)), value(static_cast<int64_t>(v)) {}
  Field(std::string k, unsigned long long v) : key(std::move(k)), value(static_cast<int64_t>(v)) {}
  Field(std::string k, double v) : key(std::move(k)), value(v) {}
  Field(std::string k, bool v) : key(std::move(k)), value(v) {}
};
using Fields = std::vector<Field>;

// Configure once at start-up (thread-safe afterwards). Default: JSON, info.
void Configure(Level level, Format format, bool color = false);
// Parses Clair's log_level strings: debug-color, debug, info, warn, error, fatal, panic.
bool ParseLevel(std::string_view text, Level* level, bool* console_color);
Level CurrentLevel();
bool Enabled(Level level);

void Write(Level level, std::string_view component, std::string_view message, const Fields& fields = {});
inline void Debug(std::string_view c, std::string_view m, const Fields& f = {}) { Write(Level::kDebug, c, m, f); }
inline void Info(std::string_view c, std::string_view m, const Fields& f = {}) { Write(Level::kInfo, c, m, f); }
inline void Warn(std::string_view c, std::string_view m, const Fields& f = {}) { Write(Level::kWarn, c, m, f); }
inline void Error(std::string_view c, std::string_view m, const Fields& f = {}) { Write(Level::kError, c, m, f); }

// Renders one record as a JSON line (exposed for tests).
std::string FormatJson(Level level, std::string_view component, std::string_view message, const Fields& fields);
void Flush();

}  // namespace lucid::log
