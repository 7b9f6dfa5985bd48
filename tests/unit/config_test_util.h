// Unit tests of an area's config reader: a vigia.yml given as text, read
// through the loader and then the area's reader, and the error it gives.
#pragma once

#include <catch.hpp>

#include <string>
#include <vector>

#include "core/config.h"
#include "core/yaml_reader.h"

namespace vigia::test {

// Loads `yaml` as the file `file` with the area keys `sections`, then returns
// read(reader, config): the area's reader applied to the loaded file.
template <class Read>
auto read_config_text(const std::string& yaml, const std::string& file,
                      const std::vector<std::string>& sections, Read read) {
  Config cfg;
  Status st = load_config_text(yaml, file, sections, cfg);
  INFO(st.message());
  REQUIRE(st.is_ok());
  YamlReader r(cfg.file);
  return read(r, cfg);
}

// The message of the ConfigError that parse(yaml) throws; the test fails when
// it throws none.
template <class Parse>
std::string config_error_of(Parse parse, const std::string& yaml) {
  try {
    parse(yaml);
  } catch (const ConfigError& e) {
    return e.what();
  }
  FAIL("no error for " << yaml);
  return {};
}

}  // namespace vigia::test
