#include "ecosystems/ruby/gemspec_scanner.h"

#include <cctype>
#include <map>

#include "base/log.h"
#include "base/strings.h"
#include "ecosystems/lang/lang_common.h"

namespace lucid::ruby {
namespace {

constexpr std::string_view kName = "ruby";
constexpr size_t kMaxGemspec = 4u << 20;

bool IsWord(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

// "<word>.<attr> = <token>" -> token, else "".
std::string Assignment(std::string_view line, std::string_view attr) {
  size_t dot = line.find('.');
  if (dot == std::string_view::npos || !IsWord(line.substr(0, dot))) return "";
  std::string_view rest = line.substr(dot + 1);
  if (!StartsWith(rest, attr)) return "";
  rest = TrimSpace(rest.substr(attr.size()));
  if (rest.empty() || rest[0] != '=') return "";
  std::string_view token = TrimSpace(rest.substr(1));
  if (token.empty() || token.find_first_of(" \t") != std::string_view::npos) return "";
  if (EndsWith(token, ".freeze")) token.remove_suffix(7);
  if (token.size() >= 2 && (token.front() == '"' || token.front() == '\'') && token.back() == token.front()) {
    token = token.substr(1, token.size() - 2);
  }
  return std::string(token);
}

}  // namespace

std::optional<GemSpec> ParseGemspec(std::string_view text) {
  GemSpec g;
  for (auto raw : SplitString(text, '\n')) {
    std::string_view line = TrimSpace(raw);
    if (g.name.empty()) g.name = Assignment(line, "name");
    if (g.version.empty()) g.version = Assignment(line, "version");
    if (!g.name.empty() && !g.version.empty()) return g;
  }
  return std::nullopt;
}

bool IsInstalledGemspec(std::string_view path) {
  constexpr std::string_view kDir = "/specifications/";
  if (!EndsWith(path, ".gemspec")) return false;
  size_t at = path.rfind(kDir);
  if (at == std::string_view::npos || at == 0) return false;
  std::string_view base = path.substr(at + kDir.size());
  return base.size() > std::string_view(".gemspec").size() && base.find('/') == std::string_view::npos;
}

namespace {

class Session final : public indexer::ScanSession {
 public:
  Session() : owned_(IsInstalledGemspec) {}

  bool Wants(const indexer::FileEntry& e) override {
    if (e.type != indexer::EntryType::kRegular) return false;
    return IsInstalledGemspec(e.path) || lang::OsOwnedFiles::IsOwnerSource(e);
  }

  Status Consume(const indexer::FileEntry& e, Reader& content) override {
    if (!IsInstalledGemspec(e.path)) return owned_.Consume(e, content);
    found_.erase(e.path);
    auto text = ReadAll(content, kMaxGemspec);
    if (!text.ok()) {
      if (text.status().code() != StatusCode::kTooLarge) return text.status();
      log::Debug("ruby", "gemspec too large; skipped", {{"path", e.path}});
      return Status::Ok();
    }
    auto g = ParseGemspec(*text);
    if (!g) {
      log::Debug("ruby", "gemspec without name/version", {{"path", e.path}});
      return Status::Ok();
    }
    Package p;
    p.name = g->name;
    p.version = g->version;
    p.kind = PackageKind::kBinary;
    p.package_db = "ruby:" + e.path;
    p.filepath = e.path;
    p.repository_hint = "rubygems";
    found_[e.path] = std::move(p);
    return Status::Ok();
  }

  Status Finish(const indexer::LayerFiles&, indexer::LayerArtifacts* out) override {
    if (found_.empty()) return Status::Ok();
    std::vector<Package> pkgs;
    for (auto& [path, p] : found_) pkgs.push_back(std::move(p));
    lang::MarkOsManaged(owned_, kName, "ruby", &pkgs, out);
    for (auto& p : pkgs) out->packages.push_back(std::move(p));
    out->repositories.push_back(lang::RubyGemsRepository());
    return Status::Ok();
  }

 private:
  lang::OsOwnedFiles owned_;
  std::map<std::string, Package> found_;
};

class Scanner final : public indexer::Scanner {
 public:
  std::string_view name() const override { return kName; }
  std::string_view version() const override { return "1"; }
  indexer::ScannerKind kind() const override { return indexer::ScannerKind::kPackage; }
  std::unique_ptr<indexer::ScanSession> NewSession() const override { return std::make_unique<Session>(); }
};

}  // namespace

std::shared_ptr<const indexer::Scanner> NewGemspecScanner() { return std::make_shared<Scanner>(); }

}  // namespace lucid::ruby
