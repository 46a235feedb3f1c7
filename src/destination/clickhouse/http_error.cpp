#include "destination/clickhouse/http_error.h"

#include <charconv>

namespace pg2ch {
namespace {

int ParseCode(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  int code = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), code);
  return ec == std::errc() && ptr != text.data() ? code : 0;
}

bool IsTransient(int code) {
  switch (code) {
    case 159:  // TIMEOUT_EXCEEDED
    case 164:  // READONLY: a replica lost its coordination session
    case 202:  // TOO_MANY_SIMULTANEOUS_QUERIES
    case 203:  // NO_FREE_CONNECTION
    case 209:  // SOCKET_TIMEOUT
    case 210:  // NETWORK_ERROR
    case 236:  // ABORTED
    case 241:  // MEMORY_LIMIT_EXCEEDED: usually other queries' memory
    case 242:  // TABLE_IS_READ_ONLY
    case 252:  // TOO_MANY_PARTS: retried with back-off (see the header)
    case 285:  // TOO_FEW_LIVE_REPLICAS
    case 286:  // UNSATISFIED_QUORUM_FOR_PREVIOUS_WRITE
    case 319:  // UNKNOWN_STATUS_OF_INSERT
    case 394:  // QUERY_WAS_CANCELLED
    case 999:  // KEEPER_EXCEPTION
      return true;
    default:
      return false;
  }
}

}  // namespace

int ClickHouseErrorCode(std::string_view header_code, std::string_view body) {
  if (int code = ParseCode(header_code); code != 0) return code;
  size_t at = body.find("Code: ");
  return at == std::string_view::npos ? 0 : ParseCode(body.substr(at + 6));
}

ErrorKind ClassifyClickHouseError(long http_status, int code) {
  if (code != 0) return IsTransient(code) ? ErrorKind::kRetryable : ErrorKind::kFatal;
  // No ClickHouse code: a proxy or load balancer in front of the server answered.
  switch (http_status) {
    case 408:
    case 429:
    case 502:
    case 503:
    case 504:
      return ErrorKind::kRetryable;
    default:
      return ErrorKind::kFatal;
  }
}

std::string RedactUrl(std::string_view url) {
  url = url.substr(0, url.find('?'));
  size_t scheme = url.find("://");
  size_t host_begin = scheme == std::string_view::npos ? 0 : scheme + 3;
  size_t at = url.find('@', host_begin);
  size_t slash = url.find('/', host_begin);
  if (at != std::string_view::npos && (slash == std::string_view::npos || at < slash)) {
    return std::string(url.substr(0, host_begin)) + std::string(url.substr(at + 1));
  }
  return std::string(url);
}

}  // namespace pg2ch
