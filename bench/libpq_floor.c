/* The resident-memory floor of any PostgreSQL exporter built on Debian's libpq.
 *
 * A C program that links libpq and nothing else (no C++ runtime, no HTTP
 * server, no exposition): it prints its VmRSS at start, after one connection
 * with one query of the kind an exporter runs, and after that connection is
 * closed. compare_postgres_exporter.py runs it against the same server as the
 * two exporters, to set vigia's RSS beside what libpq alone costs.
 *
 *   libpq_floor 'host=127.0.0.1 port=5432 user=u dbname=postgres'   (password: PGPASSWORD)
 *
 * Output, one "key kib" pair a line: start, connected, closed.
 * Exit status 0, or 1 with libpq's message when the connection or query fails. */
#include <libpq-fe.h>

#include "floor_util.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: libpq_floor CONNINFO\n");
    return 2;
  }
  printf("start %ld\n", floor_status_kib("VmRSS"));
  PGconn* conn = PQconnectdb(argv[1]);
  if (PQstatus(conn) != CONNECTION_OK) {
    fprintf(stderr, "libpq_floor: %s", PQerrorMessage(conn));
    PQfinish(conn);
    return 1;
  }
  PGresult* res = PQexec(conn, "SELECT datname, pg_database_size(datname) FROM pg_database");
  if (PQresultStatus(res) != PGRES_TUPLES_OK) {
    fprintf(stderr, "libpq_floor: %s", PQerrorMessage(conn));
    PQclear(res);
    PQfinish(conn);
    return 1;
  }
  PQclear(res);
  printf("connected %ld\n", floor_status_kib("VmRSS"));
  PQfinish(conn);
  printf("closed %ld\n", floor_status_kib("VmRSS"));
  return 0;
}
