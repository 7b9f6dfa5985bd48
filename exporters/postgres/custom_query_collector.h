// Custom queries of a target's queries_file (postgres_exporter's queries.yaml
// format, parsed by read_queries_file in target_config.h): one collector per
// query, so a failing query marks only itself failed (the target's error
// names it and is logged; pg_up stays 1).
#pragma once

#include <string>
#include <vector>

#include "core/collector.h"
#include "exporters/postgres/query_collector.h"
#include "exporters/pq/target_config.h"

namespace vigia::postgres {

using pq::CustomQuery;

// <namespace>_<column> for each COUNTER/GAUGE column, labelled by the LABEL
// columns (in file order); DISCARD columns are ignored. A NULL or non-numeric
// value is NaN, as postgres_exporter. With cache_seconds > 0 the last result
// is replayed until it is that old. With label_database (a target with
// database discovery, where one query runs in several databases) every
// series also carries datname=<the connection's database>, unless the query
// has a LABEL column of that name.
class CustomQueryCollector final : public QueryCollector {
 public:
  explicit CustomQueryCollector(CustomQuery q, bool label_database = false);
  std::string_view name() const override { return name_; }
  void collect(pqxx::transaction_base& tx, const ServerInfo& info, MetricSink& sink) override;

 private:
  struct Row {
    std::vector<std::string> labels;
    std::vector<double> values;  // one per value column
  };
  void write(MetricSink& sink) const;

  CustomQuery q_;
  std::string name_;  // "custom query pg_example (queries.yaml:3:1)"
  std::vector<const CustomQuery::Column*> label_cols_, value_cols_;
  std::vector<std::string> metric_names_;  // per value column
  bool label_database_ = false;
  std::string database_;  // of the last run, for label_database_
  std::vector<Row> cached_;
  Clock::time_point cached_at_{};
  bool have_cache_ = false;
};

}  // namespace vigia::postgres
