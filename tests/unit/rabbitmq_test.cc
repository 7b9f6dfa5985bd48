// The rabbitmq area's pure parts: the `rabbitmq:` section and the readers of
// the management API's JSON (exporters/rabbitmq/api.h). The exporter against
// a real broker: tests/integration/test_rabbitmq.py.
#include <catch.hpp>

#include "exporters/rabbitmq/api.h"
#include "exporters/rabbitmq/config.h"

using namespace vigia;
using namespace vigia::rabbitmq;

TEST_CASE("rabbitmq config: targets, defaults and errors with file:line:column") {
  std::vector<TargetConfig> t;
  REQUIRE(parse_targets("vigia.yml",
                        "rabbitmq:\n"
                        "  - name: r1\n    url: http://127.0.0.1:15672/\n    username: mon\n"
                        "    password_env: RMQ_PW\n    per_object: true\n    queue_include: 'orders\\..*'\n"
                        "    queue_exclude: orders\\.tmp\n    max_queues: 10\n"
                        "  - name: r2\n    url: https://h:15671\n",
                        t)
              .is_ok());
  REQUIRE(t.size() == 2);
  CHECK(t[0].url == "http://127.0.0.1:15672");
  CHECK(t[0].per_object);
  CHECK(t[0].max_queues == 10);
  CHECK(t[0].wants("orders.eu"));
  CHECK_FALSE(t[0].wants("orders.tmp"));
  CHECK_FALSE(t[0].wants("xorders.eu"));
  CHECK(t[1].wants("anything"));
  CHECK_FALSE(t[1].per_object);
  CHECK(t[1].max_queues == 5000);

  auto error = [](const std::string& yaml) {
    std::vector<TargetConfig> out;
    Status st = parse_targets("vigia.yml", yaml, out);
    REQUIRE(st.is_error());
    return st.message();
  };
  CHECK(error("rabbitmq:\n  - name: a\n    url: ftp://h\n").rfind("vigia.yml:3:10: rabbitmq[0].url", 0) == 0);
  CHECK(error("rabbitmq:\n  - name: a\n    url: http://u:p@h\n").find("not in the URL") != std::string::npos);
  CHECK(error("rabbitmq:\n  - name: a\n    url: http://h\n    queue_include: '('\n")
            .rfind("vigia.yml:4:20: rabbitmq[0].queue_include: bad regular expression", 0) == 0);
  CHECK(error("rabbitmq:\n  - name: a\n    url: http://h\n    max_queues: 0\n").rfind("vigia.yml:4:17:", 0) ==
        0);
  CHECK(error("rabbitmq:\n  - name: a\n    url: http://h\n    password_env: X\n").find("needs a username") !=
        std::string::npos);
  CHECK(error("rabbitmq:\n  - name: a\n    uri: http://h\n").rfind("vigia.yml:3:5: unknown key 'uri'", 0) ==
        0);
}

TEST_CASE("rabbitmq api: overview and nodes") {
  Overview o;
  REQUIRE(parse_overview(R"({"node":"rabbit@a","cluster_name":"c","rabbitmq_version":"3.10.8",
                             "erlang_version":"25.2.3","other":{"x":[1,2]}})",
                         o)
              .is_ok());
  CHECK(o.node == "rabbit@a");
  CHECK(o.erlang_version == "25.2.3");
  CHECK(parse_overview(R"({"cluster_name":"c"})", o).message().find("\"node\"") != std::string::npos);

  std::vector<NodeInfo> nodes;
  REQUIRE(
      parse_nodes(R"([{"name":"rabbit@a","running":true,"mem_used":100,"mem_limit":2.5e9,"mem_alarm":false,
      "disk_free_alarm":true,"fd_used":10,"fd_total":1024,"uptime":5000,"partitions":["rabbit@c","rabbit@d"],
      "applications":[{"name":"prometheus","version":"4.9.1"},{"name":"rabbitmq_prometheus","version":"3.10.8"}]},
      {"name":"rabbit@b","running":false,"mem_used":null}])",
                  nodes)
          .is_ok());
  REQUIRE(nodes.size() == 2);
  CHECK(nodes[0].running);
  CHECK(nodes[0].mem_limit == 2.5e9);
  CHECK(nodes[0].mem_alarm == 0);
  CHECK(nodes[0].disk_free_alarm == 1);
  CHECK(nodes[0].uptime_ms == 5000);
  CHECK(nodes[0].partitions == 2);
  CHECK(nodes[0].prometheus_client_version == "4.9.1");
  CHECK(nodes[0].prometheus_plugin_version == "3.10.8");
  CHECK_FALSE(nodes[1].running);
  CHECK(std::isnan(nodes[1].mem_used));
}

TEST_CASE("rabbitmq api: overview message_stats, object_totals and the nodes' churn counters") {
  Overview o;
  REQUIRE(parse_overview(R"({"node":"rabbit@a","message_stats":{"publish":5,"publish_details":{"rate":0.2},
                             "confirm":4,"deliver_get":3,"get":1,"get_no_ack":2,"ack":null},
                             "object_totals":{"connections":2,"consumers":1}})",
                         o)
              .is_ok());
  CHECK(o.has_message_stats);
  CHECK(o.message_stats.publish == 5);
  CHECK(o.message_stats.confirm == 4);
  CHECK(o.message_stats.deliver_get == 3);
  CHECK(o.message_stats.get_no_ack == 2);
  CHECK(o.message_stats.ack == 0);        // null: not counted yet
  CHECK(o.message_stats.redeliver == 0);  // absent: not counted yet
  CHECK(o.consumers == 1);
  // No stats database (message_stats absent, or [] as the API writes an empty one): nothing.
  REQUIRE(parse_overview(R"({"node":"rabbit@a","message_stats":[]})", o).is_ok());
  CHECK_FALSE(o.has_message_stats);
  CHECK(std::isnan(o.message_stats.publish));
  CHECK(std::isnan(o.consumers));

  std::vector<NodeInfo> nodes;
  REQUIRE(parse_nodes(R"([{"name":"rabbit@a","connection_created":7,"connection_closed":6,"channel_created":5,
      "channel_closed":4,"queue_declared":3,"queue_created":2,"queue_deleted":1}])",
                      nodes)
              .is_ok());
  CHECK(nodes[0].connection_created == 7);
  CHECK(nodes[0].connection_closed == 6);
  CHECK(nodes[0].channel_created == 5);
  CHECK(nodes[0].channel_closed == 4);
  CHECK(nodes[0].queue_declared == 3);
  CHECK(nodes[0].queue_created == 2);
  CHECK(nodes[0].queue_deleted == 1);
}

TEST_CASE("rabbitmq api: a queue page, escapes and bad bodies") {
  std::vector<QueueInfo> qs;
  PageInfo p;
  auto keep = [&](const QueueInfo& q) { qs.push_back(q); };
  REQUIRE(parse_queue_page(R"({"filtered_count":3,"item_count":2,"items":[
      {"name":"q\"1\\x\nz","vhost":"/","node":"rabbit@a","messages":5,"messages_ready":4,
       "messages_unacknowledged":1,"consumers":2,"message_stats":{"publish":9,"deliver_get":4,"ack":3}},
      {"name":"\u00f1and\u00fa-\u65e5","vhost":"v","node":"rabbit@b"}],
      "page":1,"page_count":2,"page_size":2,"total_count":3})",
                           p, keep)
              .is_ok());
  CHECK(p.page_count == 2);
  CHECK(p.total_count == 3);
  REQUIRE(qs.size() == 2);
  CHECK(qs[0].name == "q\"1\\x\nz");
  CHECK(qs[0].messages_unacked == 1);
  CHECK(qs[0].published == 9);
  CHECK(qs[0].acked == 3);
  CHECK(qs[1].name ==
        "\xc3\xb1"
        "and\xc3\xba-\xe6\x97\xa5");
  CHECK(std::isnan(qs[1].messages));

  qs.clear();
  REQUIRE(parse_queue_page(R"([{"name":"a","messages":1},{"name":"b","messages":2}])", p, keep).is_ok());
  CHECK(qs.size() == 2);
  CHECK(p.page_count == 1);
  for (const char* bad : {"", "{not json", R"({"items":[{"name":"a")", R"({"items":{}})", "[1,2]",
                          R"({"page":1})", R"({"items":[]} trailing)", R"({"items":[1]})"}) {
    INFO(bad);
    CHECK(parse_queue_page(bad, p, keep).is_error());
  }
  std::vector<NodeInfo> nodes;
  CHECK(parse_nodes(R"([{"name":"a","running":true},)", nodes).is_error());
  CHECK(parse_nodes(R"({"name":"a"})", nodes).is_error());
  CHECK(parse_nodes(R"([{"running":true}])", nodes).is_error());
  std::string v;
  REQUIRE(
      parse_global_parameter(R"({"name":"internal_cluster_id","value":"rabbitmq-cluster-id-x"})", v).is_ok());
  CHECK(v == "rabbitmq-cluster-id-x");
}
