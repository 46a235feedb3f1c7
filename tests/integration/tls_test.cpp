// TLS and credentials as managed services give them: PostgreSQL with ssl = on and a certificate
// from the run's test CA (harness.h TestTls), checked by sslmode verify-ca / verify-full against
// sslrootcert, client certificates (mutual TLS), ClickHouse 18.16 over HTTPS checked against a CA
// file, and a user with only LOGIN REPLICATION, SELECT and the table owner's publication. A wrong
// CA or host name fails the pipe at create, naming the cause; no password or key ever shows.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>

#include "harness/engine_test.h"
#include "pipe_test_support.h"
#include "server_test_support.h"

namespace pg2ch::test {
namespace {

using nlohmann::json;

constexpr double kWait = 120;

std::string ReadFileText(const std::string& path) {
  std::stringstream text;
  text << std::ifstream(path).rdbuf();
  return text.str();
}

void EditPipe(const PipeFiles& files, const std::function<void(json&)>& edit) {
  json doc = json::parse(ReadFileText(files.pipe));
  edit(doc);
  std::ofstream(files.pipe, std::ios::trunc) << doc.dump(2);
}

std::vector<CompareColumn> Columns() { return {{"id::text", "toString(id)"}, {"v", "v"}}; }

void CreateTable(const TestDatabases& dbs) {
  PgExec(dbs.pg,
         "CREATE TABLE t (id int PRIMARY KEY, v text NOT NULL);"
         "INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 1000) g");
}

// Runs the pipe to Running, writes, and checks it is equal and every pg2ch connection (the
// slot's walsender included) is encrypted.
void ExpectReplicatesOverTls(const TestDatabases& dbs, const PipeFiles& files,
                             const std::string& pipe) {
  auto run = StartPg2ch(files);
  ASSERT_TRUE(WaitForState(files, pipe, PipeState::kRunning, kWait)) << run->Output();
  PgExec(dbs.pg, "UPDATE t SET v = 'changed' WHERE id % 3 = 0; DELETE FROM t WHERE id % 7 = 0");
  EXPECT_EQ(WaitForEqual(dbs, "t", "t", Columns(), "id", kWait), "") << run->Output();
  EXPECT_EQ(PgQuery(dbs.pg,
                    "SELECT bool_and(s.ssl)::text, (count(*) > 0)::text FROM pg_stat_ssl s JOIN "
                    "pg_stat_activity a USING (pid) WHERE a.application_name = 'pg2ch/peerflow_"
                    "slot_" +
                        pipe + "'"),
            (std::vector<std::vector<std::string>>{{"true", "true"}}));
  run->Signal(SIGTERM);
  EXPECT_EQ(run->Wait(30), 0) << run->Output();
  const std::string key = ReadFileText(GetServers().tls.client_key);
  const std::string key_body = key.substr(key.find('\n') + 1, 40);
  EXPECT_EQ(run->Output().find(key_body), std::string::npos) << "key leaked: " << run->Output();
  EXPECT_EQ(run->Output().find(kPgPassword), std::string::npos) << run->Output();
}

TEST(Tls, PostgresVerifyFullAgainstTheCaReplicatesOverTls) {
  TestDatabases dbs = NewTestDatabases("tlsfull", TestEngines().front());
  const std::string pipe = "tlsfull";
  CreateTable(dbs);
  PipeFiles files = WritePipe(dbs, pipe, {"public.t"});
  EditPipe(files, [](json& doc) {
    doc["source"]["sslmode"] = "verify-full";
    doc["source"]["sslrootcert"] = GetServers().tls.ca_cert;
  });
  ExpectReplicatesOverTls(dbs, files, pipe);
}

TEST(Tls, WrongCaOrHostNameFailsTheCreateNamingTheCause) {
  TestDatabases dbs = NewTestDatabases("tlswrong", TestEngines().front());
  CreateTable(dbs);
  PipeFiles wrong_ca = WritePipe(dbs, "tlswrongca", {"public.t"});
  EditPipe(wrong_ca, [](json& doc) {
    doc["source"]["sslmode"] = "verify-ca";
    doc["source"]["sslrootcert"] = GetServers().tls.other_ca_cert;
  });
  ExpectPipeFails(wrong_ca, "tlswrongca", "certificate verify failed");

  // The certificate names 127.0.0.1 only: verify-full refuses "localhost", verify-ca does not
  // look at names.
  PipeFiles wrong_host = WritePipe(dbs, "tlswronghost", {"public.t"});
  EditPipe(wrong_host, [](json& doc) {
    doc["source"]["host"] = "localhost";
    doc["source"]["sslmode"] = "verify-full";
    doc["source"]["sslrootcert"] = GetServers().tls.ca_cert;
  });
  ExpectPipeFails(wrong_host, "tlswronghost", "does not match host name \"localhost\"");
  EXPECT_TRUE(PgQuery(dbs.pg,
                      "SELECT 1 FROM pg_replication_slots WHERE slot_name LIKE "
                      "'peerflow_slot_tlswrong%'")
                  .empty());

  // Plain text where TLS was asked for is refused before anything runs.
  PipeFiles plain = WritePipe(dbs, "tlsplain", {"public.t"});
  EditPipe(plain, [](json& doc) { doc["source"]["sslrootcert"] = GetServers().tls.ca_cert; });
  auto run = StartPg2ch(plain);
  EXPECT_EQ(run->Wait(30), 2) << run->Output();
  EXPECT_NE(run->Output().find("source.sslrootcert: is only checked with sslmode verify-ca or "
                               "verify-full"),
            std::string::npos)
      << run->Output();
}

// certuser must show a certificate issued by the test CA (pg_hba.conf clientcert=verify-full)
// besides its scram password; a replication role with SELECT on the table and a publication
// made by the owner, as a managed service's replication user has.
TEST(Tls, ClientCertificateForAReplicationUserWithOnlySelect) {
  TestDatabases dbs = NewTestDatabases("tlsmutual", TestEngines().front());
  CreateTable(dbs);
  PgExec(dbs.pg,
         "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'certuser') THEN "
         "CREATE ROLE certuser LOGIN REPLICATION PASSWORD 'cert-user-password'; END IF; END $$;"
         "GRANT SELECT ON t TO certuser;"
         "CREATE PUBLICATION owners_pub FOR TABLE t");
  TestDatabases as_certuser = dbs;
  as_certuser.pg.user = "certuser";
  as_certuser.pg.password = "cert-user-password";

  PipeFiles without =
      WritePipe(as_certuser, "tlsnocert", {"public.t"}, "\"publication\": \"owners_pub\"");
  EditPipe(without, [](json& doc) { doc["source"]["sslmode"] = "require"; });
  ExpectPipeFails(without, "tlsnocert", "connection requires a valid client certificate");

  const std::string pipe = "tlsmutual";
  PipeFiles files = WritePipe(as_certuser, pipe, {"public.t"}, "\"publication\": \"owners_pub\"");
  EditPipe(files, [](json& doc) {
    const TestTls& tls = GetServers().tls;
    doc["source"]["sslmode"] = "verify-full";
    doc["source"]["sslrootcert"] = tls.ca_cert;
    doc["source"]["sslcert"] = tls.client_cert;
    doc["source"]["sslkey"] = tls.client_key;
  });
  ExpectReplicatesOverTls(dbs, files, pipe);
  EXPECT_EQ(PgQuery(dbs.pg, "SELECT pubname FROM pg_publication ORDER BY 1"),
            (std::vector<std::vector<std::string>>{{"owners_pub"}}));
}

// ClickHouse 18.16's HTTPS port, verified against the test CA: without the CA file the system's
// CAs do not know the certificate and the pipe fails saying so; a CA file with an http:// URL is
// refused (TLS was asked for).
TEST(Tls, ClickHouseOverHttpsVerifiedAgainstTheCaFile) {
  const auto& engines = TestEngines();
  if (std::find(engines.begin(), engines.end(), ChEngine::kCh18) == engines.end())
    GTEST_SKIP() << "HTTPS is tested on ch18 (the libchdb front speaks plain HTTP)";
  TestDatabases dbs = NewTestDatabases("chtls", ChEngine::kCh18);
  CreateTable(dbs);
  const std::string https = GetServers().ch18_https_url;

  PipeFiles untrusted = WritePipe(dbs, "chtlsuntrusted", {"public.t"});
  EditPipe(untrusted, [&](json& doc) { doc["destination"]["url"] = https; });
  ExpectPipeFails(untrusted, "chtlsuntrusted", "SSL");

  PipeFiles plain = WritePipe(dbs, "chtlsplain", {"public.t"});
  EditPipe(plain, [](json& doc) { doc["destination"]["ca_file"] = GetServers().tls.ca_cert; });
  auto refused = StartPg2ch(plain);
  EXPECT_EQ(refused->Wait(30), 2) << refused->Output();
  EXPECT_NE(refused->Output().find("must start with https:// when destination.ca_file is set"),
            std::string::npos)
      << refused->Output();

  const std::string pipe = "chtls";
  PipeFiles files = WritePipe(dbs, pipe, {"public.t"});
  EditPipe(files, [&](json& doc) {
    doc["destination"]["url"] = https;
    doc["destination"]["ca_file"] = GetServers().tls.ca_cert;
  });
  auto run = StartPg2ch(files);
  ASSERT_TRUE(WaitForState(files, pipe, PipeState::kRunning, kWait)) << run->Output();
  PgExec(dbs.pg, "UPDATE t SET v = 'over https' WHERE id < 100");
  EXPECT_EQ(WaitForEqual(dbs, "t", "t", Columns(), "id", kWait), "") << run->Output();
  EXPECT_NE(run->Output().find(https), std::string::npos) << run->Output();
  run->Signal(SIGTERM);
  EXPECT_EQ(run->Wait(30), 0) << run->Output();
}

// Through the API: a wrong CA is refused at create naming the cause; the TLS files travel as
// paths and come back as paths, never the key or a password.
TEST(Tls, ApiCreateChecksTheCertificateAndShowsOnlyPaths) {
  TestDatabases dbs = NewTestDatabases("tlsapi", TestEngines().front());
  CreateTable(dbs);
  ServerProcess server(GetServers().work_dir + "/server_tlsapi");
  server.Start();
  const TestTls& tls = GetServers().tls;
  json body = CreateBody(dbs, "tlsapi", {"t"});
  json& pg = body["source"]["postgres"];
  pg["sslmode"] = "verify-full";
  pg["sslrootcert"] = tls.other_ca_cert;
  auto refused = server.Call("POST", "/v1/clickpipes", body.dump());
  EXPECT_EQ(refused.status, 400) << refused.raw;
  EXPECT_NE(refused.raw.find("certificate verify failed"), std::string::npos) << refused.raw;

  pg["sslrootcert"] = tls.ca_cert;
  pg["sslcert"] = tls.client_cert;
  pg["sslkey"] = tls.client_key;
  auto created = server.Call("POST", "/v1/clickpipes", body.dump());
  ASSERT_LT(created.status, 300) << created.raw;
  const std::string id = created.body["id"];
  ASSERT_TRUE(server.WaitForState(id, "Running", kWait)) << server.Log();
  auto shown = server.Call("GET", "/v1/clickpipes/" + id);
  EXPECT_EQ(shown.body["source"]["postgres"]["sslrootcert"], tls.ca_cert) << shown.raw;
  EXPECT_EQ(shown.body["source"]["postgres"]["sslkey"], tls.client_key) << shown.raw;
  const std::string key = ReadFileText(tls.client_key);
  const std::string key_body = key.substr(key.find('\n') + 1, 40);
  for (const std::string& text : {shown.raw, created.raw, server.Log()}) {
    EXPECT_EQ(text.find(key_body), std::string::npos) << text;
    EXPECT_EQ(text.find(kPgPassword), std::string::npos) << text;
  }
  EXPECT_EQ(WaitForEqual(dbs, "t", "t", Columns(), "id", kWait), "") << server.Log();
  EXPECT_EQ(server.Terminate(), 0);
}

}  // namespace
}  // namespace pg2ch::test
