#include "config/json_patch.h"

#include <boost/json.hpp>

#include <string>
#include <vector>

#include "base/result.h"

namespace lucid::config {
namespace bj = boost::json;

void ApplyMergePatch(bj::value& target, const bj::value& patch) {
  if (!patch.is_object()) {
    target = patch;
    return;
  }
  if (!target.is_object()) target = bj::object();
  auto& obj = target.get_object();
  for (const auto& kv : patch.get_object()) {
    if (kv.value().is_null()) {
      obj.erase(kv.key());
      continue;
    }
    auto it = obj.find(kv.key());
    if (it == obj.end()) {
      bj::value fresh;
      ApplyMergePatch(fresh, kv.value());
      obj[kv.key()] = std::move(fresh);
    } else {
      ApplyMergePatch(it->value(), kv.value());
    }
  }
}

namespace {

Result<std::vector<std::string>> SplitPointer(std::string_view ptr) {
  std::vector<std::string> out;
  if (ptr.empty()) return out;
  if (ptr.front() != '/') return InvalidArgument("JSON pointer \"" + std::string(ptr) + "\" must start with '/'");
  size_t i = 1;
  std::string cur;
  for (; i <= ptr.size(); ++i) {
    if (i == ptr.size() || ptr[i] == '/') {
      out.push_back(cur);
      cur.clear();
      continue;
    }
    if (ptr[i] == '~') {
      if (i + 1 >= ptr.size() || (ptr[i + 1] != '0' && ptr[i + 1] != '1')) {
        return InvalidArgument("bad escape in JSON pointer \"" + std::string(ptr) + "\"");
      }
      cur.push_back(ptr[i + 1] == '0' ? '~' : '/');
      ++i;
    } else {
      cur.push_back(ptr[i]);
    }
  }
  return out;
}

// Array index per RFC 6901: digits without leading zeros. "-" = one past the end.
bool ParseIndex(const std::string& tok, size_t size, bool allow_end, size_t* idx) {
  if (tok == "-") {
    if (!allow_end) return false;
    *idx = size;
    return true;
  }
  if (tok.empty() || tok.size() > 9 || (tok.size() > 1 && tok[0] == '0')) return false;
  for (char c : tok)
    if (c < '0' || c > '9') return false;
  *idx = std::stoul(tok);
  return allow_end ? *idx <= size : *idx < size;
}

Result<bj::value*> Resolve(bj::value& root, const std::vector<std::string>& toks, size_t n) {
  bj::value* cur = &root;
  for (size_t i = 0; i < n; ++i) {
    if (cur->is_object()) {
      auto it = cur->get_object().find(toks[i]);
      if (it == cur->get_object().end()) return NotFound("path member \"" + toks[i] + "\" does not exist");
      cur = &it->value();
    } else if (cur->is_array()) {
      size_t idx;
      if (!ParseIndex(toks[i], cur->get_array().size(), false, &idx)) {
        return NotFound("array index \"" + toks[i] + "\" out of range");
      }
      cur = &cur->get_array()[idx];
    } else {
      return NotFound("cannot descend into a scalar at \"" + toks[i] + "\"");
    }
  }
  return cur;
}

Status Add(bj::value& root, const std::vector<std::string>& toks, bj::value v) {
  if (toks.empty()) {
    root = std::move(v);
    return Status::Ok();
  }
  LUCID_ASSIGN_OR_RETURN(bj::value * parent, Resolve(root, toks, toks.size() - 1));
  const std::string& last = toks.back();
  if (parent->is_object()) {
    parent->get_object()[last] = std::move(v);
  } else if (parent->is_array()) {
    auto& arr = parent->get_array();
    size_t idx;
    if (!ParseIndex(last, arr.size(), true, &idx)) return InvalidArgument("array index \"" + last + "\" out of range");
    arr.insert(arr.begin() + static_cast<std::ptrdiff_t>(idx), std::move(v));
  } else {
    return InvalidArgument("parent of \"" + last + "\" is not a container");
  }
  return Status::Ok();
}

Result<bj::value> Remove(bj::value& root, const std::vector<std::string>& toks) {
  if (toks.empty()) return InvalidArgument("cannot remove the document root");
  LUCID_ASSIGN_OR_RETURN(bj::value * parent, Resolve(root, toks, toks.size() - 1));
  const std::string& last = toks.back();
  if (parent->is_object()) {
    auto& o = parent->get_object();
    auto it = o.find(last);
    if (it == o.end()) return NotFound("member \"" + last + "\" does not exist");
    bj::value out = it->value();
    o.erase(it);
    return out;
  }
  if (parent->is_array()) {
    auto& arr = parent->get_array();
    size_t idx;
    if (!ParseIndex(last, arr.size(), false, &idx)) return NotFound("array index \"" + last + "\" out of range");
    bj::value out = arr[idx];
    arr.erase(arr.begin() + static_cast<std::ptrdiff_t>(idx));
    return out;
  }
  return InvalidArgument("parent of \"" + last + "\" is not a container");
}

const bj::value* Member(const bj::object& o, std::string_view k) {
  auto it = o.find(k);
  return it == o.end() ? nullptr : &it->value();
}

Status ApplyOne(bj::value& target, const bj::object& op) {
  const bj::value* opv = Member(op, "op");
  const bj::value* pathv = Member(op, "path");
  if (!opv || !opv->is_string()) return InvalidArgument("operation without \"op\"");
  if (!pathv || !pathv->is_string()) return InvalidArgument("operation without \"path\"");
  std::string name(opv->get_string());
  LUCID_ASSIGN_OR_RETURN(auto toks, SplitPointer(pathv->get_string()));
  auto need_value = [&]() -> Result<bj::value> {
    const bj::value* v = Member(op, "value");
    if (!v) return InvalidArgument("\"" + name + "\" operation without \"value\"");
    return *v;
  };
  auto need_from = [&]() -> Result<std::vector<std::string>> {
    const bj::value* f = Member(op, "from");
    if (!f || !f->is_string()) return InvalidArgument("\"" + name + "\" operation without \"from\"");
    return SplitPointer(f->get_string());
  };
  if (name == "add") {
    LUCID_ASSIGN_OR_RETURN(auto v, need_value());
    return Add(target, toks, std::move(v));
  }
  if (name == "remove") {
    LUCID_ASSIGN_OR_RETURN(auto removed, Remove(target, toks));
    (void)removed;
    return Status::Ok();
  }
  if (name == "replace") {
    LUCID_ASSIGN_OR_RETURN(auto v, need_value());
    LUCID_ASSIGN_OR_RETURN(bj::value * at, Resolve(target, toks, toks.size()));
    *at = std::move(v);
    return Status::Ok();
  }
  if (name == "move") {
    LUCID_ASSIGN_OR_RETURN(auto from, need_from());
    if (toks.size() > from.size() && std::equal(from.begin(), from.end(), toks.begin())) {
      return InvalidArgument("cannot move a value into one of its children");
    }
    LUCID_ASSIGN_OR_RETURN(auto v, Remove(target, from));
    return Add(target, toks, std::move(v));
  }
  if (name == "copy") {
    LUCID_ASSIGN_OR_RETURN(auto from, need_from());
    LUCID_ASSIGN_OR_RETURN(bj::value * src, Resolve(target, from, from.size()));
    bj::value copy = *src;
    return Add(target, toks, std::move(copy));
  }
  if (name == "test") {
    LUCID_ASSIGN_OR_RETURN(auto v, need_value());
    auto at = Resolve(target, toks, toks.size());
    if (!at.ok()) return InvalidArgument("test failed: " + at.status().message());
    if (**at != v) {
      return InvalidArgument("test failed: value at \"" + std::string(pathv->get_string()) + "\" is " +
                             bj::serialize(**at) + ", want " + bj::serialize(v));
    }
    return Status::Ok();
  }
  return InvalidArgument("unknown operation \"" + name + "\"");
}

}  // namespace

Status ApplyJsonPatch(bj::value& target, const bj::value& patch) {
  if (!patch.is_array()) return InvalidArgument("JSON patch must be an array of operations");
  size_t i = 0;
  for (const auto& op : patch.get_array()) {
    if (!op.is_object()) return InvalidArgument("JSON patch operation " + std::to_string(i) + " is not an object");
    Status s = ApplyOne(target, op.get_object());
    if (!s.ok()) return s.WithContext("operation " + std::to_string(i));
    ++i;
  }
  return Status::Ok();
}

}  // namespace lucid::config
