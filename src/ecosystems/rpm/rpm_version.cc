#include "ecosystems/rpm/rpm_version.h"

#include <rpm/rpmver.h>

#include <array>

#include "base/strings.h"

namespace lucid::rpm {
namespace {

constexpr std::array<std::string_view, 8> kArches = {"aarch64", "i686",  "noarch", "ppc64le",
                                                     "riscv",   "s390x", "src",    "x86_64"};

bool IsDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// rpm's EVR split: an epoch only when everything before the first ':' is
// digits; the release after the last '-'.
Result<Nevra> SplitEvr(std::string_view evr, bool allow_release) {
  Nevra out;
  size_t colon = evr.find(':');
  if (colon != std::string_view::npos && IsDigits(evr.substr(0, colon))) {
    out.epoch = std::string(evr.substr(0, colon));
    evr.remove_prefix(colon + 1);
  }
  size_t dash = allow_release ? evr.rfind('-') : std::string_view::npos;
  if (dash != std::string_view::npos) {
    out.release = std::string(evr.substr(dash + 1));
    evr = evr.substr(0, dash);
  }
  if (evr.empty()) return InvalidArgument("rpm version without a version part");
  out.version = std::string(evr);
  return out;
}

Result<Nevra> ParseNvr(std::string_view s) {
  if (s.empty()) return InvalidArgument("empty rpm version");
  size_t last = s.rfind('-');
  if (last == std::string_view::npos) return SplitEvr(s, false);
  size_t prev = s.rfind('-', last == 0 ? 0 : last - 1);
  if (prev == std::string_view::npos || last == 0) return SplitEvr(s, true);
  LUCID_ASSIGN_OR_RETURN(Nevra n, SplitEvr(s.substr(prev + 1), true));
  n.name = std::string(s.substr(0, prev));
  if (n.name.empty()) return InvalidArgument("rpm NEVRA with an empty name: " + std::string(s));
  return n;
}

}  // namespace

int CompareSegments(std::string_view a, std::string_view b) {
  // rpmvercmp wants NUL-terminated strings.
  int c = rpmvercmp(std::string(a).c_str(), std::string(b).c_str());
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

std::string Nevra::Evr() const {
  std::string out;
  if (!epoch.empty() && epoch.find_first_not_of('0') != std::string::npos) out = epoch + ":";
  out += version;
  if (!release.empty()) out += "-" + release;
  return out;
}

Result<Nevra> ParseNevra(std::string_view s) {
  std::string arch;
  size_t dot = s.rfind('.');
  if (dot != std::string_view::npos) {
    std::string_view suffix = s.substr(dot + 1);
    for (auto a : kArches) {
      if (suffix == a) {
        arch = std::string(a);
        s = s.substr(0, dot);
        break;
      }
    }
  }
  LUCID_ASSIGN_OR_RETURN(Nevra n, ParseNvr(s));
  n.arch = std::move(arch);
  return n;
}

Result<Nevra> ParseEvr(std::string_view s) {
  if (s.empty()) return InvalidArgument("empty rpm version");
  return SplitEvr(s, true);
}

int CompareEvr(const Nevra& a, const Nevra& b) {
  int c = CompareSegments(a.epoch.empty() ? "0" : a.epoch, b.epoch.empty() ? "0" : b.epoch);
  if (c != 0) return c;
  c = CompareSegments(a.version, b.version);
  if (c != 0) return c;
  if (a.release.empty() || b.release.empty()) return 0;
  return CompareSegments(a.release, b.release);
}

Result<int> CompareVersions(std::string_view a, std::string_view b) {
  LUCID_ASSIGN_OR_RETURN(Nevra x, ParseEvr(a));
  LUCID_ASSIGN_OR_RETURN(Nevra y, ParseEvr(b));
  return CompareEvr(x, y);
}

Result<Nevra> ParseSourceRpm(std::string_view file) {
  std::string_view s = file;
  if (EndsWith(s, ".src.rpm")) {
    s.remove_suffix(8);
  } else if (EndsWith(s, ".nosrc.rpm")) {
    s.remove_suffix(10);
  }
  LUCID_ASSIGN_OR_RETURN(Nevra n, ParseNvr(s));
  if (n.name.empty() || n.release.empty()) return InvalidArgument("not a source rpm file name: " + std::string(file));
  return n;
}

}  // namespace lucid::rpm
