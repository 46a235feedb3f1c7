// How a failed ClickHouse HTTP request is classified: pure functions, so the rules are testable
// without a server.
//
// ClickHouse answers an error with a non-200 status and a body "Code: N. DB::Exception: ..."
// (older servers: "Code: N, e.displayText() = DB::Exception: ..."); newer servers also send the
// code in the X-ClickHouse-Exception-Code header. Transient codes are retryable: the server is
// busy or a network hop failed, and the same request can succeed later. TOO_MANY_PARTS (252) is
// also retried (inserts outran merges; backing off lets merges catch up) although ClickPipes
// treats it as a reason to tell the user. Authentication failures and everything else (unknown
// table, syntax, type mismatch) are fatal: retrying cannot help.
#pragma once

#include <string>
#include <string_view>

#include "common/error.h"

namespace pg2ch {

// The exception code from the header when present, else from the body; 0 when neither has one.
int ClickHouseErrorCode(std::string_view header_code, std::string_view body);
ErrorKind ClassifyClickHouseError(long http_status, int code);
// `url` without user:password@ and without the query string, for messages.
std::string RedactUrl(std::string_view url);

}  // namespace pg2ch
