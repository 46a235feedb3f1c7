// ClickHouse's error conventions on its HTTP interface, as the test front reproduces them:
//
//   status  from the exception code, as ClickHouse's exceptionCodeToHTTPStatus() maps it
//           (src/Server/HTTP/exceptionCodeToHTTPStatus.cpp: 403 for authentication, 400 for
//           syntax and parse errors, 404 for unknown tables/databases/settings, 500 otherwise)
//   header  X-ClickHouse-Exception-Code: <N>
//   body    Code: <N>. DB::Exception: <message>. (<NAME>)
//
// Pure functions, no state.
#pragma once

#include <string>
#include <string_view>

namespace pg2ch::chdb_front {

// The exception codes the front raises itself (numbers as in ClickHouse's ErrorCodes.cpp).
namespace ch_code {
inline constexpr int kBadArguments = 36;
inline constexpr int kNotImplemented = 48;
inline constexpr int kSyntaxError = 62;
inline constexpr int kUnknownSetting = 115;
inline constexpr int kAuthenticationFailed = 516;
// An engine message without a code of its own.
inline constexpr int kStdException = 1001;
}  // namespace ch_code

// N of a message starting "Code: N." (libchdb's errors do); 0 when there is none.
int ParseExceptionCode(std::string_view message);

// The HTTP status ClickHouse answers an exception with this code with.
int HttpStatusForCode(int code);

// "Code: N. DB::Exception: <message>. (<NAME>)" for a code in ch_code; the name is left out for
// other codes.
std::string FormatException(int code, std::string_view message);

}  // namespace pg2ch::chdb_front
