#include "http_front.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <optional>

#include "clickhouse_errors.h"
#include "insert_split.h"

namespace pg2ch::chdb_front {
namespace {

// URL parameters of ClickHouse's HTTP layer that the front does not implement. They are not
// settings, so they would otherwise read as "unknown setting", which would mislead.
constexpr std::string_view kUnsupportedHttpParams[] = {
    "compress",      "decompress",  "session_id", "session_timeout",
    "session_check", "buffer_size", "quota_key"};

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<std::string> Header(const HttpRequest& request, std::string_view name) {
  for (const auto& [key, value] : request.headers) {
    if (Lower(key) == name) return value;
  }
  return std::nullopt;
}

bool IsBlank(std::string_view text) {
  for (char c : text) {
    if (!std::isspace(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string DecodeBase64(std::string_view text) {
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    int v;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '+')
      v = 62;
    else if (c == '/')
      v = 63;
    else
      break;  // '=' padding or the end
    bits = (bits << 6) | static_cast<uint32_t>(v);
    if ((count += 6) >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xff);
    }
  }
  return out;
}

struct Credentials {
  std::string user = "default";
  std::string password;
};

// ClickHouse takes credentials from X-ClickHouse-User/-Key, from the user/password parameters or
// from Basic auth.
Credentials ReadCredentials(const HttpRequest& request) {
  Credentials credentials;
  if (auto auth = Header(request, "authorization"); auth && auth->rfind("Basic ", 0) == 0) {
    std::string pair = DecodeBase64(auth->substr(6));
    size_t colon = pair.find(':');
    credentials.user = pair.substr(0, colon);
    credentials.password = colon == std::string::npos ? "" : pair.substr(colon + 1);
  }
  for (const auto& [name, value] : request.params) {
    if (name == "user") credentials.user = value;
    if (name == "password") credentials.password = value;
  }
  if (auto user = Header(request, "x-clickhouse-user")) credentials.user = *user;
  if (auto key = Header(request, "x-clickhouse-key")) credentials.password = *key;
  if (credentials.user.empty()) credentials.user = "default";
  return credentials;
}

std::string NextQueryId() {
  static std::atomic<uint64_t> counter{0};
  return "chdb-http-" + std::to_string(++counter);
}

HttpResponse Plain(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

// An exception answer: body and header carry the same code.
HttpResponse Failure(int code, std::string body, const std::string& query_id) {
  HttpResponse response;
  response.status = HttpStatusForCode(code);
  response.body = std::move(body) + "\n";
  response.headers = {{"X-ClickHouse-Exception-Code", std::to_string(code)},
                      {"X-ClickHouse-Query-Id", query_id}};
  return response;
}

HttpResponse Exception(int code, std::string_view message, const std::string& query_id) {
  return Failure(code, FormatException(code, message), query_id);
}

// An engine failure, its code kept when the message carries one.
HttpResponse EngineFailure(const std::string& error, const std::string& query_id) {
  int code = ParseExceptionCode(error);
  if (code == 0) return Exception(ch_code::kStdException, "libchdb: " + error, query_id);
  return Failure(code, error, query_id);
}

}  // namespace

std::optional<HttpResponse> HttpFront::ReadParams(const HttpRequest& request, Params& params) {
  for (const auto& [name, value] : request.params) {
    if (name == "query") {
      params.query = value;
    } else if (name == "database") {
      params.statement.database = value;
    } else if (name == "default_format") {
      params.statement.default_format = value;
    } else if (name == "query_id") {
      params.query_id = value;
    } else if (name == "user" || name == "password" || name == "wait_end_of_query") {
      // Credentials are read apart; answers are always complete before they are sent.
    } else if (name.rfind("param_", 0) == 0 ||
               std::find(std::begin(kUnsupportedHttpParams), std::end(kUnsupportedHttpParams),
                         name) != std::end(kUnsupportedHttpParams)) {
      return Exception(ch_code::kNotImplemented,
                       "URL parameter '" + name + "' is not implemented by chdb_http_server",
                       params.query_id);
    } else if (engine_.IsSetting(name)) {
      params.statement.settings.emplace_back(name, value);
    } else {
      return Exception(ch_code::kUnknownSetting,
                       "Unknown setting '" + name + "' (URL parameter of chdb_http_server)",
                       params.query_id);
    }
  }
  Credentials credentials = ReadCredentials(request);
  if (credentials.user != "default" || !credentials.password.empty()) {
    return Exception(ch_code::kAuthenticationFailed,
                     credentials.user +
                         ": Authentication failed: password is incorrect, or there is no user "
                         "with such name",
                     params.query_id);
  }
  if (auto encoding = Header(request, "content-encoding");
      encoding && Lower(*encoding) != "identity") {
    return Exception(ch_code::kNotImplemented,
                     "Content-Encoding '" + *encoding + "' is not implemented by chdb_http_server",
                     params.query_id);
  }
  return std::nullopt;
}

HttpResponse HttpFront::Handle(const HttpRequest& request) {
  const bool get = request.method == "GET" || request.method == "HEAD";
  if (!get && request.method != "POST") {
    return Plain(405, "chdb_http_server answers GET and POST only, not " + request.method + "\n");
  }
  if (request.path == "/ping") return Plain(200, "Ok.\n");
  if (request.path != "/") return Plain(404, "There is no handle " + request.path + "\n");
  Params params;
  params.query_id = NextQueryId();
  if (auto refusal = ReadParams(request, params)) return *refusal;
  const std::string& query_id = params.query_id;
  if (get && params.query.empty() && request.body.empty()) return Plain(200, "Ok.\n");

  // ClickHouse reads the statement from the parameter, a newline and the body. An INSERT's data
  // goes to the engine apart from its statement (insert_split.h); when the parameter holds the
  // whole INSERT ... FORMAT, the data is the body as it is, not copied.
  const std::string query_line = params.query + "\n";
  std::string text;
  std::optional<InsertWithData> insert;
  if (!params.query.empty() && (insert = SplitInsert(query_line)) && insert->data.empty()) {
    insert->data = request.body;
  } else {
    text = params.query.empty() ? request.body : query_line + request.body;
    insert = SplitInsert(text);
  }
  if (insert && !insert->unsupported.empty()) {
    return Exception(ch_code::kNotImplemented,
                     insert->unsupported + ": not implemented by chdb_http_server", query_id);
  }
  std::string_view sql = insert ? insert->head : std::string_view(text);
  if (!insert && IsBlank(sql)) return Exception(ch_code::kSyntaxError, "Empty query", query_id);
  if (engine_.Classify(sql).count > 1) {
    return Exception(ch_code::kSyntaxError,
                     "Syntax error (Multi-statements are not allowed): send one statement per "
                     "request",
                     query_id);
  }
  EngineRequest& statement = params.statement;
  statement.sql = std::string(sql);
  if (insert) {
    statement.insert_format = std::string(insert->format);
    statement.insert_data = insert->data;
  }
  if (get) statement.settings.emplace_back("readonly", "2");  // what ClickHouse does for GET

  EngineResult result = engine_.Execute(statement);
  if (!result.ok) return EngineFailure(result.error, query_id);
  // Insert data must have become rows: zero rows from data that is not blank means the engine
  // did not read it, and success would claim work that was not done.
  if (insert && !IsBlank(insert->data) && result.rows_written == 0) {
    return Exception(ch_code::kStdException,
                     "the INSERT carried " + std::to_string(insert->data.size()) +
                         " bytes of data but libchdb wrote no rows",
                     query_id);
  }

  HttpResponse response;
  response.body = std::move(result.data);
  response.headers = {{"X-ClickHouse-Query-Id", query_id},
                      {"X-ClickHouse-Server-Display-Name", "chdb_http_server"},
                      {"X-ClickHouse-Summary",
                       "{\"written_rows\":\"" + std::to_string(result.rows_written) + "\"}"}};
  return response;
}

}  // namespace pg2ch::chdb_front
