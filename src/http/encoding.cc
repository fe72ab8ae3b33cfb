#include "http/encoding.h"

#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstdlib>

#include "base/strings.h"

namespace lucid::http {

namespace {

struct Coding {
  std::string name;
  bool has_q = false;
  double q = 1;
};

std::string Canonical(const std::string& c) { return c == "x-gzip" ? "gzip" : c; }

Result<std::string> Deflate(std::string_view body, int window_bits) {
  z_stream z{};
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return Internal("deflateInit2 failed");
  }
  std::string out;
  out.resize(deflateBound(&z, body.size()));
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  z.avail_in = static_cast<uInt>(body.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&z, Z_FINISH);
  size_t n = z.total_out;
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return Internal("deflate failed");
  out.resize(n);
  return out;
}

}  // namespace

std::string NegotiateEncoding(const std::vector<std::string_view>& accept_encoding) {
  if (accept_encoding.empty()) return "identity";
  std::vector<Coding> codings;
  for (std::string_view line : accept_encoding) {
    for (std::string_view item : SplitString(line, ',')) {
      item = TrimSpace(item);
      if (item.empty()) continue;
      auto parts = SplitString(item, ';');
      Coding c;
      c.name = ToLower(TrimSpace(parts[0]));
      for (size_t i = 1; i < parts.size(); ++i) {
        std::string_view kv = TrimSpace(parts[i]);
        if (kv.size() < 2 || ToLower(kv.substr(0, 2)) != "q=") continue;
        std::string qs(TrimSpace(kv.substr(2)));
        char* end = nullptr;
        double q = std::strtod(qs.c_str(), &end);
        if (qs.empty() || *end != '\0') continue;
        c.has_q = true;
        c.q = q;
      }
      codings.push_back(std::move(c));
    }
  }
  auto forbidden = [&](std::string_view name) {
    return std::any_of(codings.begin(), codings.end(),
                       [&](const Coding& c) { return Canonical(c.name) == name && c.has_q && c.q <= 0; });
  };
  std::stable_sort(codings.begin(), codings.end(), [](const Coding& a, const Coding& b) {
    double qa = a.has_q ? a.q : 0, qb = b.has_q ? b.q : 0;  // upstream quirk: missing q sorts as 0
    return qa > qb;
  });
  for (const auto& c : codings) {
    std::string name = Canonical(c.name);
    if (c.has_q && c.q <= 0) continue;
    if (name == "zstd" || name == "gzip" || name == "deflate" || name == "identity") {
      if (!forbidden(name)) return name;
    } else if (name == "*") {
      if (!forbidden("gzip")) return "gzip";
      if (!forbidden("identity")) return "identity";
    }
  }
  if (forbidden("identity") || forbidden("*")) return "";
  return "identity";
}

Result<std::string> EncodeBody(std::string_view coding, std::string_view body) {
  if (coding == "gzip") return Deflate(body, 15 + 16);
  if (coding == "deflate") return Deflate(body, 15);  // HTTP "deflate" is the zlib format
  if (coding == "zstd") {
    std::string out;
    out.resize(ZSTD_compressBound(body.size()));
    size_t n = ZSTD_compress(out.data(), out.size(), body.data(), body.size(), 3);
    if (ZSTD_isError(n)) return Internal(std::string("zstd: ") + ZSTD_getErrorName(n));
    out.resize(n);
    return out;
  }
  return InvalidArgument("unknown content coding \"" + std::string(coding) + "\"");
}

}  // namespace lucid::http
