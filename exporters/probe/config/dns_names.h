// DNS mnemonics as miekg/dns (blackbox_exporter's DNS library) spells them:
// types, classes and rcodes, both ways. Shared by the configuration reader and
// the dns prober's text form of records.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vigia::probe {

// "A" -> 1 … "ANY" -> 255; also "TYPE<n>". False if unknown.
bool dns_type_code(std::string_view name, uint16_t& out);
// 1 -> "A"; unknown ones as "TYPE<n>".
std::string dns_type_name(uint16_t code);
// "IN" -> 1, "CH" -> 3, "HS" -> 4, "NONE" -> 254, "ANY" -> 255; also "CLASS<n>".
bool dns_class_code(std::string_view name, uint16_t& out);
std::string dns_class_name(uint16_t code);
// "NOERROR" -> 0 … ; -1 if unknown.
int dns_rcode_code(std::string_view name);

}  // namespace vigia::probe
