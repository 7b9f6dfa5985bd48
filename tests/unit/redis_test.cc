// The redis area's pure parts: INFO ALL -> redis_exporter's families, the
// `redis:` section, addresses, BullMQ key names, a Sentinel's INFO and replies.
#include <catch.hpp>

#include <map>
#include <string>

#include "exporters/redis/bullmq.h"
#include "exporters/redis/config.h"
#include "exporters/redis/info.h"
#include "exporters/redis/reply_reader.h"
#include "exporters/redis/sentinel.h"

using namespace vigia;
using namespace vigia::redis;

namespace {

// "name{k=v,...}" -> value, and name -> type.
class MapSink final : public MetricSink {
 public:
  std::map<std::string, double> samples;
  std::map<std::string, MetricType> types;
  int duplicates = 0;
  void family(std::string_view name, std::string_view, MetricType t) override {
    types[std::string(name)] = t;
  }
  void sample(std::string_view name, Labels labels, double value, int64_t) override {
    std::string k(name);
    k += '{';
    for (const Label& l : labels) k += std::string(l.name) + "=" + std::string(l.value) + ",";
    k += '}';
    if (!samples.emplace(k, value).second) ++duplicates;
  }
  using MetricSink::sample;
  double at(const std::string& k) const {
    auto it = samples.find(k);
    if (it == samples.end()) FAIL("no sample " << k);
    return it->second;
  }
  bool has(const std::string& k) const { return samples.count(k) > 0; }
};

// Shaped as Redis 7.0's INFO ALL (CRLF line ends), abridged.
const char* kPrimary =
    "# Server\r\nredis_version:7.0.15\r\nredis_build_id:ae4d7c971a948f0\r\nredis_mode:standalone\r\n"
    "os:Linux 6.1.0 x86_64\r\nprocess_id:4242\r\nrun_id:abc123\r\ntcp_port:16379\r\nuptime_in_seconds:100\r\n"
    "# Clients\r\nconnected_clients:7\r\nmaxclients:4000\r\n"
    "# Memory\r\nused_memory:1048576\r\nmaxmemory:67108864\r\nmaxmemory_policy:allkeys-lru\r\n"
    "mem_fragmentation_ratio:1.25\r\n"
    "# Persistence\r\nrdb_last_bgsave_status:ok\r\naof_last_write_status:err\r\n"
    "# "
    "Stats\r\ntotal_connections_received:12\r\nrejected_connections:3\r\nevicted_keys:5\r\nlatest_fork_usec:"
    "2500\r\n"
    "# Replication\r\nrole:master\r\nconnected_slaves:2\r\n"
    "slave0:ip=127.0.0.1,port=16380,state=online,offset=1000,lag=1\r\n"
    "slave1:ip=127.0.0.2,port=16381,state=wait_bgsave,offset=0\r\n"
    "slave2:ip=bad\r\nmaster_repl_offset:1234\r\n"
    "# CPU\r\nused_cpu_sys:1.5\r\nused_cpu_user:2.25\r\n"
    "# Commandstats\r\ncmdstat_get:calls=21,usec=175,usec_per_call=8.33,rejected_calls=1,failed_calls=2\r\n"
    "cmdstat_config|get:calls=4,usec=40,usec_per_call=10.00\r\ncmdstat_bad:calls=x\r\n"
    "# Errorstats\r\nerrorstat_ERR:count=4\r\nerrorstat_WRONGTYPE:count=1\r\n"
    "# Latencystats\r\nlatency_percentiles_usec_get:p50=1.003,p99=5.023,p99.9=10.047\r\n"
    "latency_percentiles_usec_orphan:p50=1\r\n"
    "# Cluster\r\ncluster_enabled:0\r\n"
    "# Keyspace\r\ndb0:keys=10,expires=2,avg_ttl=5000\r\ndb3:keys=1,expires=0,avg_ttl=0\r\n";

}  // namespace

TEST_CASE("redis INFO: primary's families as redis_exporter names them") {
  MapSink s;
  InfoFacts f;
  InfoOptions opt;
  opt.now_seconds = 1000;
  opt.db_count = 4;
  write_info(kPrimary, opt, s, f);
  CHECK(s.duplicates == 0);
  CHECK(f.role == "master");
  CHECK(f.maxmemory == 67108864);
  CHECK(f.maxclients == 4000);
  CHECK(s.at("redis_memory_used_bytes{}") == 1048576);
  CHECK(s.at("redis_memory_max_bytes{}") == 67108864);
  CHECK(s.at("redis_mem_fragmentation_ratio{}") == 1.25);
  CHECK(s.at("redis_rdb_last_bgsave_status{}") == 1);
  CHECK(s.at("redis_aof_last_write_status{}") == 0);
  CHECK(s.at("redis_connected_clients{}") == 7);
  CHECK(s.at("redis_rejected_connections_total{}") == 3);
  CHECK(s.types["redis_rejected_connections_total"] == MetricType::kCounter);
  CHECK(s.at("redis_evicted_keys_total{}") == 5);
  CHECK(s.at("redis_latest_fork_seconds{}") == 0.0025);
  CHECK(s.at("redis_cpu_user_seconds_total{}") == 2.25);
  CHECK(s.at("redis_start_time_seconds{}") == 900);
  CHECK(s.at("redis_master_repl_offset{}") == 1234);
  CHECK(s.at("redis_connected_slaves{}") == 2);
  CHECK(s.at("redis_cluster_enabled{}") == 0);
  CHECK(s.at("redis_connected_slave_offset_bytes{slave_ip=127.0.0.1,slave_port=16380,slave_state=online,}") ==
        1000);
  CHECK(s.at("redis_connected_slave_lag_seconds{slave_ip=127.0.0.1,slave_port=16380,slave_state=online,}") ==
        1);
  // No lag field (Redis < 3): the offset only. A malformed slave line: nothing.
  CHECK(s.has(
      "redis_connected_slave_offset_bytes{slave_ip=127.0.0.2,slave_port=16381,slave_state=wait_bgsave,}"));
  CHECK_FALSE(s.has(
      "redis_connected_slave_lag_seconds{slave_ip=127.0.0.2,slave_port=16381,slave_state=wait_bgsave,}"));
  CHECK(s.at("redis_commands_total{cmd=get,}") == 21);
  CHECK(s.at("redis_commands_duration_seconds_total{cmd=get,}") == Approx(175e-6));
  CHECK(s.at("redis_commands_rejected_calls_total{cmd=get,}") == 1);
  CHECK(s.at("redis_commands_failed_calls_total{cmd=get,}") == 2);
  CHECK(s.at("redis_commands_total{cmd=config|get,}") == 4);
  CHECK_FALSE(s.has("redis_commands_rejected_calls_total{cmd=config|get,}"));  // pre-6.2 format
  CHECK_FALSE(s.has("redis_commands_total{cmd=bad,}"));
  CHECK(s.at("redis_errors_total{err=ERR,}") == 4);
  CHECK(s.at("redis_latency_percentiles_usec{cmd=get,quantile=99.9,}") == 10.047);
  CHECK(s.at("redis_latency_percentiles_usec{cmd=get,quantile=50,}") == 1.003);
  CHECK(s.at("redis_latency_percentiles_usec_sum{cmd=get,}") == 175);
  CHECK(s.at("redis_latency_percentiles_usec_count{cmd=get,}") == 21);
  CHECK_FALSE(s.has("redis_latency_percentiles_usec_count{cmd=orphan,}"));  // no commandstats line
  CHECK(s.at("redis_db_keys{db=db0,}") == 10);
  CHECK(s.at("redis_db_keys_expiring{db=db0,}") == 2);
  CHECK(s.at("redis_db_avg_ttl_seconds{db=db0,}") == 5);
  CHECK(s.at("redis_db_keys{db=db1,}") == 0);  // padded up to db_count
  CHECK(s.at("redis_db_keys{db=db3,}") == 1);
  CHECK_FALSE(s.has("redis_db_keys{db=db4,}"));
  CHECK(s.at("redis_instance_info{role=master,redis_version=7.0.15,redis_build_id=ae4d7c971a948f0,"
             "redis_mode=standalone,os=Linux 6.1.0 x86_64,maxmemory_policy=allkeys-lru,tcp_port=16379,"
             "run_id=abc123,process_id=4242,}") == 1);
  CHECK_FALSE(s.has("redis_slave_info{}"));
}

TEST_CASE("redis INFO: a replica's master link") {
  const char* replica =
      "# Replication\nrole:slave\nmaster_host:127.0.0.1\nmaster_port:16379\nmaster_link_status:down\n"
      "master_last_io_seconds_ago:-1\nmaster_sync_in_progress:0\nslave_read_repl_offset:5\n"
      "slave_repl_offset:77\nmaster_link_down_since_seconds:12\nslave_read_only:1\nconnected_slaves:0\n";
  MapSink s;
  InfoFacts f;
  write_info(replica, InfoOptions{}, s, f);
  CHECK(f.role == "slave");
  const std::string m = "{master_host=127.0.0.1,master_port=16379,}";
  CHECK(s.at("redis_master_link_up" + m) == 0);
  CHECK(s.at("redis_master_last_io_seconds_ago" + m) == -1);
  CHECK(s.at("redis_master_sync_in_progress" + m) == 0);
  CHECK(s.at("redis_slave_repl_offset" + m) == 77);
  CHECK(s.at("redis_master_link_down_since_seconds" + m) == 12);
  CHECK(s.at("redis_slave_info{master_host=127.0.0.1,master_port=16379,read_only=1,}") == 1);
  MapSink up;
  std::string text = replica;
  text.replace(text.find("link_status:down"), 16, "link_status:up");
  write_info(text, InfoOptions{}, up, f);
  CHECK(up.at("redis_master_link_up" + m) == 1);
}

TEST_CASE("redis INFO: malformed and repeated input") {
  MapSink s;
  InfoFacts f;
  InfoOptions opt;
  opt.db_count = 0;
  write_info(
      "garbage\n:\n# \nused_memory:notanumber\nused_memory:5\n# Keyspace\ndb0:keys=x\n"
      "# "
      "Commandstats\ncmdstat_get:calls=1,usec=1,usec_per_call=1\ncmdstat_get:calls=2,usec=1,usec_per_call=1\n"
      "\n\n# Errorstats\nerrorstat_X:count\n",
      opt, s, f);
  CHECK(s.duplicates == 0);
  CHECK(s.at("redis_memory_used_bytes{}") == 0);  // first seen wins; not a number reads as 0
  CHECK(s.at("redis_commands_total{cmd=get,}") == 1);
  CHECK_FALSE(s.has("redis_db_keys{db=db0,}"));
  CHECK_FALSE(s.has("redis_errors_total{err=X,}"));
  CHECK(
      s.has("redis_instance_info{role=,redis_version=,redis_build_id=,redis_mode=,os=,maxmemory_policy=,"
            "tcp_port=,run_id=,process_id=,}"));
  MapSink empty;
  write_info("", opt, empty, f);
  CHECK(empty.samples.size() == 1);  // redis_instance_info only
}

TEST_CASE("redis addresses") {
  TargetConfig t;
  bool has_db = false;
  std::string err;
  REQUIRE(parse_address("10.0.0.1:7000", t, has_db, err));
  CHECK(t.host == "10.0.0.1");
  CHECK(t.port == 7000);
  REQUIRE(parse_address("redis://cache.local/3", t, has_db, err));
  CHECK(t.host == "cache.local");
  CHECK(t.port == 6379);
  CHECK(has_db);
  CHECK(t.db == 3);
  REQUIRE(parse_address("[::1]:6380", t, has_db, err));
  CHECK(t.host == "::1");
  CHECK(t.port == 6380);
  CHECK_FALSE(t.tls);
  REQUIRE(parse_address("rediss://cache.local:6380/2", t, has_db, err));
  CHECK(t.tls);
  CHECK(t.host == "cache.local");
  CHECK(t.port == 6380);
  CHECK(t.db == 2);
  CHECK_FALSE(parse_address("redis://u:secret@h:6379", t, has_db, err));
  CHECK(err.find("secret") == std::string::npos);
  CHECK_FALSE(parse_address("h:99999", t, has_db, err));
  CHECK_FALSE(parse_address("::1:6379", t, has_db, err));
  CHECK_FALSE(parse_address("http://h", t, has_db, err));
  CHECK_FALSE(parse_address(":6379", t, has_db, err));
}

TEST_CASE("redis targets: the section") {
  std::vector<TargetConfig> t;
  REQUIRE(parse_targets("vigia.yml",
                        "redis:\n"
                        "  - name: cache\n    address: 127.0.0.1:16379\n    username: vigia\n"
                        "    password_env: REDIS_PASS\n    check_keys: [\"db1=session:*\", \"q:*\"]\n"
                        "    check_single_keys: [counter]\n    check_keys_limit: 10\n"
                        "    bullmq: {prefix: jobs, db: 2}\n"
                        "  - name: plain\n    address: redis://127.0.0.1:16380/4\n    bullmq: {}\n",
                        t)
              .is_ok());
  REQUIRE(t.size() == 2);
  CHECK(t[0].username == "vigia");
  CHECK(t[0].password.env == "REDIS_PASS");
  REQUIRE(t[0].check_keys.size() == 2);
  CHECK(t[0].check_keys[0].db == 1);
  CHECK(t[0].check_keys[0].key == "session:*");
  CHECK(t[0].check_keys[1].db == 0);
  CHECK(t[0].check_single_keys[0].key == "counter");
  CHECK(t[0].check_keys_limit == 10);
  CHECK(t[0].bullmq.enabled);
  CHECK(t[0].bullmq.prefix == "jobs");
  CHECK(t[0].bullmq.db == 2);
  CHECK(t[1].db == 4);
  CHECK(t[1].bullmq.enabled);
  CHECK(t[1].bullmq.prefix == "bull");
  CHECK_FALSE(t[1].tls);
  REQUIRE(parse_targets("/etc/vigia/vigia.yml",
                        "redis:\n  - name: tls\n    address: rediss://redis.internal:6380\n"
                        "    tls_config: {ca_file: ca.pem, cert_file: /abs/c.pem, key_file: c.key,\n"
                        "                 server_name: r1, insecure_skip_verify: true}\n",
                        t)
              .is_ok());
  CHECK(t[0].tls);
  CHECK(t[0].tls_config.ca_file == "/etc/vigia/ca.pem");
  CHECK(t[0].tls_config.cert_file == "/abs/c.pem");
  CHECK(t[0].tls_config.key_file == "/etc/vigia/c.key");
  CHECK(t[0].tls_config.server_name == "r1");
  CHECK(t[0].tls_config.insecure_skip_verify);
}

TEST_CASE("redis targets: errors name file:line:col") {
  auto error = [](const std::string& yaml) {
    std::vector<TargetConfig> t;
    Status st = parse_targets("vigia.yml", yaml, t);
    REQUIRE(st.is_error());
    return st.message();
  };
  CHECK(error("redis:\n  - name: a\n    address: h:1\n    tls_config: {ca_file: ca.pem}\n")
            .rfind("vigia.yml:4:17: redis[0].tls_config: needs a rediss:// address", 0) == 0);
  CHECK(error("redis:\n  - name: a\n    address: rediss://h:1\n    tls_config: {cert_file: c.pem}\n")
            .rfind("vigia.yml:4:17: redis[0].tls_config: cert_file and key_file must be given together", 0) ==
        0);
  CHECK(error("redis:\n  - name: a\n    address: rediss://h:1\n    tls_config: {ca: x}\n")
            .find("unknown key 'ca'") != std::string::npos);
  CHECK(error("redis:\n  - name: a\n    adress: h:1\n").rfind("vigia.yml:3:5: unknown key 'adress'", 0) == 0);
  CHECK(error("redis:\n  - name: a\n").rfind("vigia.yml:2:5: redis[0]: missing key 'address'", 0) == 0);
  CHECK(
      error("redis:\n  - {name: a, address: h}\n  - {name: a, address: h}\n").find("duplicate target name") !=
      std::string::npos);
  CHECK(error("redis:\n  - {name: a, address: h, username: u}\n").find("needs password_file") !=
        std::string::npos);
  CHECK(error("redis:\n  - {name: a, address: h, check_keys: [\"dbx=k\"]}\n").find("vigia.yml:2:") == 0);
  CHECK(error("redis:\n  - name: a\n    address: h\n    check_keys:\n      - ok\n      - \"dbx=k\"\n")
            .rfind("vigia.yml:6:9: redis[0].check_keys: 'dbx=k'", 0) == 0);
  CHECK(error("redis:\n  - {name: a, address: h, bullmq: {prefix: \"b*\"}}\n").find("must not contain") !=
        std::string::npos);
  CHECK(error("redis:\n  - {name: a, address: h, bullmq: {max_queues: 0}}\n").find("max_queues") !=
        std::string::npos);
  CHECK(error("redis:\n  - {name: a, address: \"redis://h/1\", db: 2}\n").find("already names a database") !=
        std::string::npos);
}

TEST_CASE("bullmq: queue names from meta and id keys") {
  CHECK(bullmq_queue_of("bull:email:meta", "bull") == "email");
  CHECK(bullmq_queue_of("bull:email:id", "bull") == "email");
  CHECK(bullmq_queue_of("bull:email:42", "bull") == "");
  CHECK(bullmq_queue_of("bull:email:mdx", "bull") == "");
  CHECK(bullmq_queue_of("bull::meta", "bull") == "");
  CHECK(bullmq_queue_of("bullx:email:meta", "bull") == "");
  CHECK(bullmq_queue_of("jobs:a:b:meta", "jobs") == "a:b");
}

namespace {

// A reply tree from RESP text, through hiredis's reader (as the connection reads).
struct Parsed {
  redisReply* r = nullptr;
  explicit Parsed(const std::string& resp) {
    redisReader* rd = make_reply_reader();
    redisReaderFeed(rd, resp.data(), resp.size());
    void* out = nullptr;
    REQUIRE(redisReaderGetReply(rd, &out) == REDIS_OK);
    r = static_cast<redisReply*>(out);
    redisReaderFree(rd);
  }
  ~Parsed() {
    if (r) freeReplyObject(r);
  }
};

std::string resp_map(std::initializer_list<std::pair<std::string, std::string>> kv) {
  std::string out = "*" + std::to_string(kv.size() * 2) + "\r\n";
  for (const auto& [k, v] : kv)
    for (const std::string& x : {k, v}) out += "$" + std::to_string(x.size()) + "\r\n" + x + "\r\n";
  return out;
}

}  // namespace

TEST_CASE("sentinel: INFO's Sentinel section, as redis_exporter 1.45") {
  const std::string info =
      "# Server\r\nredis_mode:sentinel\r\n\r\n# Sentinel\r\nsentinel_masters:2\r\nsentinel_tilt:0\r\n"
      "sentinel_tilt_since_seconds:-1\r\nsentinel_running_scripts:0\r\nsentinel_scripts_queue_length:3\r\n"
      "sentinel_simulate_failure_flags:0\r\n"
      "master0:name=cache,status=ok,address=10.0.0.1:6379,slaves=2,sentinels=3\r\n"
      "master1:name=jobs,status=sdown,address=10.0.0.2:6380,slaves=0,sentinels=1\r\n"
      "master2:name=bad,status=ok,address=10.0.0.3:1,slaves=x,sentinels=1\r\n"
      "master0:name=cache,status=ok,address=10.0.0.1:6379,slaves=9,sentinels=9\r\n";
  CHECK(is_sentinel_info(info));
  CHECK_FALSE(is_sentinel_info("# Server\r\nredis_mode:standalone\r\n"));
  MapSink sink;
  write_sentinel_info(info, sink);
  CHECK(sink.duplicates == 0);
  CHECK(sink.at("redis_sentinel_masters{}") == 2);
  CHECK(sink.at("redis_sentinel_scripts_queue_length{}") == 3);
  CHECK_FALSE(sink.has("redis_sentinel_tilt_since_seconds{}"));
  CHECK(
      sink.at(
          "redis_sentinel_master_status{master_name=cache,master_address=10.0.0.1:6379,master_status=ok,}") ==
      1);
  CHECK(sink.at("redis_sentinel_master_status{master_name=jobs,master_address=10.0.0.2:6380,master_status="
                "sdown,}") == 0);
  CHECK(sink.at("redis_sentinel_master_slaves{master_name=cache,master_address=10.0.0.1:6379,}") == 2);
  CHECK(sink.at("redis_sentinel_master_sentinels{master_name=jobs,master_address=10.0.0.2:6380,}") == 1);
  CHECK_FALSE(sink.has("redis_sentinel_master_slaves{master_name=bad,master_address=10.0.0.3:1,}"));
  MapSink none;
  write_sentinel_info("# Server\r\nmaster0:name=a,status=ok,address=b,slaves=1,sentinels=1\r\n", none);
  CHECK(none.samples.empty());
}

TEST_CASE("sentinel: SENTINEL MASTERS, CKQUORUM, SENTINELS, SLAVES") {
  Parsed masters("*3\r\n" +
                 resp_map({{"name", "cache"},
                           {"ip", "10.0.0.1"},
                           {"port", "6379"},
                           {"quorum", "2"},
                           {"down-after-milliseconds", "5000"},
                           {"failover-timeout", "x"}}) +
                 resp_map({{"name", "noport"}, {"ip", "10.0.0.9"}}) +
                 resp_map({{"name", "cache"}, {"ip", "10.0.0.5"}, {"port", "1"}}));
  std::vector<SentinelMaster> m = sentinel_masters(masters.r, 10);
  REQUIRE(m.size() == 1);
  CHECK(m[0].name == "cache");
  CHECK(m[0].address == "10.0.0.1:6379");
  CHECK(m[0].quorum == 2);
  CHECK(m[0].down_after_ms == 5000);
  CHECK(m[0].failover_timeout == 0);  // not a number: 0, as redis_exporter
  CHECK(m[0].parallel_syncs == 0);    // missing
  Parsed quorum("+OK 3 usable Sentinels. Quorum and failover authorization can be reached\r\n");
  Parsed sentinels("*2\r\n" + resp_map({{"flags", "sentinel"}}) + resp_map({{"flags", "s_down,sentinel"}}));
  Parsed slaves("*3\r\n" + resp_map({{"flags", "slave"}}) + resp_map({{"flags", "o_down,slave"}}) +
                resp_map({{"ip", "x"}}));
  MapSink sink;
  write_sentinel_details({{m[0], quorum.r, sentinels.r, slaves.r}}, sink);
  CHECK(
      sink.at(
          "redis_sentinel_master_ckquorum_status{master_name=cache,message=OK 3 usable Sentinels. Quorum and "
          "failover authorization can be reached,}") == 1);
  CHECK(sink.at("redis_sentinel_master_ok_sentinels{master_name=cache,master_address=10.0.0.1:6379,}") == 2);
  CHECK(sink.at("redis_sentinel_master_ok_slaves{master_name=cache,master_address=10.0.0.1:6379,}") == 1);
  CHECK(sink.at("redis_sentinel_master_setting_ckquorum{master_name=cache,master_address=10.0.0.1:6379,}") ==
        2);
  CHECK(sink.at(
            "redis_sentinel_master_setting_down_after_milliseconds{master_name=cache,master_address=10.0.0.1:"
            "6379,}") == 5000);
  Parsed noquorum("-NOQUORUM 1 usable Sentinels. Not enough available Sentinels\r\n");
  Parsed err("-ERR No such master with that name\r\n");
  MapSink down;
  write_sentinel_details({{m[0], noquorum.r, err.r, err.r}}, down);
  CHECK(
      down.at(
          "redis_sentinel_master_ckquorum_status{master_name=cache,message=NOQUORUM 1 usable Sentinels. Not "
          "enough available Sentinels,}") == 0);
  CHECK(down.at("redis_sentinel_master_ok_sentinels{master_name=cache,master_address=10.0.0.1:6379,}") == 1);
  CHECK(down.at("redis_sentinel_master_ok_slaves{master_name=cache,master_address=10.0.0.1:6379,}") == 0);
}

TEST_CASE("reply reader: an array longer than the cap fails instead of allocating it") {
  redisReader* rd = make_reply_reader();
  const std::string huge = "*2000000000\r\n";
  redisReaderFeed(rd, huge.data(), huge.size());
  void* out = nullptr;
  CHECK(redisReaderGetReply(rd, &out) == REDIS_ERR);
  CHECK(out == nullptr);
  redisReaderFree(rd);
  Parsed ok("*3\r\n:1\r\n$1\r\nx\r\n*0\r\n");
  REQUIRE(ok.r->type == REDIS_REPLY_ARRAY);
  CHECK(ok.r->elements == 3);
  CHECK(ok.r->element[0]->integer == 1);
  CHECK(ok.r->element[2]->elements == 0);
}
