// The part of ClickHouse's HTTP interface (https://clickhouse.com/docs/interfaces/http) that
// pg2ch and its tests use, answered by a SqlEngine. Independent of the HTTP library: main.cpp
// turns cpp-httplib requests into HttpRequest and back.
//
//   GET /ping, GET / without a query      200 "Ok.\n"
//   GET|POST /?query=<sql>[&settings]     the statement is the `query` parameter, a newline and
//                                         the body (ClickHouse concatenates them the same way),
//                                         so an INSERT ... FORMAT <fmt> in the URL takes its data
//                                         from the body; the data reaches the engine byte for
//                                         byte (insert_split.h). GET runs with readonly=2, as
//                                         ClickHouse does. One statement per request.
//   URL parameters                        query, database, default_format, user, password,
//                                         query_id, wait_end_of_query (the answer is always
//                                         complete before it is sent, so 0 and 1 both hold);
//                                         any other name that is an engine setting applies to
//                                         this request; anything else is refused
//                                         (UNKNOWN_SETTING), as are HTTP features the front does
//                                         not implement (compression, sessions, param_*).
//   credentials                           X-ClickHouse-User/-Key headers, user/password
//                                         parameters or Basic auth; only `default` without a
//                                         password exists, anything else is refused with
//                                         AUTHENTICATION_FAILED (403), so auth errors can be
//                                         tested.
//   success                               200, the output (TabSeparated unless the statement or
//                                         default_format says otherwise), X-ClickHouse-Summary
//                                         with written_rows.
//   failure                               see clickhouse_errors.h.
//
// A request is answered only once the engine has finished it; the front never answers success
// for work it did not do (an INSERT whose data is not blank but wrote no rows is an error), and
// a request whose body did not arrive whole is not run at all (main.cpp).
//
// Thread-safety: Handle() may run on many threads at once; the engine serialises.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sql_engine.h"

namespace pg2ch::chdb_front {

struct HttpRequest {
  std::string method;                                        // "GET", "POST", ...
  std::string path;                                          // without the query string
  std::vector<std::pair<std::string, std::string>> params;   // URL parameters, decoded
  std::vector<std::pair<std::string, std::string>> headers;  // names in any case
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=UTF-8";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

class HttpFront {
 public:
  explicit HttpFront(SqlEngine& engine) : engine_(engine) {}
  HttpResponse Handle(const HttpRequest& request);

 private:
  struct Params {
    std::string query_id;
    std::string query;        // the `query` parameter
    EngineRequest statement;  // database, default_format and settings filled in
  };
  // Reads the URL parameters and credentials; an answer when the request must be refused.
  std::optional<HttpResponse> ReadParams(const HttpRequest& request, Params& params);

  SqlEngine& engine_;
};

}  // namespace pg2ch::chdb_front
