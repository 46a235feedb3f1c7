#include "clickhouse_errors.h"

#include <charconv>

namespace pg2ch::chdb_front {
namespace {

const char* NameOf(int code) {
  switch (code) {
    case ch_code::kBadArguments:
      return "BAD_ARGUMENTS";
    case ch_code::kNotImplemented:
      return "NOT_IMPLEMENTED";
    case ch_code::kSyntaxError:
      return "SYNTAX_ERROR";
    case ch_code::kUnknownSetting:
      return "UNKNOWN_SETTING";
    case ch_code::kAuthenticationFailed:
      return "AUTHENTICATION_FAILED";
    case ch_code::kStdException:
      return "STD_EXCEPTION";
    default:
      return nullptr;
  }
}

}  // namespace

// Codes ClickHouse answers with something other than 500 (numbers from ErrorCodes.cpp).
int HttpStatusForCode(int code) {
  switch (code) {
    case 194:  // REQUIRED_PASSWORD
      return 401;
    case 192:  // UNKNOWN_USER
    case 193:  // WRONG_PASSWORD
    case 497:  // ACCESS_DENIED
    case 512:  // SET_NON_GRANTED_ROLE
    case 516:  // AUTHENTICATION_FAILED
      return 403;
    case 6:    // CANNOT_PARSE_TEXT
    case 8:    // THERE_IS_NO_COLUMN
    case 15:   // DUPLICATE_COLUMN
    case 25:   // CANNOT_PARSE_ESCAPE_SEQUENCE
    case 26:   // CANNOT_PARSE_QUOTED_STRING
    case 27:   // CANNOT_PARSE_INPUT_ASSERTION_FAILED
    case 36:   // BAD_ARGUMENTS
    case 37:   // UNKNOWN_ELEMENT_IN_AST
    case 38:   // CANNOT_PARSE_DATE
    case 41:   // CANNOT_PARSE_DATETIME
    case 44:   // ILLEGAL_COLUMN
    case 53:   // TYPE_MISMATCH
    case 62:   // SYNTAX_ERROR
    case 72:   // CANNOT_PARSE_NUMBER
    case 117:  // INCORRECT_DATA
    case 123:  // UNKNOWN_TYPE_OF_AST_NODE
    case 167:  // TOO_DEEP_AST
    case 168:  // TOO_BIG_AST
    case 223:  // UNEXPECTED_AST_STRUCTURE
    case 321:  // VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
    case 376:  // CANNOT_PARSE_UUID
    case 427:  // CANNOT_COMPILE_REGEXP
    case 441:  // CANNOT_PARSE_DOMAIN_VALUE_FROM_STRING
    case 675:  // CANNOT_PARSE_IPV4
    case 676:  // CANNOT_PARSE_IPV6
      return 400;
    case 46:   // UNKNOWN_FUNCTION
    case 47:   // UNKNOWN_IDENTIFIER
    case 50:   // UNKNOWN_TYPE
    case 56:   // UNKNOWN_STORAGE
    case 60:   // UNKNOWN_TABLE
    case 63:   // UNKNOWN_AGGREGATE_FUNCTION
    case 73:   // UNKNOWN_FORMAT
    case 78:   // UNKNOWN_TYPE_OF_QUERY
    case 81:   // UNKNOWN_DATABASE
    case 115:  // UNKNOWN_SETTING
    case 152:  // UNKNOWN_DIRECTION_OF_SORTING
    case 336:  // UNKNOWN_DATABASE_ENGINE
    case 511:  // UNKNOWN_ROLE
      return 404;
    case 229:  // QUERY_IS_TOO_LARGE
      return 413;
    case 48:  // NOT_IMPLEMENTED
      return 501;
    case 76:   // CANNOT_OPEN_FILE
    case 209:  // SOCKET_TIMEOUT
    case 439:  // CANNOT_SCHEDULE_TASK
      return 503;
    case 381:  // HTTP_LENGTH_REQUIRED
      return 411;
    case 159:  // TIMEOUT_EXCEEDED
      return 408;
    case 779:  // UNSUPPORTED_MEDIA_TYPE
      return 415;
    default:
      return 500;
  }
}

int ParseExceptionCode(std::string_view message) {
  constexpr std::string_view kPrefix = "Code: ";
  if (message.substr(0, kPrefix.size()) != kPrefix) return 0;
  const char* begin = message.data() + kPrefix.size();
  const char* end = message.data() + message.size();
  int code = 0;
  auto [ptr, ec] = std::from_chars(begin, end, code);
  if (ec != std::errc() || ptr == begin || ptr == end || *ptr != '.' || code <= 0) return 0;
  return code;
}

std::string FormatException(int code, std::string_view message) {
  std::string text = "Code: " + std::to_string(code) + ". DB::Exception: " + std::string(message);
  if (!text.empty() && text.back() != '.') text += '.';
  if (const char* name = NameOf(code)) text += std::string(" (") + name + ")";
  return text;
}

}  // namespace pg2ch::chdb_front
