#include "ecosystems/debian/control_file.h"

#include "base/strings.h"

namespace lucid::debian {

std::string_view Stanza::Get(std::string_view key) const {
  for (const auto& [k, v] : fields_) {
    if (EqualsIgnoreCase(k, key)) return v;
  }
  return {};
}

bool Stanza::Has(std::string_view key) const {
  for (const auto& kv : fields_) {
    if (EqualsIgnoreCase(kv.first, key)) return true;
  }
  return false;
}

namespace {
bool IsBlank(char c) { return c == ' ' || c == '\t'; }
}  // namespace

Status ForEachStanza(std::string_view text, const std::function<Status(const Stanza&)>& fn) {
  Stanza stanza;
  std::string key, value;
  bool have_field = false;
  size_t line_no = 0;
  auto flush_field = [&] {
    if (have_field) stanza.Add(std::move(key), std::string(TrimSpace(value)));
    key.clear();
    value.clear();
    have_field = false;
  };
  auto flush_stanza = [&]() -> Status {
    flush_field();
    if (stanza.empty()) return Status::Ok();
    Status s = fn(stanza);
    stanza.clear();
    return s;
  };

  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

    if (TrimSpace(line).empty()) {
      LUCID_RETURN_IF_ERROR(flush_stanza());
      continue;
    }
    if (IsBlank(line.front())) {
      if (!have_field) return Corrupt("line " + std::to_string(line_no) + ": continuation line without a field");
      value += '\n';
      value += TrimSpace(line);
      continue;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return Corrupt("line " + std::to_string(line_no) + ": not a \"Field: value\" line");
    }
    std::string_view k = line.substr(0, colon);
    for (char c : k) {
      // dpkg field names are printable ASCII without blanks.
      if (static_cast<unsigned char>(c) <= 32 || static_cast<unsigned char>(c) >= 127) {
        return Corrupt("line " + std::to_string(line_no) + ": invalid field name");
      }
    }
    flush_field();
    key = std::string(k);
    value = std::string(line.substr(colon + 1));
    have_field = true;
  }
  return flush_stanza();
}

}  // namespace lucid::debian
