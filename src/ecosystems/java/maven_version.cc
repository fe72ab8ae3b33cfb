#include "ecosystems/java/maven_version.h"

#include <cctype>

#include "base/strings.h"

namespace lucid::java {

struct MavenVersion::Item {
  enum Kind { kInt, kString, kList } kind = kList;
  std::string value;  // kInt: digits without leading zeros; kString: qualifier (aliases applied)
  std::vector<Item> list;

  bool IsNull() const {
    switch (kind) {
      case kInt:
        return value == "0";
      case kString:
        return value.empty();
      case kList:
        return list.empty();
    }
    return false;
  }
};

namespace {

using Item = MavenVersion::Item;

constexpr const char* kQualifiers[] = {"alpha", "beta", "milestone", "rc", "snapshot", "", "sp"};
constexpr std::string_view kReleaseIndex = "5";

// The sortable form of a qualifier: its rank, or "7-<text>" for unknown ones.
std::string Comparable(const std::string& q) {
  for (size_t i = 0; i < std::size(kQualifiers); ++i) {
    if (q == kQualifiers[i]) return std::to_string(i);
  }
  return std::to_string(std::size(kQualifiers)) + "-" + q;
}

int Sign(int c) { return c < 0 ? -1 : c > 0 ? 1 : 0; }

int CompareDigits(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  return Sign(a.compare(b));
}

Item MakeInt(std::string_view digits) {
  while (digits.size() > 1 && digits[0] == '0') digits.remove_prefix(1);
  Item it;
  it.kind = Item::kInt;
  it.value = std::string(digits);
  return it;
}

Item MakeString(std::string_view s, bool followed_by_digit) {
  std::string v(s);
  if (followed_by_digit && v.size() == 1) {
    if (v == "a")
      v = "alpha";
    else if (v == "b")
      v = "beta";
    else if (v == "m")
      v = "milestone";
  }
  if (v == "ga" || v == "final" || v == "release")
    v = "";
  else if (v == "cr")
    v = "rc";
  Item it;
  it.kind = Item::kString;
  it.value = std::move(v);
  return it;
}

Item MakeList() { return Item{}; }

Item ParseItem(bool digit, std::string_view s) { return digit ? MakeInt(s) : MakeString(s, false); }

void Normalize(Item* list) {
  for (size_t i = list->list.size(); i-- > 0;) {
    const Item& last = list->list[i];
    if (last.IsNull()) {
      list->list.erase(list->list.begin() + static_cast<long>(i));
    } else if (last.kind != Item::kList) {
      break;
    }
  }
}

int CompareItem(const Item* a, const Item* b);

// a compared with "nothing".
int CompareWithNull(const Item& a) {
  switch (a.kind) {
    case Item::kInt:
      return a.value == "0" ? 0 : 1;
    case Item::kString:
      return Sign(Comparable(a.value).compare(kReleaseIndex));
    case Item::kList:
      for (const auto& i : a.list) {
        if (int c = CompareWithNull(i)) return c;
      }
      return 0;
  }
  return 0;
}

int CompareItem(const Item* a, const Item* b) {
  if (a == nullptr) return b == nullptr ? 0 : -CompareWithNull(*b);
  if (b == nullptr) return CompareWithNull(*a);
  switch (a->kind) {
    case Item::kInt:
      if (b->kind == Item::kInt) return CompareDigits(a->value, b->value);
      return 1;  // a number is newer than a qualifier or a sub-list
    case Item::kString:
      if (b->kind == Item::kString) return Sign(Comparable(a->value).compare(Comparable(b->value)));
      return -1;
    case Item::kList:
      if (b->kind == Item::kInt) return -1;
      if (b->kind == Item::kString) return 1;
      for (size_t i = 0; i < std::max(a->list.size(), b->list.size()); ++i) {
        const Item* l = i < a->list.size() ? &a->list[i] : nullptr;
        const Item* r = i < b->list.size() ? &b->list[i] : nullptr;
        if (int c = CompareItem(l, r)) return c;
      }
      return 0;
  }
  return 0;
}

}  // namespace

MavenVersion::MavenVersion() = default;
MavenVersion::~MavenVersion() = default;
MavenVersion::MavenVersion(MavenVersion&&) noexcept = default;
MavenVersion& MavenVersion::operator=(MavenVersion&&) noexcept = default;

Result<MavenVersion> MavenVersion::Parse(std::string_view text) {
  if (text.empty()) return InvalidArgument("empty Maven version");
  if (text.size() > 4096) return InvalidArgument("Maven version too long");
  std::string v = ToLower(text);
  MavenVersion out;
  out.original_ = std::string(text);
  out.items_ = std::make_unique<Item>(MakeList());
  // Sub-lists are addressed by index path, because vectors reallocate.
  std::vector<Item*> stack{out.items_.get()};
  Item* list = out.items_.get();
  auto push_list = [&]() {
    list->list.push_back(MakeList());
    list = &list->list.back();
    stack.push_back(list);
  };
  bool digit = false;
  size_t start = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    char c = v[i];
    if (c == '.') {
      list->list.push_back(i == start ? MakeInt("0") : ParseItem(digit, std::string_view(v).substr(start, i - start)));
      start = i + 1;
    } else if (c == '-') {
      list->list.push_back(i == start ? MakeInt("0") : ParseItem(digit, std::string_view(v).substr(start, i - start)));
      start = i + 1;
      push_list();
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      if (!digit && i > start) {
        list->list.push_back(MakeString(std::string_view(v).substr(start, i - start), true));
        start = i;
        push_list();
      }
      digit = true;
    } else {
      if (digit && i > start) {
        list->list.push_back(ParseItem(true, std::string_view(v).substr(start, i - start)));
        start = i;
        push_list();
      }
      digit = false;
    }
  }
  if (v.size() > start) list->list.push_back(ParseItem(digit, std::string_view(v).substr(start)));
  // Innermost lists first, as Maven pops its stack. Pointers stay valid:
  // nothing is appended any more, and Normalize only erases at the end of
  // a list after its inner lists were handled.
  while (!stack.empty()) {
    Normalize(stack.back());
    stack.pop_back();
  }
  return out;
}

int CompareMaven(const MavenVersion& a, const MavenVersion& b) { return CompareItem(a.items_.get(), b.items_.get()); }

Result<int> CompareMavenStrings(std::string_view a, std::string_view b) {
  LUCID_ASSIGN_OR_RETURN(MavenVersion x, MavenVersion::Parse(a));
  LUCID_ASSIGN_OR_RETURN(MavenVersion y, MavenVersion::Parse(b));
  return CompareMaven(x, y);
}

}  // namespace lucid::java
