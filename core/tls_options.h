// Reading Prometheus common's `tls_config` block (ca_file, cert_file,
// key_file, server_name, insecure_skip_verify; min_version where the area
// asks for it) into TlsClientOptions (core/http_client.h): the one reader of
// every area that opens TLS connections. Relative file names are relative to
// the configuration file's directory, or to TlsReadOptions::dir.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/http_client.h"
#include "core/yaml_reader.h"

namespace vigia {

// How an area reads its tls_config; the defaults are the strict reading
// (unknown keys refused, cert_file and key_file together).
struct TlsReadOptions {
  // Relative file names are joined to this directory (empty: left relative);
  // unset: the directory of the reader's file.
  std::optional<std::string> dir;
  // Where min_version goes (TLS10, TLS11, TLS12, TLS13 as 0x0301..0x0304,
  // unchanged when absent); null: min_version is an unknown key. HttpClient
  // has no version floor, so only an area with TLS of its own asks for it.
  int* min_version = nullptr;
  // Keys refused by name ("<what>: 'max_version' is not supported by vigia")
  // rather than as unknown keys.
  std::vector<std::string_view> unsupported;
  // yaml.v2's reading (Alertmanager's): a key whose value is null counts as
  // absent, and insecure_skip_verify must be a plain bool (a quoted "true" is
  // a string, refused).
  bool yaml_v2 = false;
  // cert_file without key_file (and the reverse) is an error.
  bool cert_and_key_together = true;
};

// Throws ConfigError (file:line:column) for an unknown key, a non-scalar
// value, or cert_file without key_file (and the reverse).
TlsClientOptions read_tls_client_options(const YamlReader& r, const YAML::Node& n, const std::string& what);
// The same, read as `o` says.
TlsClientOptions read_tls_client_options(const YamlReader& r, const YAML::Node& n, const std::string& what,
                                         const TlsReadOptions& o);

}  // namespace vigia
