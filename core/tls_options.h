// Reading Prometheus common's `tls_config` block (ca_file, cert_file,
// key_file, server_name, insecure_skip_verify) into TlsClientOptions
// (core/http_client.h), for any area that opens TLS connections of its own.
// Relative file names are relative to the configuration file's directory.
#pragma once

#include <string>

#include <yaml-cpp/yaml.h>

#include "core/http_client.h"
#include "core/yaml_reader.h"

namespace vigia {

// Throws ConfigError (file:line:column) for an unknown key, a non-scalar
// value, or cert_file without key_file (and the reverse).
TlsClientOptions read_tls_client_options(const YamlReader& r, const YAML::Node& n, const std::string& what);

}  // namespace vigia
