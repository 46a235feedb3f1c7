#include "source/postgres/connect_error.h"

#include <cctype>

namespace pg2ch {
namespace {

bool IsSqlStateChar(char c) {
  return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'A' && c <= 'Z');
}

}  // namespace

ErrorKind SqlStateKind(std::string_view sqlstate) {
  std::string_view cls = sqlstate.substr(0, 2);
  bool retryable = sqlstate.empty() || cls == "08" || cls == "57" || cls == "53" ||
                   sqlstate == "40001" || sqlstate == "40P01" || sqlstate == "55P03";
  return retryable ? ErrorKind::kRetryable : ErrorKind::kFatal;
}

std::string ConnectFailureSqlState(std::string_view message) {
  // libpq writes "<severity>:  <SQLSTATE>: <text>": two spaces, five characters, a colon.
  std::string found;
  for (size_t at = message.find(":  "); at != std::string_view::npos;
       at = message.find(":  ", at + 1)) {
    std::string_view code = message.substr(at + 3, 7);
    if (code.size() == 7 && code[5] == ':' && code[6] == ' ') {
      bool ok = true;
      for (size_t i = 0; i < 5; ++i) ok = ok && IsSqlStateChar(code[i]);
      if (ok) found = std::string(code.substr(0, 5));
    }
  }
  return found;
}

ErrorKind ClassifyConnectFailure(std::string_view message, bool needs_password) {
  std::string sqlstate = ConnectFailureSqlState(message);
  if (!sqlstate.empty()) return SqlStateKind(sqlstate);
  // libpq's own TLS checks carry no SQLSTATE: a server certificate that the CA file does not
  // verify or that names another host, a certificate or key file missing or unreadable. Retrying
  // changes none of them (libpq's messages are not translated: pg2ch sets no locale).
  if (message.find("certificate") != std::string_view::npos) return ErrorKind::kFatal;
  return needs_password ? ErrorKind::kFatal : ErrorKind::kRetryable;
}

std::string WithoutLocation(std::string_view message) {
  std::string out;
  while (!message.empty()) {
    size_t end = message.find('\n');
    std::string_view line = message.substr(0, end);
    if (line.substr(0, 9) != "LOCATION:") {
      if (!out.empty()) out += '\n';
      out += line;
    }
    if (end == std::string_view::npos) break;
    message.remove_prefix(end + 1);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

}  // namespace pg2ch
