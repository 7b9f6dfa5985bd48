// RemoteQuerier: the answer parser from literals shaped as Prometheus 2.42
// answers, and the request it sends (to vigia's own HTTP server). The e2e
// test tests/e2e/test_query_remote.py compares it with a real Prometheus.
#include <catch.hpp>

#include <cmath>
#include <mutex>

#include "alerting/promql/parser.h"
#include "alerting/remote_querier.h"
#include "core/http_server.h"

using namespace vigia;
using namespace vigia::alerting;
using namespace vigia::promql;
using namespace std::chrono_literals;

TEST_CASE("format_float_f spells numbers as Go's FormatFloat(v, 'f', -1, 64)") {
  CHECK(format_float_f(1) == "1");
  CHECK(format_float_f(0.1) == "0.1");
  CHECK(format_float_f(1e21) == "1000000000000000000000");
  CHECK(format_float_f(1.5e-7) == "0.00000015");
  CHECK(format_float_f(-2.25) == "-2.25");
  CHECK(format_float_f(1700000000.123) == "1700000000.123");
  CHECK(format_float_f(NAN) == "NaN");
  CHECK(format_float_f(-INFINITY) == "-Inf");
}

TEST_CASE("query answers: vector, scalar, string, matrix, errors") {
  auto v = parse_query_response(
      R"({"status":"success","data":{"resultType":"vector","result":[)"
      R"({"metric":{"job":"a","__name__":"up","instance":"x\"y\u00e9"},"value":[1700000000.5,"1"]},)"
      R"({"metric":{},"value":[1700000000.5,"NaN"]},{"metric":{"a":"b"},"value":[1700000000.5,"-Inf"]}]}})",
      200, 1700000000500, "http://p/api/v1/query");
  REQUIRE(v.ok());
  CHECK(v.type == ValueType::kVector);
  REQUIRE(v.vector.size() == 3);
  CHECK(labels_string(v.vector[0].labels) == "{__name__=\"up\", instance=\"x\\\"y\u00e9\", job=\"a\"}");
  CHECK(v.vector[0].v == 1);
  CHECK(v.vector[0].t == 1700000000500);
  CHECK(std::isnan(v.vector[1].v));
  CHECK(v.vector[2].v == -INFINITY);

  auto s = parse_query_response(
      R"({"status":"success","data":{"resultType":"scalar","result":[1.5,"0.25"]}})", 200, 0, "");
  CHECK(s.type == ValueType::kScalar);
  CHECK(s.scalar == 0.25);
  auto str = parse_query_response(
      R"({"status":"success","data":{"resultType":"string","result":[1.5,"hi"]}})", 200, 0, "");
  CHECK(str.type == ValueType::kString);
  CHECK(str.str == "hi");
  auto m = parse_query_response(
      R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{"b":"2","a":"1"},"values":[[10,"1"],[10.5,"+Inf"]]}]}})",
      200, 0, "");
  REQUIRE(m.ok());
  CHECK(m.type == ValueType::kMatrix);
  REQUIRE(m.matrix.size() == 1);
  CHECK(labels_string(m.matrix[0].labels) == "{a=\"1\", b=\"2\"}");
  REQUIRE(m.matrix[0].points.size() == 2);
  CHECK(m.matrix[0].points[1].t == 10500);
  CHECK(m.matrix[0].points[1].v == INFINITY);

  auto e = parse_query_response(
      R"({"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected end of input"})", 400,
      0, "http://p/api/v1/query");
  CHECK(e.error == "bad_data: 1:5: parse error: unexpected end of input");
  auto gateway = parse_query_response("<html>Bad Gateway</html>", 502, 0, "http://u:xxxxx@p/api/v1/query");
  CHECK(gateway.error ==
        "http://u:xxxxx@p/api/v1/query: server returned HTTP status 502: <html>Bad Gateway</html>");
  auto odd = parse_query_response(
      R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,2]}]}})", 200, 0,
      "X");
  CHECK(odd.error.find("X: unexpected answer: malformed sample") == 0);
  CHECK(parse_query_response(R"({"status":"success","data":{"resultType":"histo","result":[]}})", 200, 0, "X")
            .error == "X: unexpected answer: unknown resultType \"histo\"");
}

TEST_CASE("the request: POST query and time as the API takes them; credentials never in errors") {
  std::mutex mu;
  std::string method, ctype, auth;
  HttpServer server(HttpServer::Options{"127.0.0.1:0", 2});
  server.handle("/prefix/api/v1/query", [&](const HttpRequest& req, HttpResponse& resp) {
    std::lock_guard lock(mu);
    method = req.method;
    ctype = std::string(req.header("Content-Type"));
    auth = std::string(req.header("Authorization"));
    resp.content_type = "application/json";
    resp.body = R"({"status":"success","data":{"resultType":"scalar","result":[1.5,"7"]}})";
  });
  REQUIRE(server.start().is_ok());
  std::string base = "http://user:pa55word@127.0.0.1:" + std::to_string(server.port()) + "/prefix/";
  RemoteQuerier q(RemoteQuerierOptions{base, 5000ms, {}});
  ParseResult p = parse("sum(rate(x[5m])) > 1");
  REQUIRE(p.ok());
  QueryResult r = q.query(*p.expr, "sum(rate(x[5m])) > 1", 1700000000123);
  INFO(r.error);
  REQUIRE(r.ok());
  CHECK(r.scalar == 7);
  {
    std::lock_guard lock(mu);
    CHECK(method == "POST");
    CHECK(ctype == "application/x-www-form-urlencoded");
    CHECK(auth == "Basic dXNlcjpwYTU1d29yZA==");  // user:pa55word
  }
  server.stop();
  QueryResult down = q.query_text("up", 0);
  CHECK_FALSE(down.ok());
  CHECK(down.error.find("pa55word") == std::string::npos);
  CHECK(down.error.find("user:xxxxx@127.0.0.1") != std::string::npos);
}
