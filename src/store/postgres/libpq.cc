#include "store/postgres/libpq.h"

#include "base/check.h"
#include "base/shared_library.h"

namespace atrium::store {
namespace {

// The soname of libpq's ABI since PostgreSQL 8.2 (Debian's libpq5, the library CMake found).
constexpr const char* kSoname = "libpq.so.5";

Result<LibPq> Load() {
  ATRIUM_ASSIGN_OR_RETURN(const SharedLibrary so, SharedLibrary::Open(kSoname));
  LibPq pq;
  ATRIUM_RETURN_IF_ERROR(so.Bind("PQconnectdb", pq.connectdb));
  ATRIUM_RETURN_IF_ERROR(so.Bind("PQfinish", pq.finish));
  ATRIUM_RETURN_IF_ERROR(so.Bind("PQstatus", pq.status));
  ATRIUM_RETURN_IF_ERROR(so.Bind("PQsocket", pq.socket));
  ATRIUM_RETURN_IF_ERROR(so.Bind("PQerrorMessage", pq.errorMessage));
  ATRIUM_RETURN_IF_ERROR(so.Bind("PQexec", pq.exec));
  ATRIUM_RETURN_IF_ERROR(so.Bind("PQprepare", pq.prepare));
  ATRIUM_RETURN_IF_ERROR(so.Bind("PQexecPrepared", pq.execPrepared));
  ATRIUM_RETURN_IF_ERROR(so.Bind("PQresultStatus", pq.resultStatus));
  ATRIUM_RETURN_IF_ERROR(so.Bind("PQresultErrorField", pq.resultErrorField));
  ATRIUM_RETURN_IF_ERROR(so.Bind("PQntuples", pq.ntuples));
  ATRIUM_RETURN_IF_ERROR(so.Bind("PQnfields", pq.nfields));
  ATRIUM_RETURN_IF_ERROR(so.Bind("PQgetvalue", pq.getvalue));
  ATRIUM_RETURN_IF_ERROR(so.Bind("PQgetisnull", pq.getisnull));
  ATRIUM_RETURN_IF_ERROR(so.Bind("PQcmdTuples", pq.cmdTuples));
  ATRIUM_RETURN_IF_ERROR(so.Bind("PQclear", pq.clear));
  ATRIUM_RETURN_IF_ERROR(so.Bind("PQconsumeInput", pq.consumeInput));
  ATRIUM_RETURN_IF_ERROR(so.Bind("PQnotifies", pq.notifies));
  ATRIUM_RETURN_IF_ERROR(so.Bind("PQfreemem", pq.freemem));
  ATRIUM_RETURN_IF_ERROR(so.Bind("PQresultErrorMessage", pq.resultErrorMessage));
  ATRIUM_RETURN_IF_ERROR(so.Bind("PQenterPipelineMode", pq.enterPipelineMode));
  ATRIUM_RETURN_IF_ERROR(so.Bind("PQexitPipelineMode", pq.exitPipelineMode));
  ATRIUM_RETURN_IF_ERROR(so.Bind("PQpipelineSync", pq.pipelineSync));
  ATRIUM_RETURN_IF_ERROR(so.Bind("PQsendQueryParams", pq.sendQueryParams));
  ATRIUM_RETURN_IF_ERROR(so.Bind("PQsendPrepare", pq.sendPrepare));
  ATRIUM_RETURN_IF_ERROR(so.Bind("PQsendQueryPrepared", pq.sendQueryPrepared));
  ATRIUM_RETURN_IF_ERROR(so.Bind("PQgetResult", pq.getResult));
  return pq;
}

}  // namespace

Result<const LibPq*> LoadLibPq() {
  static LoadedOnce<LibPq> pq(&Load);
  return pq.Get();
}

const LibPq& Pq() {
  auto loaded = LoadLibPq();
  ATRIUM_CHECK(loaded.ok(), "libpq cannot be loaded (only an open PostgreSQL store calls it)");
  return **loaded;
}

}  // namespace atrium::store
