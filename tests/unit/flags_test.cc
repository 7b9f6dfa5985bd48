#include <catch.hpp>

#include <tuple>

#include "core/flags.h"

using namespace vigia;

namespace {

struct Flags {
  std::string addr = ":9100";
  std::string file;
  bool verbose = false;
  bool gzip = true;
  bool disable_defaults = false;
  std::vector<std::string> collect;
  // (name, negated, value, has_value) of each prefix call.
  std::vector<std::tuple<std::string, bool, std::string, bool>> prefixed;
  FlagSet set;

  Flags() {
    set.add_string("web.listen-address", "Address.", &addr);
    set.add_string("config.file", "Config.", &file);
    set.add_bool("verbose", "Verbose.", &verbose);
    set.add_bool("web.gzip", "Gzip.", &gzip);
    set.add_bool("collector.disable-defaults", "Defaults off.", &disable_defaults);
    set.add_list("collect", "Collect.", &collect);
    set.add_prefix("collector.", "Switch a collector.",
                   [this](std::string_view rest, bool negated, std::string_view value, bool has_value) {
                     if (rest == "bogus") return std::string("no such collector");
                     prefixed.emplace_back(std::string(rest), negated, std::string(value), has_value);
                     return std::string();
                   });
  }
  Status parse(std::vector<std::string> args, std::vector<std::string>* pos = nullptr) {
    std::vector<std::string> p;
    Status st = set.parse(args, p);
    if (pos) *pos = p;
    return st;
  }
};

}  // namespace

TEST_CASE("string flags: --a=b and --a b; defaults kept otherwise") {
  Flags f;
  REQUIRE(f.parse({"--web.listen-address=127.0.0.1:9200", "--config.file", "vigia.yml"}).is_ok());
  CHECK(f.addr == "127.0.0.1:9200");
  CHECK(f.file == "vigia.yml");
  Flags g;
  REQUIRE(g.parse({}).is_ok());
  CHECK(g.addr == ":9100");
  Flags h;
  REQUIRE(h.parse({"--config.file="}).is_ok());  // an explicit empty value
  CHECK(h.file.empty());
  Flags k;
  REQUIRE(k.parse({"--config.file=a=b"}).is_ok());  // only the first '=' splits
  CHECK(k.file == "a=b");
}

TEST_CASE("bool flags: --x, --no-x, --x=true|false") {
  Flags f;
  REQUIRE(f.parse({"--verbose", "--no-web.gzip"}).is_ok());
  CHECK(f.verbose);
  CHECK_FALSE(f.gzip);
  REQUIRE(f.parse({"--verbose=false", "--web.gzip=true"}).is_ok());
  CHECK_FALSE(f.verbose);
  CHECK(f.gzip);
  Status st = f.parse({"--verbose=maybe"});
  CHECK(st.message() == "--verbose: expected true or false, got \"maybe\"");
}

TEST_CASE("a bool flag does not swallow the next argument") {
  Flags f;
  std::vector<std::string> pos;
  REQUIRE(f.parse({"--verbose", "exporter"}, &pos).is_ok());
  CHECK(f.verbose);
  CHECK(pos == std::vector<std::string>{"exporter"});
}

TEST_CASE("list flags repeat") {
  Flags f;
  REQUIRE(f.parse({"--collect=cpu", "--collect", "meminfo"}).is_ok());
  CHECK(f.collect == std::vector<std::string>{"cpu", "meminfo"});
}

TEST_CASE("prefix flags: --collector.<x> and --no-collector.<x>; names win over prefixes") {
  Flags f;
  REQUIRE(f.parse({"--collector.cpu", "--no-collector.nfs", "--collector.disable-defaults",
                   "--collector.textfile=dir"})
              .is_ok());
  CHECK(f.disable_defaults);
  REQUIRE(f.prefixed.size() == 3);
  CHECK(f.prefixed[0] == std::make_tuple(std::string("cpu"), false, std::string(), false));
  CHECK(f.prefixed[1] == std::make_tuple(std::string("nfs"), true, std::string(), false));
  CHECK(f.prefixed[2] == std::make_tuple(std::string("textfile"), false, std::string("dir"), true));
  Status st = f.parse({"--collector.bogus"});
  CHECK(st.message() == "--collector.bogus: no such collector");
  // The bare prefix is not a collector.
  CHECK(f.parse({"--collector."}).message() == "unknown flag --collector.");
}

TEST_CASE("unknown flags and missing values are errors naming the flag") {
  Flags f;
  CHECK(f.parse({"--web.listen-adress=:1"}).message() == "unknown flag --web.listen-adress");
  CHECK(f.parse({"--no-config.file"}).message() == "unknown flag --no-config.file");
  CHECK(f.parse({"--config.file"}).message() == "--config.file: expected a value");
  CHECK(f.parse({"--collect"}).message() == "--collect: expected a value");
}

TEST_CASE("positional arguments in order; -- ends the flags") {
  Flags f;
  std::vector<std::string> pos;
  REQUIRE(f.parse({"check", "--verbose", "config", "-", "-x", "--", "--web.gzip", "--nope"}, &pos).is_ok());
  CHECK(pos == std::vector<std::string>{"check", "config", "-", "-x", "--web.gzip", "--nope"});
  CHECK(f.verbose);
  CHECK(f.gzip);  // untouched: after "--"
}

TEST_CASE("usage lists every flag with its default") {
  Flags f;
  std::string u = f.set.usage("vigia", "Metrics and alerts.");
  CHECK(u.find("--web.listen-address=VALUE") != std::string::npos);
  CHECK(u.find("(default: :9100)") != std::string::npos);
  CHECK(u.find("--[no-]verbose") != std::string::npos);
  CHECK(u.find("--[no-]collector.<name>") != std::string::npos);
}
