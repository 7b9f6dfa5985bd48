#include <catch.hpp>

#include <regex>

#include <stdexcept>

#include "alerting/promql/parser.h"
#include "alerting/store/scrape.h"
#include "core/exposition.h"
#include "core/exposition_parser.h"
#include "exporters/host/host.h"

using namespace vigia;
using namespace vigia::promql;
using store::InProcessTarget;
using store::Store;
using store::StoreSink;

namespace {

const LabelSet kTarget{{"instance", "localhost:9910"}, {"job", "node"}};

QueryResult eval(const Store& st, const char* expr, int64_t t) {
  ParseResult p = parse(expr);
  REQUIRE(p.ok());
  QueryResult r = evaluate_instant(*p.expr, st, t);
  REQUIRE(r.ok());
  return r;
}

std::vector<std::string> rendered(const Vector& v) {
  std::vector<std::string> out;
  for (const auto& s : v) out.push_back(labels_string(s.labels) + " " + std::to_string(s.v));
  std::sort(out.begin(), out.end());
  return out;
}

HostPaths fixture_paths() {
  HostPaths p;
  p.proc = VIGIA_FIXTURES "/host/proc";
  p.sys = VIGIA_FIXTURES "/host/sys";
  p.rootfs = VIGIA_FIXTURES "/host/rootfs";
  return p;
}

}  // namespace

TEST_CASE("target labels win; scraped ones of the same name become exported_*") {
  StoreSink sink(kTarget);
  Label l1[] = {{"job", "batch"}, {"mode", "idle"}};
  sink.sample("m", Labels(l1), 1);
  Label l2[] = {{"instance", "a"}, {"exported_instance", "old"}};
  sink.sample("n", Labels(l2), 2);
  Label l3[] = {{"z", ""}, {"a", "1"}};
  sink.sample("o", Labels(l3), 3);
  const Vector& v = sink.samples();
  REQUIRE(v.size() == 3);
  CHECK(labels_string(v[0].labels) ==
        "{__name__=\"m\", exported_job=\"batch\", instance=\"localhost:9910\", job=\"node\", mode=\"idle\"}");
  // As Prometheus 2.42: the existing exported_instance is overwritten.
  CHECK(labels_string(v[1].labels) ==
        "{__name__=\"n\", exported_instance=\"a\", instance=\"localhost:9910\", job=\"node\"}");
  CHECK(labels_string(v[2].labels) == "{__name__=\"o\", a=\"1\", instance=\"localhost:9910\", job=\"node\"}");
  sink.reset();
  sink.sample("m", {}, 4);
  CHECK(sink.samples().size() == 1);
}

TEST_CASE("in-process target: host collectors into the store, with up and scrape_* series") {
  CollectorCatalog catalog;
  host::HostOptions opts;
  opts.paths = fixture_paths();
  opts.netdev_netlink = false;
  host::register_collectors(catalog, opts);
  CollectorRegistry registry(catalog.build());
  bool fail = false;
  InProcessTarget target(kTarget, [&](const CollectContext& ctx, MetricSink& s) {
    if (fail) throw std::runtime_error("boom");
    registry.collect(ctx, s);
  });
  Store st;
  auto r1 = target.scrape(st, 0);
  auto r2 = target.scrape(st, 15000);
  CHECK(r1.up);
  CHECK(r2.samples == r1.samples);
  CHECK(r1.samples > 100);

  // What the store holds equals the exposition vigia serves, parsed back,
  // with the target labels: the embedded path and the HTTP path agree.
  std::string text = encode_text([&](MetricSink& s) { registry.collect(CollectContext{}, s); });
  StoreSink parsed(kTarget);
  REQUIRE(parse_exposition(text, parsed).is_ok());
  Vector expected = parsed.samples();
  // Durations, the clock and statfs of the live mount points (the fixture's
  // mounts are the machine's; other processes write to them) differ between
  // two collections.
  const char* live =
      "vigia_collector_duration_seconds|node_time_seconds|"
      "node_filesystem_(size|free|avail)_bytes|node_filesystem_files(_free)?";
  QueryResult all =
      eval(st, (std::string("{job=\"node\", __name__!~\"up|scrape_.*|") + live + "\"}").c_str(), 15000);
  std::erase_if(expected, [&](const Sample& s) {
    return std::regex_match(std::string(label_value(s.labels, "__name__")), std::regex(live));
  });
  std::vector<std::string> got = rendered(all.vector), want = rendered(expected), only_got, only_want;
  std::set_difference(got.begin(), got.end(), want.begin(), want.end(), std::back_inserter(only_got));
  std::set_difference(want.begin(), want.end(), got.begin(), got.end(), std::back_inserter(only_want));
  CHECK(only_got == std::vector<std::string>{});
  CHECK(only_want == std::vector<std::string>{});
  CHECK(got.size() == want.size());

  CHECK(eval(st, "up{job=\"node\", instance=\"localhost:9910\"}", 15000).vector.at(0).v == 1);
  CHECK(eval(st, "scrape_samples_scraped", 15000).vector.at(0).v == double(r2.samples));
  CHECK(eval(st, "scrape_samples_post_metric_relabeling", 15000).vector.at(0).v == double(r2.samples));
  CHECK(eval(st, "scrape_duration_seconds >= 0", 15000).vector.size() == 1);
  // Two scrapes of the same fixture: rates are zero, and they exist.
  auto rate = eval(st, "sum by (job) (rate(node_cpu_seconds_total[1m]))", 15000);
  REQUIRE(rate.vector.size() == 1);
  CHECK(rate.vector[0].v == 0);

  // A failed scrape: up 0 and the target's series stale at once.
  fail = true;
  auto r3 = target.scrape(st, 30000);
  CHECK_FALSE(r3.up);
  CHECK(eval(st, "up", 30000).vector.at(0).v == 0);
  CHECK(eval(st, "scrape_samples_scraped", 30000).vector.at(0).v == 0);
  CHECK(eval(st, "node_load1", 30000).vector.empty());
  CHECK(eval(st, "node_load1", 29999).vector.size() == 1);
  // The target goes away: everything stale, report series included.
  fail = false;
  target.scrape(st, 45000);
  CHECK(eval(st, "node_load1", 45000).vector.size() == 1);
  target.stop(st, 60000);
  CHECK(eval(st, "{job=\"node\"}", 60000).vector.empty());
}
