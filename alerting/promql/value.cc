#include "alerting/promql/value.h"

#include <algorithm>
#include <cctype>
#include <bit>
#include <cstring>

#include "alerting/promql/lexer.h"

namespace vigia::promql {

std::string_view label_value(const LabelSet& ls, std::string_view name) {
  for (const auto& [n, v] : ls) {
    if (n == name) return v;
  }
  return {};
}

void set_label(LabelSet& ls, std::string_view name, std::string_view value) {
  auto it = std::lower_bound(ls.begin(), ls.end(), name,
                             [](const auto& l, std::string_view n) { return l.first < n; });
  bool found = it != ls.end() && it->first == name;
  if (value.empty()) {
    if (found) ls.erase(it);
  } else if (found) {
    it->second = std::string(value);
  } else {
    ls.insert(it, {std::string(name), std::string(value)});
  }
}

bool valid_label_name(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (!(c == '_' || std::isalpha(c) || (i > 0 && std::isdigit(c)))) return false;
  }
  return true;
}

bool valid_metric_name(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (!(c == '_' || c == ':' || std::isalpha(c) || (i > 0 && std::isdigit(c)))) return false;
  }
  return true;
}

bool has_duplicate_labelsets(const Vector& v) {
  if (v.size() < 2) return false;
  std::vector<std::pair<uint64_t, size_t>> h;
  h.reserve(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    uint64_t x = 14695981039346656037ULL;  // FNV-1a over names and values, 0xff-separated
    for (const auto& [name, value] : v[i].labels) {
      for (unsigned char c : name) x = (x ^ c) * 1099511628211ULL;
      x = (x ^ 0xff) * 1099511628211ULL;
      for (unsigned char c : value) x = (x ^ c) * 1099511628211ULL;
      x = (x ^ 0xff) * 1099511628211ULL;
    }
    h.emplace_back(x, i);
  }
  std::sort(h.begin(), h.end());
  for (size_t i = 1; i < h.size(); ++i) {
    if (h[i].first != h[i - 1].first) continue;
    for (size_t j = i; j > 0 && h[j - 1].first == h[i].first; --j)
      if (v[h[j - 1].second].labels == v[h[i].second].labels) return true;
  }
  return false;
}

std::string labels_string(const LabelSet& ls) {
  std::string out = "{";
  for (size_t i = 0; i < ls.size(); ++i) {
    if (i) out += ", ";
    out += ls[i].first + "=" + quote(ls[i].second);
  }
  return out + "}";
}

bool is_stale_nan(double v) { return std::bit_cast<uint64_t>(v) == kStaleNaNBits; }
double stale_nan() { return std::bit_cast<double>(kStaleNaNBits); }

}  // namespace vigia::promql
