// The postgres exporter's collectors: one per query group, run one after the
// other on the target's connection by PostgresTarget (postgres.h).
#pragma once

#include <string>
#include <string_view>

#include "core/metric.h"

namespace pqxx {
class transaction_base;
class field;
}  // namespace pqxx

namespace vigia::postgres {

// What the target knows about its server before the collectors run.
struct ServerInfo {
  int version_num = 0;       // server_version_num, e.g. 150005
  bool in_recovery = false;  // a replica
  std::string database;      // the connection's database (current_database())
};

class QueryCollector {
 public:
  virtual ~QueryCollector() = default;
  // "settings", "stat_database"… (named in errors and in ?collect[]-like logs).
  virtual std::string_view name() const = 0;
  // Runs its queries on tx (autocommit: a failed query does not affect the
  // next collector) and writes its families. Throws pqxx exceptions; the
  // target catches them, drops the connection on broken_connection.
  virtual void collect(pqxx::transaction_base& tx, const ServerInfo& info, MetricSink& sink) = 0;
};

// A field as a double: NULL → NaN, booleans "t"/"f" → 1/0.
double field_value(const pqxx::field& f);

}  // namespace vigia::postgres
