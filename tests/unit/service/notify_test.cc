// famfsd's sd_notify sender: messages reach a path or abstract socket; with
// the manager's queue full, best-effort messages are dropped at once and
// state changes wait a bounded time, so the event loop never blocks on a
// manager that stopped reading.
#include "service/notify.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string>
#include <thread>

namespace famfs::service {
namespace {

class NotifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char d[] = "/tmp/famfs-notify-XXXXXX";
    ASSERT_NE(mkdtemp(d), nullptr);
    dir_ = d;
    path_ = dir_ + "/notify.sock";
    manager_ = bind_at(path_, false);
    ASSERT_GE(manager_, 0) << strerror(errno);
  }
  void TearDown() override {
    if (manager_ >= 0) close(manager_);
    unlink(path_.c_str());
    rmdir(dir_.c_str());
  }
  static int bind_at(const std::string& name, bool abstract) {
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path + (abstract ? 1 : 0), name.data(), name.size());
    socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size() + 1);
    if (bind(fd, reinterpret_cast<sockaddr*>(&sa), len) != 0) {
      close(fd);
      return -1;
    }
    return fd;
  }
  // Reads one datagram (blocking), "" on error.
  static std::string take(int fd) {
    char buf[512];
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    return n < 0 ? "" : std::string(buf, static_cast<size_t>(n));
  }
  // Fills the manager's datagram queue (nobody reads it).
  void fill_queue() {
    int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, path_.data(), path_.size());
    ASSERT_EQ(connect(s, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0) << strerror(errno);
    int sent = 0;
    while (send(s, "X=1", 3, MSG_DONTWAIT) == 3) ++sent;
    EXPECT_EQ(errno, EAGAIN);
    EXPECT_GT(sent, 0);
    close(s);
  }
  // Runs FN in a child and returns its exit status; a child still running
  // after 60 s (it blocked: the defect this guards against) is killed and
  // reported as -1. Not a timing check: a send takes microseconds.
  template <typename Fn>
  static int in_child(Fn fn) {
    pid_t pid = fork();
    if (pid == 0) _exit(fn());
    for (int i = 0; i < 6000; ++i) {
      int st = 0;
      if (waitpid(pid, &st, WNOHANG) == pid) return WIFEXITED(st) ? WEXITSTATUS(st) : -2;
      usleep(10000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    return -1;
  }
  std::string dir_, path_;
  int manager_ = -1;
};

TEST_F(NotifyTest, WithoutAManagerEverySendIsANoOp) {
  Notifier n("");
  EXPECT_FALSE(n.enabled());
  EXPECT_EQ(n.state("READY=1"), Notifier::Outcome::no_manager);
  EXPECT_EQ(n.best_effort("WATCHDOG=1"), Notifier::Outcome::no_manager);
}

TEST_F(NotifyTest, MessagesReachAPathSocketWhole) {
  Notifier n(path_);
  EXPECT_EQ(n.state("READY=1\nSTATUS=ready, master, 3 files"), Notifier::Outcome::sent);
  EXPECT_EQ(take(manager_), "READY=1\nSTATUS=ready, master, 3 files");
  EXPECT_EQ(n.best_effort("WATCHDOG=1"), Notifier::Outcome::sent);
  EXPECT_EQ(take(manager_), "WATCHDOG=1");
  EXPECT_EQ(n.dropped(), 0u);
}

TEST_F(NotifyTest, MessagesReachAnAbstractSocket) {
  std::string name = "famfs-notify-test-" + std::to_string(getpid());
  int abs = bind_at(name, true);
  ASSERT_GE(abs, 0) << strerror(errno);
  Notifier n("@" + name);
  EXPECT_EQ(n.state("STOPPING=1"), Notifier::Outcome::sent);
  EXPECT_EQ(take(abs), "STOPPING=1");
  close(abs);
}

TEST_F(NotifyTest, AnAddressThatIsNoUnixSocketIsAnError) {
  EXPECT_EQ(Notifier("vsock:2:1234").state("READY=1"), Notifier::Outcome::error);
  EXPECT_EQ(Notifier(dir_ + "/nobody-listens").state("READY=1"), Notifier::Outcome::error);
  EXPECT_EQ(Notifier("/" + std::string(200, 'x')).state("READY=1"), Notifier::Outcome::error);
}

TEST_F(NotifyTest, WithTheQueueFullABestEffortMessageIsDroppedWithoutBlocking) {
  fill_queue();
  int rc = in_child([&] {
    Notifier n(path_, 60000);  // the patience must not apply to best-effort messages
    bool dropped = n.best_effort("WATCHDOG=1") == Notifier::Outcome::dropped;
    dropped = dropped && n.best_effort("STATUS=ready") == Notifier::Outcome::dropped;
    return dropped && n.dropped() == 2 ? 0 : 1;
  });
  EXPECT_EQ(rc, 0) << "-1: the send blocked on the full queue";
}

TEST_F(NotifyTest, WithTheQueueFullAStateChangeIsDroppedAfterItsPatience) {
  fill_queue();
  int rc = in_child([&] {
    Notifier n(path_, 50);
    return n.state("STOPPING=1") == Notifier::Outcome::dropped && n.dropped() == 1 ? 0 : 1;
  });
  EXPECT_EQ(rc, 0) << "-1: the send blocked on the full queue";
}

TEST_F(NotifyTest, AStateChangeWaitsForRoomAndIsDelivered) {
  fill_queue();
  // The manager reads everything a moment later; READY=1 must then arrive.
  timeval tv{30, 0};  // a reader that gets nothing ends instead of hanging the test
  setsockopt(manager_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::thread reader([&] {
    usleep(100000);
    std::string got;
    while (got != "READY=1") {
      got = take(manager_);
      if (got.empty()) break;
    }
  });
  Notifier n(path_, 60000);
  EXPECT_EQ(n.state("READY=1"), Notifier::Outcome::sent);
  reader.join();
  EXPECT_EQ(n.dropped(), 0u);
}

}  // namespace
}  // namespace famfs::service
