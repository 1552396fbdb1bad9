#pragma once
// The PostgreSQL client library, loaded when a PostgreSQL store is first opened (dlopen): the
// embedded default (SQLite) maps neither it nor what it pulls in (Kerberos, LDAP, GnuTLS, ...:
// about 3.5 MiB of resident memory). Private to this module.

#include <libpq-fe.h>

#include "base/result.h"

namespace atrium::store {

// The functions of libpq this module calls, named as in libpq without "PQ".
struct LibPq {
  decltype(&::PQconnectdb) connectdb = nullptr;
  decltype(&::PQfinish) finish = nullptr;
  decltype(&::PQstatus) status = nullptr;
  decltype(&::PQsocket) socket = nullptr;
  decltype(&::PQerrorMessage) errorMessage = nullptr;
  decltype(&::PQexec) exec = nullptr;
  decltype(&::PQprepare) prepare = nullptr;
  decltype(&::PQexecPrepared) execPrepared = nullptr;
  decltype(&::PQresultStatus) resultStatus = nullptr;
  decltype(&::PQresultErrorField) resultErrorField = nullptr;
  decltype(&::PQntuples) ntuples = nullptr;
  decltype(&::PQnfields) nfields = nullptr;
  decltype(&::PQgetvalue) getvalue = nullptr;
  decltype(&::PQgetisnull) getisnull = nullptr;
  decltype(&::PQcmdTuples) cmdTuples = nullptr;
  decltype(&::PQclear) clear = nullptr;
  decltype(&::PQconsumeInput) consumeInput = nullptr;
  decltype(&::PQnotifies) notifies = nullptr;
  decltype(&::PQfreemem) freemem = nullptr;
  decltype(&::PQresultErrorMessage) resultErrorMessage = nullptr;
  // Pipeline mode (libpq 14 and later).
  decltype(&::PQenterPipelineMode) enterPipelineMode = nullptr;
  decltype(&::PQexitPipelineMode) exitPipelineMode = nullptr;
  decltype(&::PQpipelineSync) pipelineSync = nullptr;
  decltype(&::PQsendQueryParams) sendQueryParams = nullptr;
  decltype(&::PQsendPrepare) sendPrepare = nullptr;
  decltype(&::PQsendQueryPrepared) sendQueryPrepared = nullptr;
  decltype(&::PQgetResult) getResult = nullptr;
};

// Loads libpq, once for the process (thread-safe); every later call gives the same outcome.
// Internal when it cannot be loaded or lacks a function.
Result<const LibPq*> LoadLibPq();

// The loaded library (loading it if that has not happened yet; aborts if it cannot be loaded).
// Called only by a PgStore or PgListener, which exist only once PgStore::Open loaded it.
const LibPq& Pq();

}  // namespace atrium::store
