// How a failed connection attempt to PostgreSQL is classified: pure functions over libpq's
// message, so the rules are testable without a server.
//
// libpq reports a failed connect only as text. With error verbosity VERBOSE (pg_connection.cpp
// sets it for the attempt) the server's ErrorResponse comes with its SQLSTATE
// ("... failed: FATAL:  28P01: password authentication failed for user ..."), whatever language
// the server speaks, so the SQLSTATE decides as it does for statements (SqlStateKind): bad
// password, no pg_hba.conf entry, missing role or database and insufficient privilege are fatal;
// too many connections and a server starting up or shutting down are retryable. Failures libpq
// detects itself carry no SQLSTATE: a missing password (libpq's own status) is fatal, the rest
// (refused, unreachable, timed out, host name not resolved, TLS handshake) retryable, since an
// outage looks the same; Setup turns repeated retryable failures into a clear Failed.
#pragma once

#include <string>
#include <string_view>

#include "common/error.h"

namespace pg2ch {

// Retryable for connection (08), operator intervention (57), insufficient resources (53),
// serialization failure, deadlock and lock timeout, and for no SQLSTATE at all; else fatal.
ErrorKind SqlStateKind(std::string_view sqlstate);

// The SQLSTATE of the last server error in a VERBOSE libpq message, "" when it has none.
std::string ConnectFailureSqlState(std::string_view message);

// `needs_password`: PQconnectionNeedsPassword().
ErrorKind ClassifyConnectFailure(std::string_view message, bool needs_password);

// The message without the LOCATION lines VERBOSE adds (server source file names): for users.
std::string WithoutLocation(std::string_view message);

}  // namespace pg2ch
