#include "exporters/probe/dns_message.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "exporters/probe/config/dns_names.h"

namespace vigia::probe {
namespace {

constexpr size_t kMaxRecords = 4096;

class Reader {
 public:
  explicit Reader(std::string_view m) : m_(m) {}
  bool u8(size_t at, uint8_t& v) const {
    if (at >= m_.size()) return false;
    v = static_cast<uint8_t>(m_[at]);
    return true;
  }
  bool u16(size_t at, uint16_t& v) const {
    if (at + 2 > m_.size()) return false;
    v = static_cast<uint16_t>(static_cast<uint8_t>(m_[at]) << 8 | static_cast<uint8_t>(m_[at + 1]));
    return true;
  }
  bool u32(size_t at, uint32_t& v) const {
    uint16_t hi, lo;
    if (!u16(at, hi) || !u16(at + 2, lo)) return false;
    v = static_cast<uint32_t>(hi) << 16 | lo;
    return true;
  }
  // A (possibly compressed) name at `at` in miekg's text form ("a.example."),
  // `next` the offset after it in place.
  bool name(size_t at, std::string& out, size_t& next) const {
    out.clear();
    bool jumped = false;
    int jumps = 0;
    size_t total = 0;
    while (true) {
      uint8_t len;
      if (!u8(at, len)) return false;
      if ((len & 0xc0) == 0xc0) {
        uint8_t lo;
        if (!u8(at + 1, lo)) return false;
        if (!jumped) next = at + 2;
        jumped = true;
        size_t target = static_cast<size_t>(len & 0x3f) << 8 | lo;
        if (++jumps > 64 || target >= at) return false;  // only backwards: no loops
        at = target;
        continue;
      }
      if (len & 0xc0) return false;  // reserved label types
      if (len == 0) {
        if (!jumped) next = at + 1;
        if (out.empty()) out = ".";
        return true;
      }
      if (at + 1 + len > m_.size()) return false;
      total += len + 1;
      if (total > 255) return false;
      for (size_t i = 0; i < len; ++i) {
        unsigned char ch = static_cast<unsigned char>(m_[at + 1 + i]);
        if (ch == '.' || ch == ' ' || ch == '\'' || ch == '@' || ch == ';' || ch == '(' || ch == ')' ||
            ch == '"' || ch == '\\') {
          out += '\\';
          out += static_cast<char>(ch);
        } else if (ch < 0x21 || ch > 0x7e) {
          char buf[5];
          std::snprintf(buf, sizeof buf, "\\%03u", ch);
          out += buf;
        } else {
          out += static_cast<char>(ch);
        }
      }
      out += '.';
      at += 1 + len;
    }
  }
  std::string_view bytes(size_t at, size_t n) const { return m_.substr(at, n); }
  size_t size() const { return m_.size(); }

 private:
  std::string_view m_;
};

// A character-string as miekg quotes TXT data.
std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (unsigned char ch : s) {
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += static_cast<char>(ch);
    } else if (ch < 0x20 || ch > 0x7e) {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\%03u", ch);
      out += buf;
    } else {
      out += static_cast<char>(ch);
    }
  }
  return out + "\"";
}

// The record's data in miekg's text form; RFC 3597's "\# len hex" for types
// without one here.
bool rdata_text(const Reader& r, uint16_t type, size_t at, size_t len, std::string& out) {
  size_t end = at + len, next = 0;
  std::string n1, n2;
  uint16_t a = 0, b = 0, c = 0;
  uint32_t v[5];
  switch (type) {
    case 1:  // A
      if (len != 4) return false;
      out = std::to_string(static_cast<uint8_t>(r.bytes(at, 1)[0])) + "." +
            std::to_string(static_cast<uint8_t>(r.bytes(at + 1, 1)[0])) + "." +
            std::to_string(static_cast<uint8_t>(r.bytes(at + 2, 1)[0])) + "." +
            std::to_string(static_cast<uint8_t>(r.bytes(at + 3, 1)[0]));
      return true;
    case 28: {  // AAAA
      if (len != 16) return false;
      char buf[INET6_ADDRSTRLEN];
      if (!inet_ntop(AF_INET6, r.bytes(at, 16).data(), buf, sizeof buf)) return false;
      out = buf;
      return true;
    }
    case 2:
    case 5:
    case 12:
    case 39:  // NS, CNAME, PTR, DNAME
      if (!r.name(at, n1, next) || next != end) return false;
      out = n1;
      return true;
    case 15:  // MX
      if (len < 3 || !r.u16(at, a) || !r.name(at + 2, n1, next) || next != end) return false;
      out = std::to_string(a) + " " + n1;
      return true;
    case 33:  // SRV
      if (len < 7 || !r.u16(at, a) || !r.u16(at + 2, b) || !r.u16(at + 4, c) || !r.name(at + 6, n1, next) ||
          next != end)
        return false;
      out = std::to_string(a) + " " + std::to_string(b) + " " + std::to_string(c) + " " + n1;
      return true;
    case 6:  // SOA
      if (!r.name(at, n1, next) || !r.name(next, n2, next) || next + 20 != end) return false;
      for (int i = 0; i < 5; ++i) r.u32(next + 4 * static_cast<size_t>(i), v[i]);
      out = n1 + " " + n2 + " " + std::to_string(v[0]) + " " + std::to_string(v[1]) + " " +
            std::to_string(v[2]) + " " + std::to_string(v[3]) + " " + std::to_string(v[4]);
      return true;
    case 16:
    case 99: {  // TXT, SPF
      out.clear();
      for (size_t p = at; p < end;) {
        uint8_t n = 0;
        if (!r.u8(p, n) || p + 1 + n > end) return false;
        if (!out.empty()) out += ' ';
        out += quoted(r.bytes(p + 1, n));
        p += 1 + n;
      }
      return true;
    }
    default: {
      static const char kHex[] = "0123456789abcdef";
      out = "\\# " + std::to_string(len);
      if (len) out += ' ';
      for (unsigned char ch : r.bytes(at, len)) {
        out += kHex[ch >> 4];
        out += kHex[ch & 15];
      }
      return true;
    }
  }
}

}  // namespace

std::string dns_query(uint16_t id, std::string_view name, uint16_t type, uint16_t klass,
                      bool recursion_desired) {
  std::string m;
  auto put16 = [&](uint16_t v) {
    m += static_cast<char>(v >> 8);
    m += static_cast<char>(v & 0xff);
  };
  put16(id);
  put16(recursion_desired ? 0x0100 : 0);
  put16(1), put16(0), put16(0), put16(0);
  // Labels split at unescaped dots; "\." and "\DDD" as miekg writes them.
  std::string label;
  auto flush = [&] {
    if (label.empty()) return;
    m += static_cast<char>(std::min<size_t>(label.size(), 63));
    m.append(label, 0, 63);
    label.clear();
  };
  for (size_t i = 0; i < name.size(); ++i) {
    char ch = name[i];
    if (ch == '\\' && i + 1 < name.size()) {
      if (i + 3 < name.size() && isdigit(static_cast<unsigned char>(name[i + 1])) &&
          isdigit(static_cast<unsigned char>(name[i + 2])) &&
          isdigit(static_cast<unsigned char>(name[i + 3]))) {
        label +=
            static_cast<char>((name[i + 1] - '0') * 100 + (name[i + 2] - '0') * 10 + (name[i + 3] - '0'));
        i += 3;
      } else {
        label += name[++i];
      }
    } else if (ch == '.') {
      flush();
    } else {
      label += ch;
    }
  }
  flush();
  m += '\0';
  put16(type);
  put16(klass);
  return m;
}

bool parse_dns_response(std::string_view msg, DnsResponse& out, std::string& err) {
  out = DnsResponse{};
  Reader r(msg);
  uint16_t id, flags, qd, an, ns, ar;
  if (!r.u16(0, id) || !r.u16(2, flags) || !r.u16(4, qd) || !r.u16(6, an) || !r.u16(8, ns) ||
      !r.u16(10, ar)) {
    err = "dns: short message";
    return false;
  }
  if (!(flags & 0x8000)) {
    err = "dns: not a response";
    return false;
  }
  out.id = id;
  out.rcode = flags & 0x0f;
  out.truncated = flags & 0x0200;
  size_t at = 12;
  std::string name;
  for (uint16_t i = 0; i < qd; ++i) {
    if (!r.name(at, name, at) || at + 4 > msg.size()) {
      err = "dns: bad question";
      return false;
    }
    at += 4;
  }
  if (static_cast<size_t>(an) + ns + ar > kMaxRecords) {
    err = "dns: too many records";
    return false;
  }
  std::vector<std::string>* sections[] = {&out.answer, &out.authority, &out.additional};
  uint16_t counts[] = {an, ns, ar};
  for (int s = 0; s < 3; ++s) {
    for (uint16_t i = 0; i < counts[s]; ++i) {
      uint16_t type, klass, len;
      uint32_t ttl;
      if (!r.name(at, name, at) || !r.u16(at, type) || !r.u16(at + 2, klass) || !r.u32(at + 4, ttl) ||
          !r.u16(at + 8, len) || at + 10 + len > msg.size()) {
        err = "dns: bad resource record";
        return false;
      }
      at += 10;
      std::string data;
      if (type == 41) {  // OPT: the extended rcode's high bits; miekg prints it as a pseudo-section
        out.rcode |= static_cast<int>((ttl >> 24) & 0xff) << 4;
        data = "\\# " + std::to_string(len);
      } else if (!rdata_text(r, type, at, len, data)) {
        err = "dns: bad " + dns_type_name(type) + " record";
        return false;
      }
      if (s == 0 && type == 6 && !out.has_soa_serial) {
        std::string mname, rname;
        size_t p = at;
        if (r.name(p, mname, p) && r.name(p, rname, p)) out.has_soa_serial = r.u32(p, out.soa_serial);
      }
      sections[s]->push_back(name + "\t" + std::to_string(ttl) + "\t" + dns_class_name(klass) + "\t" +
                             dns_type_name(type) + "\t" + data);
      at += len;
    }
  }
  return true;
}

}  // namespace vigia::probe
