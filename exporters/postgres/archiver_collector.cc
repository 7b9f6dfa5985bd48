#include "exporters/postgres/archiver_collector.h"

#include <pqxx/pqxx>

namespace vigia::postgres {

void ArchiverCollector::collect(pqxx::transaction_base& tx, const ServerInfo&, MetricSink& sink) {
  pqxx::result r = tx.exec(
      "SELECT archived_count, failed_count, "
      "EXTRACT(EPOCH FROM now() - last_archived_time)::float8 FROM pg_stat_archiver");
  if (r.empty()) return;
  sink.counter("pg_stat_archiver_archived_count", "Number of WAL files that have been successfully archived",
               field_value(r[0][0]));
  sink.counter("pg_stat_archiver_failed_count", "Number of failed attempts for archiving WAL files",
               field_value(r[0][1]));
  sink.gauge("pg_stat_archiver_last_archive_age",
             "Time in seconds since last WAL segment was successfully archived", field_value(r[0][2]));
}

}  // namespace vigia::postgres
