#include "exporters/probe/config/dns_names.h"

#include <charconv>

namespace vigia::probe {
namespace {

struct Name {
  uint16_t code;
  const char* name;
};

// The types a probe is likely to ask for or get back.
constexpr Name kTypes[] = {{1, "A"},      {2, "NS"},      {5, "CNAME"},  {6, "SOA"},   {12, "PTR"},
                           {13, "HINFO"}, {15, "MX"},     {16, "TXT"},   {28, "AAAA"}, {33, "SRV"},
                           {35, "NAPTR"}, {39, "DNAME"},  {41, "OPT"},   {43, "DS"},   {46, "RRSIG"},
                           {47, "NSEC"},  {48, "DNSKEY"}, {50, "NSEC3"}, {52, "TLSA"}, {64, "SVCB"},
                           {65, "HTTPS"}, {99, "SPF"},    {252, "AXFR"}, {255, "ANY"}, {257, "CAA"}};
constexpr Name kClasses[] = {{1, "IN"}, {3, "CH"}, {4, "HS"}, {254, "NONE"}, {255, "ANY"}};
constexpr Name kRcodes[] = {{0, "NOERROR"}, {1, "FORMERR"},   {2, "SERVFAIL"},  {3, "NXDOMAIN"},
                            {4, "NOTIMP"},  {5, "REFUSED"},   {6, "YXDOMAIN"},  {7, "YXRRSET"},
                            {8, "NXRRSET"}, {9, "NOTAUTH"},   {10, "NOTZONE"},  {16, "BADSIG"},
                            {17, "BADKEY"}, {18, "BADTIME"},  {19, "BADMODE"},  {20, "BADNAME"},
                            {21, "BADALG"}, {22, "BADTRUNC"}, {23, "BADCOOKIE"}};

bool numbered(std::string_view s, std::string_view prefix, uint16_t& out) {
  if (!s.starts_with(prefix) || s.size() == prefix.size()) return false;
  unsigned v = 0;
  auto [p, ec] = std::from_chars(s.data() + prefix.size(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v > 65535) return false;
  out = static_cast<uint16_t>(v);
  return true;
}

}  // namespace

bool dns_type_code(std::string_view name, uint16_t& out) {
  for (const Name& t : kTypes)
    if (name == t.name) return out = t.code, true;
  return numbered(name, "TYPE", out);
}

std::string dns_type_name(uint16_t code) {
  for (const Name& t : kTypes)
    if (code == t.code) return t.name;
  return "TYPE" + std::to_string(code);
}

bool dns_class_code(std::string_view name, uint16_t& out) {
  for (const Name& c : kClasses)
    if (name == c.name) return out = c.code, true;
  return numbered(name, "CLASS", out);
}

std::string dns_class_name(uint16_t code) {
  for (const Name& c : kClasses)
    if (code == c.code) return c.name;
  return "CLASS" + std::to_string(code);
}

int dns_rcode_code(std::string_view name) {
  for (const Name& r : kRcodes)
    if (name == r.name) return r.code;
  return -1;
}

}  // namespace vigia::probe
