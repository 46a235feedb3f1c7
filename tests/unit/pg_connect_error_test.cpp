// Connect failures classified by SQLSTATE (connect_error.h), on messages as libpq 15 writes them
// with VERBOSE errors (captured from a real server), and in another server language.
#include <gtest/gtest.h>

#include "source/postgres/connect_error.h"

namespace pg2ch {
namespace {

constexpr const char* kBadPassword =
    "connection to server at \"127.0.0.1\", port 55999 failed: FATAL:  28P01: password "
    "authentication failed for user \"postgres\"\nLOCATION:  auth_failed, auth.c:334\n";
constexpr const char* kNoHbaEntry =
    "connection to server at \"::1\", port 55999 failed: FATAL:  28000: no pg_hba.conf entry for "
    "host \"::1\", user \"postgres\", database \"postgres\", no encryption\nLOCATION:  "
    "ClientAuthentication, auth.c:544\n";
constexpr const char* kNoDatabase =
    "connection to server at \"127.0.0.1\", port 55999 failed: FATAL:  3D000: database \"nodb\" "
    "does not exist\nLOCATION:  InitPostgres, postinit.c:948\n";
constexpr const char* kNoPassword =
    "connection to server at \"127.0.0.1\", port 55999 failed: fe_sendauth: no password supplied\n";
constexpr const char* kRefused =
    "connection to server at \"127.0.0.1\", port 55998 failed: Connection refused\n\tIs the "
    "server running on that host and accepting TCP/IP connections?\n";

TEST(PgConnectError, ServerRefusalsAreFatalByTheirSqlState) {
  EXPECT_EQ(ConnectFailureSqlState(kBadPassword), "28P01");
  EXPECT_EQ(ClassifyConnectFailure(kBadPassword, false), ErrorKind::kFatal);
  EXPECT_EQ(ConnectFailureSqlState(kNoHbaEntry), "28000");
  EXPECT_EQ(ClassifyConnectFailure(kNoHbaEntry, false), ErrorKind::kFatal);
  EXPECT_EQ(ClassifyConnectFailure(kNoDatabase, false), ErrorKind::kFatal);
  EXPECT_EQ(ClassifyConnectFailure("failed: FATAL:  42501: permission denied to start WAL sender\n",
                                   false),
            ErrorKind::kFatal);
}

TEST(PgConnectError, BusyOrRestartingServersAreRetryable) {
  EXPECT_EQ(
      ClassifyConnectFailure(
          "failed: FATAL:  53300: sorry, too many clients already\nLOCATION:  x.c:1\n", false),
      ErrorKind::kRetryable);
  EXPECT_EQ(
      ClassifyConnectFailure("failed: FATAL:  57P03: the database system is starting up\n", false),
      ErrorKind::kRetryable);
  EXPECT_EQ(
      ClassifyConnectFailure(
          "failed: FATAL:  57P01: terminating connection due to administrator command\n", false),
      ErrorKind::kRetryable);
  EXPECT_EQ(ClassifyConnectFailure(kRefused, false), ErrorKind::kRetryable);
  EXPECT_EQ(ConnectFailureSqlState(kRefused), "");
}

TEST(PgConnectError, LibpqStatusDecidesWithoutSqlState) {
  EXPECT_EQ(ClassifyConnectFailure(kNoPassword, true), ErrorKind::kFatal);
  EXPECT_EQ(ClassifyConnectFailure("server does not support SSL, but SSL was required\n", false),
            ErrorKind::kRetryable);
}

// libpq's own TLS checks have no SQLSTATE; none of them is cured by waiting.
TEST(PgConnectError, CertificateProblemsAreFatal) {
  for (const char* message :
       {"connection to server at \"127.0.0.1\", port 5432 failed: SSL error: certificate verify "
        "failed\n",
        "connection to server at \"localhost\" (127.0.0.1), port 5432 failed: server certificate "
        "for \"127.0.0.1\" does not match host name \"localhost\"\n",
        "root certificate file \"/nope.pem\" does not exist\nEither provide the file or change "
        "sslmode to disable server certificate verification.\n",
        "could not open certificate file \"/c.pem\": No such file or directory\n"})
    EXPECT_EQ(ClassifyConnectFailure(message, false), ErrorKind::kFatal) << message;
}

// The English text matching this replaces got a translated server wrong.
TEST(PgConnectError, AnyServerLanguage) {
  const char* german =
      "Verbindung zum Server auf »127.0.0.1«, Port 5432 fehlgeschlagen: FATAL:  28P01: "
      "Passwort-Authentifizierung für Benutzer »app« fehlgeschlagen\n";
  EXPECT_EQ(ClassifyConnectFailure(german, false), ErrorKind::kFatal);
}

// libpq tries every address of a host: the last server answer decides.
TEST(PgConnectError, TheLastAttemptDecides) {
  std::string both = std::string(kRefused) + kBadPassword;
  EXPECT_EQ(ConnectFailureSqlState(both), "28P01");
  EXPECT_EQ(ClassifyConnectFailure(both, false), ErrorKind::kFatal);
}

TEST(PgConnectError, LocationLinesAreDropped) {
  EXPECT_EQ(WithoutLocation(kBadPassword),
            "connection to server at \"127.0.0.1\", port 55999 failed: FATAL:  28P01: password "
            "authentication failed for user \"postgres\"");
  EXPECT_EQ(
      WithoutLocation(kRefused),
      "connection to server at \"127.0.0.1\", port 55998 failed: Connection refused\n\tIs the "
      "server running on that host and accepting TCP/IP connections?");
}

TEST(PgConnectError, SqlStateClasses) {
  EXPECT_EQ(SqlStateKind(""), ErrorKind::kRetryable);
  EXPECT_EQ(SqlStateKind("08006"), ErrorKind::kRetryable);
  EXPECT_EQ(SqlStateKind("40P01"), ErrorKind::kRetryable);
  EXPECT_EQ(SqlStateKind("55P03"), ErrorKind::kRetryable);
  EXPECT_EQ(SqlStateKind("42P01"), ErrorKind::kFatal);
  EXPECT_EQ(SqlStateKind("55000"), ErrorKind::kFatal);
}

}  // namespace
}  // namespace pg2ch
