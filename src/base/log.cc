#include "base/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

#include "base/strings.h"

namespace lucid::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
std::atomic<int> g_format{static_cast<int>(Format::kJson)};
std::once_flag g_once;
std::shared_ptr<spdlog::logger> g_logger;

std::shared_ptr<spdlog::logger> Logger() {
  std::call_once(g_once, [] {
    // The formatting is ours; spdlog only serialises writes to stderr.
    g_logger = spdlog::stderr_logger_mt("lucid");
    g_logger->set_pattern("%v");
    g_logger->set_level(spdlog::level::trace);
    g_logger->flush_on(spdlog::level::trace);
  });
  return g_logger;
}

void AppendJsonString(std::string& out, std::string_view s) {
  out.push_back('"');
  std::string clean = SanitizeUtf8(s);
  for (char c : clean) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

std::string_view LevelName(Level l) {
  switch (l) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
    case Level::kOff:
      return "off";
  }
  return "info";
}

std::string NowRfc3339() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

void AppendValue(std::string& out, const FieldValue& v, bool json) {
  if (auto* s = std::get_if<std::string>(&v)) {
    if (json) {
      AppendJsonString(out, *s);
    } else {
      out += SanitizeUtf8(*s);
    }
  } else if (auto* i = std::get_if<int64_t>(&v)) {
    out += std::to_string(*i);
  } else if (auto* d = std::get_if<double>(&v)) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", *d);
    out += buf;
  } else if (auto* b = std::get_if<bool>(&v)) {
    out += *b ? "true" : "false";
  }
}

}  // namespace

void Configure(Level level, Format format, bool /*color*/) {
  g_level = static_cast<int>(level);
  g_format = static_cast<int>(format);
}

bool ParseLevel(std::string_view text, Level* level, bool* console_color) {
  std::string t = ToLower(text);
  *console_color = false;
  if (t == "debug-color") {
    *level = Level::kDebug;
    *console_color = true;
  } else if (t == "debug") {
    *level = Level::kDebug;
  } else if (t == "info") {
    *level = Level::kInfo;
  } else if (t == "warn" || t == "warning") {
    *level = Level::kWarn;
  } else if (t == "error") {
    *level = Level::kError;
  } else if (t == "fatal" || t == "panic") {
    *level = Level::kOff;
  } else {
    return false;
  }
  return true;
}

Level CurrentLevel() { return static_cast<Level>(g_level.load()); }
bool Enabled(Level level) { return static_cast<int>(level) >= g_level.load(); }

std::string FormatJson(Level level, std::string_view component, std::string_view message, const Fields& fields) {
  std::string out;
  out.reserve(128);
  out += "{\"level\":\"";
  out += LevelName(level);
  out += "\",\"time\":\"";
  out += NowRfc3339();
  out += "\",\"component\":";
  AppendJsonString(out, component);
  for (const auto& f : fields) {
    out.push_back(',');
    AppendJsonString(out, f.key);
    out.push_back(':');
    AppendValue(out, f.value, true);
  }
  out += ",\"message\":";
  AppendJsonString(out, message);
  out.push_back('}');
  return out;
}

void Write(Level level, std::string_view component, std::string_view message, const Fields& fields) {
  if (!Enabled(level)) return;
  std::string line;
  if (static_cast<Format>(g_format.load()) == Format::kJson) {
    line = FormatJson(level, component, message, fields);
  } else {
    line = NowRfc3339() + " " + std::string(LevelName(level)) + " [" + std::string(component) + "] " +
           std::string(message);
    for (const auto& f : fields) {
      line += " " + f.key + "=";
      AppendValue(line, f.value, false);
    }
  }
  Logger()->info(line);
}

void Flush() { Logger()->flush(); }

}  // namespace lucid::log
