// Drops the loopback packets of one TCP port both ways while alive (iptables, root only): a
// network cut without a reset, as a dead link or a frozen host looks to the peers.
#pragma once

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace pg2ch::test {

class NetworkCut {
 public:
  explicit NetworkCut(int port) : port_(port) { Rules("-A"); }
  ~NetworkCut() { Heal(); }
  NetworkCut(const NetworkCut&) = delete;
  NetworkCut& operator=(const NetworkCut&) = delete;
  void Heal() {
    if (active_) Rules("-D");
    active_ = false;
  }

 private:
  void Rules(const char* action) {
    for (const char* side : {"--dport", "--sport"}) {
      std::string command = std::string("iptables -w ") + action + " INPUT -i lo -p tcp " + side +
                            " " + std::to_string(port_) + " -j DROP";
      if (std::system(command.c_str()) != 0) throw std::runtime_error("failed: " + command);
    }
  }
  int port_;
  bool active_ = true;
};

}  // namespace pg2ch::test
