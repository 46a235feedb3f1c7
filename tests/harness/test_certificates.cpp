// The run's TLS files, made with Debian's openssl command: a test CA, the servers' certificate
// (for 127.0.0.1 only, so that "localhost" is a host-name mismatch), a client certificate for
// the PostgreSQL user `certuser`, and a second CA that signed none of them.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/harness.h"
#include "harness/harness_internal.h"

namespace pg2ch::test::internal {
namespace {

void Openssl(const std::vector<std::string>& args, const std::string& dir) {
  std::vector<std::string> argv = {"openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  const std::string log = dir + "/openssl.log";
  SpawnOptions opts{.parent_death_signal = SIGKILL, .cwd = dir};
  pid_t pid = Spawn(argv, log, opts);
  int status = WaitPid(pid, 60);
  if (status == -1) {
    kill(pid, SIGKILL);
    WaitPid(pid, 10);
  }
  UntrackChild(pid);
  if (status == -1 || ExitCode(status) != 0)
    throw std::runtime_error("openssl " + args[0] + " failed:\n" + Tail(ReadFile(log), 20));
}

// An EC key and a certificate for `subject`, signed by the CA in dir (or self-signed for a CA).
void Certificate(const std::string& dir, const std::string& name, const std::string& subject,
                 const std::string& ca, const std::string& extensions) {
  const std::string key = dir + "/" + name + ".key", crt = dir + "/" + name + ".crt";
  if (ca.empty()) {
    Openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", key, "-out", crt, "-days", "30", "-subj", subject},
            dir);
    return;
  }
  const std::string csr = dir + "/" + name + ".csr", ext = dir + "/" + name + ".ext";
  std::ofstream(ext) << extensions << "\n";
  Openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
           key, "-out", csr, "-subj", subject},
          dir);
  Openssl({"x509", "-req", "-in", csr, "-CA", dir + "/" + ca + ".crt", "-CAkey",
           dir + "/" + ca + ".key", "-CAcreateserial", "-out", crt, "-days", "30", "-extfile", ext},
          dir);
}

}  // namespace

TestTls MakeTestCertificates(const std::string& dir) {
  if (mkdir(dir.c_str(), 0755) != 0) throw std::runtime_error("mkdir " + dir + " failed");
  Certificate(dir, "ca", "/CN=pg2ch test CA", "", "");
  Certificate(dir, "other_ca", "/CN=another CA", "", "");
  Certificate(dir, "server", "/CN=pg2ch-test-server", "ca",
              "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth");
  Certificate(dir, "client", "/CN=certuser", "ca", "extendedKeyUsage=clientAuth");
  TestTls tls;
  tls.ca_cert = dir + "/ca.crt";
  tls.other_ca_cert = dir + "/other_ca.crt";
  tls.server_cert = dir + "/server.crt";
  tls.server_key = dir + "/server.key";
  tls.client_cert = dir + "/client.crt";
  tls.client_key = dir + "/client.key";
  for (const std::string* key : {&tls.server_key, &tls.client_key}) chmod(key->c_str(), 0600);
  return tls;
}

}  // namespace pg2ch::test::internal
