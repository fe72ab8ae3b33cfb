// PEP 440 versions: parsing with the spec's normalisations (alpha->a,
// "-1" -> .post1, case, separators, leading "v", whitespace), the canonical
// string, ordering (dev < pre < final < post; local labels) and claircore's
// "pep440" normalized vector.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "core/model.h"

namespace lucid::python {

struct Pep440Version {
  // Numbers are kept as digit strings without leading zeros, so arbitrarily
  // long (date-like) components compare correctly.
  std::string epoch = "0";
  std::vector<std::string> release;
  std::string pre_label;  // "", "a", "b" or "rc"
  std::string pre_number;
  bool has_post = false;
  std::string post_number;
  bool has_dev = false;
  std::string dev_number;
  std::vector<std::string> local;  // lower-cased segments

  static Result<Pep440Version> Parse(std::string_view text);
  std::string str() const;  // canonical form
};

int ComparePep440(const Pep440Version& a, const Pep440Version& b);
Result<int> ComparePep440Strings(std::string_view a, std::string_view b);
NormalizedVersion Pep440Vector(const Pep440Version& v);

}  // namespace lucid::python
