// Reading configuration files: format by extension, YAML converted to JSON,
// then <file>.d/ drop-ins applied (contract §4.2).
#include <yaml-cpp/yaml.h>

#include <boost/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "base/io.h"
#include "base/strings.h"
#include "config/config_internal.h"
#include "config/json_patch.h"
#include "core/clair_json.h"

namespace lucid::config {
namespace bj = boost::json;
namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxConfigBytes = 16 << 20;
constexpr int kMaxYamlDepth = 64;

enum class Kind { kJson, kYaml };

// Resolves a plain YAML scalar the way a YAML 1.2 core-schema decoder does
// (so `yes`/`on` stay strings and later fail a boolean field).
bj::value ResolvePlainScalar(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  const char* b = s.c_str();
  char* end = nullptr;
  bool looks_numeric = (s[0] >= '0' && s[0] <= '9') || ((s[0] == '-' || s[0] == '+' || s[0] == '.') && s.size() > 1);
  if (looks_numeric) {
    errno = 0;
    int base = 10;
    std::string digits = s;
    bool neg = false;
    if (digits[0] == '+' || digits[0] == '-') {
      neg = digits[0] == '-';
      digits.erase(0, 1);
    }
    if (StartsWith(digits, "0x")) {
      base = 16;
      digits.erase(0, 2);
    } else if (StartsWith(digits, "0o")) {
      base = 8;
      digits.erase(0, 2);
    }
    if (!digits.empty() && std::all_of(digits.begin(), digits.end(), [&](char c) {
          return base == 16 ? std::isxdigit(static_cast<unsigned char>(c)) : (c >= '0' && c <= (base == 8 ? '7' : '9'));
        })) {
      errno = 0;
      unsigned long long u = std::strtoull(digits.c_str(), &end, base);
      if (errno == 0 && *end == '\0') {
        if (!neg && u > static_cast<unsigned long long>(INT64_MAX)) return static_cast<uint64_t>(u);
        if (u <= static_cast<unsigned long long>(INT64_MAX)) {
          int64_t v = static_cast<int64_t>(u);
          return neg ? -v : v;
        }
      }
    }
    if (s == ".inf" || s == "+.inf" || s == "-.inf" || s == ".nan") return bj::string(s);  // not representable in JSON
    errno = 0;
    double d = std::strtod(b, &end);
    if (errno == 0 && *end == '\0' && s.find_first_of("0123456789") != std::string::npos) return d;
  }
  return bj::string(s);
}

Result<bj::value> YamlToJson(const YAML::Node& n, int depth) {
  if (depth > kMaxYamlDepth) return InvalidArgument("YAML nesting too deep");
  switch (n.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return bj::value(nullptr);
    case YAML::NodeType::Scalar:
      // Tag "!" marks a quoted (non-plain) scalar: always a string.
      if (n.Tag() == "!") return bj::value(bj::string(n.Scalar()));
      return ResolvePlainScalar(n.Scalar());
    case YAML::NodeType::Sequence: {
      bj::array a;
      for (const auto& item : n) {
        LUCID_ASSIGN_OR_RETURN(auto v, YamlToJson(item, depth + 1));
        a.push_back(std::move(v));
      }
      return bj::value(std::move(a));
    }
    case YAML::NodeType::Map: {
      bj::object o;
      for (const auto& kv : n) {
        if (!kv.first.IsScalar()) return InvalidArgument("YAML mapping keys must be scalars");
        LUCID_ASSIGN_OR_RETURN(auto v, YamlToJson(kv.second, depth + 1));
        // A later duplicate replaces the earlier one, as in Go.
        o[kv.first.Scalar()] = std::move(v);
      }
      return bj::value(std::move(o));
    }
  }
  return InvalidArgument("unsupported YAML node");
}

Result<bj::value> ParseDocument(const std::string& text, Kind kind) {
  if (kind == Kind::kJson) return json::Parse(text);
  try {
    YAML::Node root = YAML::Load(text);
    return YamlToJson(root, 0);
  } catch (const YAML::Exception& e) {
    return InvalidArgument(std::string("invalid YAML: ") + e.what());
  }
}

Result<bj::value> ReadDocument(const std::string& path, Kind kind) {
  LUCID_ASSIGN_OR_RETURN(std::string text, ReadFile(path, kMaxConfigBytes));
  return ParseDocument(text, kind);
}

}  // namespace

Result<std::string> LoadMergedJsonImpl(const std::string& path, bj::value* out);

Result<std::string> LoadMergedJson(const std::string& path) {
  bj::value doc;
  return LoadMergedJsonImpl(path, &doc);
}

Result<std::string> LoadMergedJsonImpl(const std::string& path, bj::value* out) {
  const std::string where = "config \"" + path + "\"";
  std::string ext = fs::path(path).extension().string();
  Kind kind;
  if (ext == ".json") {
    kind = Kind::kJson;
  } else if (ext == ".yaml") {
    kind = Kind::kYaml;
  } else {
    return InvalidArgument(where + ": unknown config kind \"" + ext + "\" (use .yaml or .json)");
  }
  auto text = ReadFile(path, kMaxConfigBytes);
  if (!text.ok()) return text.status().WithContext(where);
  bj::value doc;
  if (kind == Kind::kJson) {
    if (text->size() < 2 || (*text)[0] != '{')
      return InvalidArgument(where + ": JSON config must be an object starting with '{'");
  }
  auto parsed = ParseDocument(*text, kind);
  if (!parsed.ok()) return parsed.status().WithContext(where);
  doc = std::move(*parsed);
  if (doc.is_null()) doc = bj::object();  // empty YAML file
  if (!doc.is_object()) return InvalidArgument(where + ": top level must be a mapping/object");

  // Drop-ins: regular files directly inside <path>.d/, lexical order.
  fs::path dir = path + ".d";
  std::error_code ec;
  if (fs::is_directory(dir, ec)) {
    std::vector<fs::path> files;
    for (const auto& ent : fs::directory_iterator(dir, ec)) {
      if (ent.is_regular_file(ec)) files.push_back(ent.path());
    }
    if (ec) return InvalidArgument(where + ": reading drop-in directory: " + ec.message());
    std::sort(files.begin(), files.end(),
              [](const fs::path& a, const fs::path& b) { return a.filename().string() < b.filename().string(); });
    for (const auto& f : files) {
      std::string fext = f.extension().string();
      const std::string dwhere = "config drop-in \"" + f.string() + "\"";
      if (fext == ext) {
        auto patch = ReadDocument(f.string(), kind);
        if (!patch.ok()) return patch.status().WithContext(dwhere);
        ApplyMergePatch(doc, *patch);
      } else if (fext == ext + "-patch") {
        auto patch = ReadDocument(f.string(), kind);
        if (!patch.ok()) return patch.status().WithContext(dwhere);
        Status s = ApplyJsonPatch(doc, *patch);
        if (!s.ok()) return s.WithContext(dwhere);
      }
      // Anything else is ignored, as upstream does.
    }
    if (!doc.is_object()) return InvalidArgument(where + ": drop-ins turned the document into a non-object");
  }
  *out = doc;
  return bj::serialize(doc);
}

Result<Config> Load(const std::string& path) {
  bj::value doc;
  auto merged = LoadMergedJsonImpl(path, &doc);
  if (!merged.ok()) return merged.status();
  return internal::DecodeValue(doc, path);
}

Result<Config> Decode(std::string_view json_text, const std::string& origin) {
  auto v = json::Parse(json_text);
  if (!v.ok()) return v.status().WithContext("config \"" + origin + "\"");
  return internal::DecodeValue(*v, origin);
}

}  // namespace lucid::config
