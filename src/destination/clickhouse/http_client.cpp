#include "destination/clickhouse/http_client.h"

#include <curl/curl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <exception>
#include <mutex>
#include <optional>

#include "common/error.h"
#include "destination/clickhouse/http_error.h"

namespace pg2ch {
namespace {

constexpr long kConnectTimeoutSeconds = 10;
constexpr size_t kMaxMessageBytes = 2000;
constexpr long kStreamUploadBuffer = 512 * 1024;
// A peer that vanished without a reset (a network cut, a frozen host) is noticed within this
// bound instead of TCP's ~15 minutes of retransmissions: keepalive probes after 10 s of silence
// every 5 s, and TCP_USER_TIMEOUT for data sent but never acknowledged. The same bound as the
// PostgreSQL connections (pg_connection.h); README "Network faults".
constexpr long kKeepaliveIdleSeconds = 10;
constexpr long kKeepaliveIntervalSeconds = 5;
constexpr unsigned kTcpUserTimeoutMs = 30000;

int SetUserTimeout(void*, curl_socket_t fd, curlsocktype purpose) {
  if (purpose == CURLSOCKTYPE_IPCXN) {
    unsigned timeout = kTcpUserTimeoutMs;
    setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &timeout, sizeof timeout);
  }
  return CURL_SOCKOPT_OK;
}

// What the read trampoline needs: the producer, and where to park its exception (exceptions
// must not cross libcurl's C frames).
struct StreamSource {
  const std::function<size_t(char*, size_t)>* read;
  std::exception_ptr error;
};

size_t ReadStream(char* buffer, size_t size, size_t count, void* user) {
  auto* source = static_cast<StreamSource*>(user);
  try {
    return (*source->read)(buffer, size * count);
  } catch (...) {
    source->error = std::current_exception();
    return CURL_READFUNC_ABORT;
  }
}

size_t AppendBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

size_t ReadHeader(char* data, size_t size, size_t count, void* user) {
  std::string_view line(data, size * count);
  constexpr std::string_view kName = "x-clickhouse-exception-code:";
  if (line.size() > kName.size()) {
    bool match = true;
    for (size_t i = 0; i < kName.size() && match; ++i) {
      match = (line[i] | 0x20) == kName[i] || line[i] == kName[i];
    }
    if (match) *static_cast<std::string*>(user) = std::string(line.substr(kName.size()));
  }
  return size * count;
}

// Curl failures that a later attempt can get past.
bool TransientCurlError(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

std::string ShortCurlReason(CURLcode code, const char* detail) {
  std::string reason;
  switch (code) {
    case CURLE_COULDNT_CONNECT:
      reason = "connection refused";
      break;
    case CURLE_COULDNT_RESOLVE_HOST:
      reason = "host not found";
      break;
    case CURLE_OPERATION_TIMEDOUT:
      reason = "timed out";
      break;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
      reason = "connection lost";
      break;
    default:
      reason = curl_easy_strerror(code);
      break;
  }
  if (detail != nullptr && detail[0] != '\0') reason += std::string(" (") + detail + ")";
  return reason;
}

std::string Trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  if (text.size() > kMaxMessageBytes) text = text.substr(0, kMaxMessageBytes) + "...";
  return text;
}

}  // namespace

struct ClickHouseClient::Impl {
  CURL* curl = nullptr;
  curl_slist* headers = nullptr;
  curl_slist* stream_headers = nullptr;  // headers plus "Transfer-Encoding: chunked"
  std::string base_url;                  // ends before the query string; no trailing '?'
  std::string redacted_url;
  std::optional<ServerCaps> caps;
  long timeout_seconds = ClickHouseEndpoint::kDefaultTimeoutSeconds;

  ~Impl() {
    if (headers != nullptr) curl_slist_free_all(headers);
    if (stream_headers != nullptr) curl_slist_free_all(stream_headers);
    if (curl != nullptr) curl_easy_cleanup(curl);
  }

  std::string Url(std::string_view params) const {
    std::string url = base_url;
    url += url.find('?') == std::string::npos ? '?' : '&';
    return url + std::string(params);
  }

  // POSTs `body` to `url`; returns the response body or throws a classified PipeError.
  std::string Post(const std::string& url, std::string_view body, std::string_view what) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    return Perform(url, what);
  }

  // POSTs a body pulled from `source` with chunked transfer encoding.
  std::string PostStream(const std::string& url, StreamSource& source, std::string_view what) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, nullptr);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(-1));
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, ReadStream);
    curl_easy_setopt(curl, CURLOPT_READDATA, &source);
    curl_easy_setopt(curl, CURLOPT_UPLOAD_BUFFERSIZE, kStreamUploadBuffer);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, stream_headers);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 0L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 2L * timeout_seconds);
    struct Restore {  // the handle serves plain requests afterwards
      CURL* curl;
      curl_slist* headers;
      long timeout_seconds;
      ~Restore() {
        curl_easy_setopt(curl, CURLOPT_READFUNCTION, nullptr);
        curl_easy_setopt(curl, CURLOPT_READDATA, nullptr);
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout_seconds);
        curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 0L);
        curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 0L);
      }
    } restore{curl, headers, timeout_seconds};
    try {
      return Perform(url, what);
    } catch (...) {
      // The producer's own failure explains an aborted transfer better than curl's message.
      if (source.error) std::rethrow_exception(source.error);
      throw;
    }
  }

  std::string Perform(const std::string& url, std::string_view what) {
    std::string response;
    std::string exception_code;
    char error_buffer[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, ReadHeader);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &exception_code);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
    CURLcode code = curl_easy_perform(curl);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
    if (code != CURLE_OK) {
      throw PipeError(TransientCurlError(code) ? ErrorKind::kRetryable : ErrorKind::kFatal,
                      "ClickHouse at " + redacted_url + ": " + ShortCurlReason(code, error_buffer));
    }
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200) {
      int ch_code = ClickHouseErrorCode(exception_code, response);
      std::string what_text(what.substr(0, 300));
      throw PipeError(ClassifyClickHouseError(status, ch_code),
                      "ClickHouse at " + redacted_url + " (HTTP " + std::to_string(status) +
                          "): " + Trim(response) + " [while running: " + what_text +
                          (what.size() > 300 ? "..." : "") + "]");
    }
    return response;
  }
};

ClickHouseClient::ClickHouseClient(ClickHouseEndpoint endpoint)
    : endpoint_(std::move(endpoint)), impl_(std::make_unique<Impl>()) {
  static std::once_flag curl_init;
  std::call_once(curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  impl_->curl = curl_easy_init();
  if (impl_->curl == nullptr) ThrowFatal("cannot initialise libcurl");
  std::string base = endpoint_.url;
  std::string query;
  if (size_t q = base.find('?'); q != std::string::npos) {
    query = base.substr(q);
    base.resize(q);
  }
  if (base.empty() || base.back() != '/') base += '/';
  impl_->base_url = base + query;
  impl_->redacted_url = RedactUrl(endpoint_.url);

  // Credentials travel as headers so they never show in a URL, a proxy log or a message.
  if (!endpoint_.user.empty()) {
    impl_->headers =
        curl_slist_append(impl_->headers, ("X-ClickHouse-User: " + endpoint_.user).c_str());
  }
  if (!endpoint_.password.empty()) {
    impl_->headers =
        curl_slist_append(impl_->headers, ("X-ClickHouse-Key: " + endpoint_.password).c_str());
  }
  // Without this curl waits up to a second for "100 Continue" before sending a large body.
  impl_->headers = curl_slist_append(impl_->headers, "Expect:");
  for (curl_slist* h = impl_->headers; h != nullptr; h = h->next)
    impl_->stream_headers = curl_slist_append(impl_->stream_headers, h->data);
  impl_->stream_headers = curl_slist_append(impl_->stream_headers, "Transfer-Encoding: chunked");
  CURL* curl = impl_->curl;
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, impl_->headers);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, kConnectTimeoutSeconds);
  impl_->timeout_seconds = endpoint_.timeout_seconds;
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, impl_->timeout_seconds);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPIDLE, kKeepaliveIdleSeconds);
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPINTVL, kKeepaliveIntervalSeconds);
  curl_easy_setopt(curl, CURLOPT_SOCKOPTFUNCTION, SetUserTimeout);
  if (!endpoint_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, endpoint_.ca_file.c_str());
}

ClickHouseClient::~ClickHouseClient() = default;

std::string ClickHouseClient::Query(std::string_view sql) {
  // wait_end_of_query buffers the answer on the server, so an error that happens after the
  // first rows still arrives as an error status instead of a truncated 200.
  return impl_->Post(impl_->Url("wait_end_of_query=1"), sql, sql);
}

void ClickHouseClient::Insert(std::string_view insert_sql, std::string_view body) {
  char* escaped =
      curl_easy_escape(impl_->curl, insert_sql.data(), static_cast<int>(insert_sql.size()));
  if (escaped == nullptr) ThrowFatal("cannot URL-encode an insert statement");
  std::string params = std::string("query=") + escaped;
  curl_free(escaped);
  impl_->Post(impl_->Url(params), body, insert_sql);
}

void ClickHouseClient::InsertStream(std::string_view insert_sql,
                                    const std::function<size_t(char*, size_t)>& read) {
  char* escaped =
      curl_easy_escape(impl_->curl, insert_sql.data(), static_cast<int>(insert_sql.size()));
  if (escaped == nullptr) ThrowFatal("cannot URL-encode an insert statement");
  std::string params = std::string("query=") + escaped;
  curl_free(escaped);
  StreamSource source{&read, nullptr};
  impl_->PostStream(impl_->Url(params), source, insert_sql);
}

const ServerCaps& ClickHouseClient::Caps() {
  if (!impl_->caps) {
    ServerCaps caps = ServerCaps::FromVersion(Query("SELECT version()"));
    if (caps.json) {
      caps.json_escape_dots = Query(
                                  "SELECT count() FROM system.settings WHERE name = "
                                  "'json_type_escape_dots_in_keys'") == "1\n";
    }
    impl_->caps = std::move(caps);
  }
  return *impl_->caps;
}

}  // namespace pg2ch
